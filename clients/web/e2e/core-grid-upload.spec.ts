// The grid inside a scrolling box (the album's "Add photos" picker), and the upload queue: a Retry after the server
// could not be asked how processing went only asks again, and closing the tab while files are on their way warns.
import { client, newUser, ok } from './support/api';
import { jpeg } from './support/files';
import { album, basename, photoRequest, uploadAll } from './support/setup';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('the Add photos picker shows the photos at the end of its scrolling box, and the last one can be picked', async ({ page }) => {
  const owner = await newUser('picker');
  // Wide photos, so 60 of them make many rows: far more than the box (and the window) shows.
  const files = Array.from({ length: 60 }, (_, i) => ({
    path: jpeg({ width: 240, height: 120, name: `wide-${String(i).padStart(2, '0')}.jpg` }),
    takenAt: new Date(Date.UTC(2024, 2, 1, 18) - i * 60_000).toISOString(),
  }));
  await uploadAll(owner, files, 12);
  const trip = await album(owner, 'Trip');
  await signedIn(page, owner, `/albums/${trip.id}`);

  await page.getByRole('button', { name: 'Add photos' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add photos to Trip' });
  const last = dialog.getByRole('checkbox', { name: `Select ${basename(files.at(-1)!.path)}` });
  const grid = dialog.getByRole('region', { name: 'Photos' });
  await expect(grid.getByRole('checkbox').first()).toBeAttached();
  await expect(last).toHaveCount(0); // far below: not in the page yet

  // Scrolled to the end of the box (the window itself does not move), the last rows are drawn.
  await grid.hover();
  await expect(async () => {
    await page.mouse.wheel(0, 1500);
    await expect(last).toBeVisible({ timeout: 500 });
  }).toPass();
  await last.check();
  await page.getByRole('button', { name: 'Add 1 photo' }).click();
  await expect(dialog).toHaveCount(0);
  const entries = await ok(client(owner.token).GET('/api/v1/albums/{id}/assets', { params: { path: { id: trip.id } } }));
  expect(entries.items.map((e) => e.asset.originalFileName)).toEqual([basename(files.at(-1)!.path)]);
});

test('Retry after losing track of processing asks again without sending the file twice; leaving meanwhile warns', async ({ page, guard }) => {
  guard.allow(/ERR_FAILED/); // the status answers are cut off on purpose
  const owner = await newUser('follow');
  const request = await photoRequest(owner, { subject: 'Photos please', maxFileSizeMb: 5 });
  const sent: string[] = [];
  page.on('request', (r) => r.method() === 'PATCH' && r.url().includes('/tus/') && sent.push(r.url()));

  // The status of the upload is first held, then cut off: the page cannot learn how processing goes.
  const held: import('@playwright/test').Route[] = [];
  let cut = false;
  await page.route('**/api/v1/r/*/uploads/*', (route) => (cut ? route.abort() : void held.push(route)));

  await page.goto(`/r/${request.key}`);
  const photo = jpeg();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose photos' }).click();
  await (await chooser).setFiles(photo);
  const item = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: basename(photo) });
  await expect(item).toContainText('Processing');

  // Files are still on their way: leaving the page asks first (and the guest stays).
  const dialogs: string[] = [];
  page.on('dialog', (d) => (dialogs.push(d.type()), void d.dismiss()));
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => dialogs).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);

  cut = true;
  for (const r of held.splice(0)) await r.abort();
  await expect(item).toContainText('Failed', { timeout: 20_000 });
  await expect(item).toContainText('The server cannot be reached.');

  await page.unroute('**/api/v1/r/*/uploads/*');
  await item.getByRole('button', { name: `Retry ${basename(photo)}` }).click();
  await expect(item).toContainText('Done', { timeout: 60_000 });
  expect(sent).toHaveLength(1); // the file went once (one tus PATCH)
});
