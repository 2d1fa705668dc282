// Albums: a manual album filled from the timeline picker, and a conditional album that fills itself.
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('a manual album gets two photos from the timeline picker; a conditional album (4 stars or more) shows only the matching photo', async ({ page }) => {
  const user = await newUser('albums');
  const c = client(user.token);
  const best = await upload(user, jpeg({ takenAt: '2024-05-03 10:00:00', name: 'best.jpg' }));
  const other = await upload(user, jpeg({ takenAt: '2024-05-02 10:00:00', name: 'other.jpg' }));
  await upload(user, jpeg({ takenAt: '2024-05-01 10:00:00', name: 'third.jpg' }));
  await ok(c.PATCH('/api/v1/assets/{id}', { params: { path: { id: best.id } }, body: { rating: 4 } }));
  await signedIn(page, user);

  await page.goto('/albums');
  await expect(page.getByText('No albums yet.')).toBeVisible();
  await page.getByRole('button', { name: 'New album' }).first().click();
  const create = page.getByRole('dialog', { name: 'New album' });
  await create.getByLabel('Name').fill('Summer');
  await create.getByRole('button', { name: 'Create album' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Summer' })).toBeVisible();
  await expect(page.getByText('This album is empty.')).toBeVisible();

  await page.getByRole('button', { name: 'Add photos' }).first().click();
  const picker = page.getByRole('dialog', { name: 'Add photos to Summer' });
  await picker.getByRole('checkbox', { name: 'Select best.jpg' }).check();
  await picker.getByRole('checkbox', { name: 'Select other.jpg' }).check();
  await picker.getByRole('button', { name: 'Add 2 photos' }).click();
  await expect(page.getByText('2 photos were added to Summer.')).toBeVisible();
  const main = page.getByRole('main');
  await expect(main.getByRole('button', { name: 'best.jpg' })).toBeVisible();
  await expect(main.getByRole('button', { name: 'other.jpg' })).toBeVisible();
  await expect(main.getByRole('button', { name: 'third.jpg' })).toHaveCount(0);
  await expect(main.getByText('2 items')).toBeVisible();

  const [summer] = (await ok(c.GET('/api/v1/albums', { params: { query: { scope: 'owned' } } }))).items;
  const entries = await ok(c.GET('/api/v1/albums/{id}/assets', { params: { path: { id: summer!.id } } }));
  expect(entries.items.map((e) => e.asset.id).sort()).toEqual([best.id, other.id].sort());

  // The viewer opens from the album.
  await main.getByRole('button', { name: 'other.jpg' }).click();
  await expect(page.getByRole('dialog', { name: 'other.jpg' }).getByRole('link', { name: 'Download' })).toBeVisible();
  await page.getByRole('dialog', { name: 'other.jpg' }).getByRole('button', { name: 'Close' }).click();

  // Its cover, once chosen, shows on its card.
  await ok(c.PATCH('/api/v1/albums/{id}', { params: { path: { id: summer!.id } }, body: { coverAssetId: other.id } }));
  await page.getByRole('link', { name: '← Albums' }).click();
  await expect(page.getByRole('link', { name: /Summer.*2 items/ })).toBeVisible();
  const cover = page.getByRole('link', { name: /Summer/ }).locator('img');
  await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'New album' }).click();
  await create.getByLabel('Name').fill('Favourites');
  await create.getByRole('radio', { name: /Conditional/ }).check();
  await create.getByLabel('Rating').selectOption({ label: '4 stars or more' });
  await create.getByRole('button', { name: 'Create album' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Favourites' })).toBeVisible();
  await expect(main.getByRole('button', { name: 'best.jpg' })).toBeVisible();
  await expect(main.getByText(/^\s*1 item/)).toBeVisible();
  await expect(main.getByRole('button', { name: 'other.jpg' })).toHaveCount(0);
  await expect(main.getByRole('button', { name: 'third.jpg' })).toHaveCount(0);
  // A conditional album takes no photos by hand.
  await expect(page.getByRole('button', { name: 'Add photos' })).toHaveCount(0);
});
