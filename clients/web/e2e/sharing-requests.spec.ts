// Photo requests: made on the Sharing page (subject, album, size limit), their link copied, a guest's photo shown on
// the request's page once stored, and closing it from the page stops the link taking photos.
import { client, newUser, ok } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { album, sendToRequest } from './support/setup';
import { expect, test } from './support/test';

test('a photo request made on the page collects a guest photo, and closing it stops the link', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const owner = await newUser('host');
  const api = client(owner.token);
  const party = await album(owner, 'Party pics');

  await signedIn(page, owner, '/sharing?tab=requests');
  await expect(page.getByText('No photo requests yet.')).toBeVisible();
  await page.getByRole('button', { name: 'New photo request' }).click();
  const dialog = page.getByRole('dialog', { name: 'New photo request' });
  await dialog.getByLabel('What are you asking for?').fill('Photos from the party');
  await dialog.getByLabel('Also add the photos to an album').selectOption({ label: 'Party pics' });
  await dialog.getByLabel('Largest file, in MB').fill('5');
  await dialog.getByRole('button', { name: 'Create request' }).click();

  const ready = page.getByRole('dialog', { name: 'Your photo request is ready' });
  await ready.getByRole('button', { name: 'Copy link' }).click();
  await expect(ready.getByText('Copied')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const [request] = (await ok(api.GET('/api/v1/photo-requests'))).items;
  expect(request).toMatchObject({ subject: 'Photos from the party', albumId: party.id, maxFileSizeMb: 5, enabled: true });
  expect(copied).toBe(request!.url);

  // The list shows it, open; its page shows what a guest sends, with the stored photo's thumbnail.
  await ready.getByRole('button', { name: 'Done' }).click();
  const card = page.getByRole('article', { name: 'Photos from the party' });
  await expect(card.getByText('Open', { exact: true })).toBeVisible();
  await sendToRequest(request!.key, jpeg({ name: 'from-guest.jpg' }));
  // Each file received carries its thumbnail: no asset is read on its own for it.
  const assetReads: string[] = [];
  page.on('request', (r) => /^\/api\/v1\/assets\/[^/]+$/.test(new URL(r.url()).pathname) && assetReads.push(r.url()));
  await card.getByRole('link', { name: 'Photos from the party' }).click();
  await expect(page).toHaveURL(`/sharing/requests/${request!.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Photos from the party' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Party pics' })).toBeVisible();
  await expect(page.getByText('from-guest.jpg')).toBeVisible();
  await expect(page.getByText('Added', { exact: true })).toBeVisible({ timeout: 60_000 });
  const thumb = page.getByRole('img', { name: 'from-guest.jpg' });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  expect(assetReads).toEqual([]);

  // Closed from its page: the guest link answers that it takes no photos now.
  await page.getByRole('button', { name: 'Close request' }).click();
  await expect(page.getByText('Closed', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reopen request' })).toBeVisible();
  const guest = await client().GET('/api/v1/r/{key}', { params: { path: { key: request!.key } } });
  expect(guest.response.status).toBe(410);
  expect(guest.error?.code).toBe('request.disabled');
});
