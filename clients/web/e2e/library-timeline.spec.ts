// The timeline: uploading through the page, the viewer's edit form, and the trash.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { dayHeading, dropFiles } from './support/page';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('photos uploaded by picker and by drag-and-drop show their progress, reach Done and appear under their days, newest first', async ({ page }) => {
  // Tall enough for the upload list and all three days at once: the grid draws only the sections near the screen.
  await page.setViewportSize({ width: 1280, height: 1800 });
  const user = await newUser('uploader');
  await signedIn(page, user);
  const older = jpeg({ takenAt: '2021-03-05 10:00:00', name: 'march.jpg' });
  const middle = jpeg({ takenAt: '2022-07-14 16:30:00', name: 'july.jpg' });
  const newest = jpeg({ takenAt: '2023-11-20 08:15:00', name: 'november.jpg' });

  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();

  // Picked with the upload button (the file chooser a person sees), then one more dropped on the drop zone.
  const label = 'Upload photos and videos';
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: label }).click();
  await (await chooser).setFiles([older, newest]);
  await dropFiles(page, page.getByRole('group', { name: 'Drop files here' }), [{ name: 'july.jpg', type: 'image/jpeg', bytes: readFileSync(middle) }]);

  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const name of ['march.jpg', 'november.jpg', 'july.jpg']) {
    await expect(uploads.getByRole('progressbar', { name: new RegExp(`^${name}:`) })).toBeVisible();
    await expect(uploads.getByRole('listitem').filter({ hasText: name })).toContainText('Done', { timeout: 60_000 });
  }
  await expect(page.getByRole('status').filter({ hasText: 'of 3 files done' })).toHaveText('3 of 3 files done');

  const days = await Promise.all(['2023-11-20', '2022-07-14', '2021-03-05'].map((d) => dayHeading(page, d)));
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(days);
  await expect(page.getByRole('region', { name: days[0] }).getByRole('button', { name: 'november.jpg, photo' })).toBeVisible();
  await expect(page.getByRole('region', { name: days[1] }).getByRole('button', { name: 'july.jpg, photo' })).toBeVisible();
  await expect(page.getByRole('region', { name: days[2] }).getByRole('button', { name: 'march.jpg, photo' })).toBeVisible();

  // The same file again is not stored twice, and its own row says so.
  const chooserAgain = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: label }).click();
  await (await chooserAgain).setFiles([older]);
  const again = uploads.getByRole('listitem').filter({ hasText: 'march.jpg' }).last();
  await expect(again).toContainText('Done');
  await expect(again).toContainText('Already in your library');
  await expect(uploads.getByRole('listitem')).toHaveCount(4);
  const all = await ok(client(user.token).GET('/api/v1/assets'));
  expect(all.items.map((a) => a.originalFileName)).toEqual(['november.jpg', 'july.jpg', 'march.jpg']);
});

test('the viewer edits rating (by keyboard), tags, description and date; they stay after a reload and the photo moves to its new day', async ({ page }) => {
  const user = await newUser('editor');
  const original = jpeg({ takenAt: '2022-07-14 16:30:00', name: 'beach.jpg' });
  const asset = await upload(user, original);
  // Taken earlier on the day the edit moves beach.jpg to: then the next photo after it.
  await upload(user, jpeg({ takenAt: '2020-02-29 08:00:00', name: 'sunrise.jpg' }));
  await signedIn(page, user);
  await page.goto('/');

  await page.getByRole('button', { name: 'beach.jpg' }).click();
  const viewer = page.getByRole('dialog', { name: 'beach.jpg' });
  await expect(viewer.getByText('TestCam')).toBeVisible();
  await viewer.getByRole('radio', { name: 'No rating' }).focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(viewer.getByRole('radio', { name: '4 stars' })).toBeChecked();
  await viewer.getByRole('textbox', { name: 'Tags' }).fill('Holiday');
  await page.keyboard.press('Enter');
  await expect(viewer.getByRole('list', { name: 'Tags' })).toContainText('Holiday');
  await viewer.getByLabel('Description').fill('Grandma on the beach');
  await viewer.getByLabel('Date and time taken').fill('2020-02-29T09:15');
  await viewer.getByRole('button', { name: 'Save' }).click();
  await expect(viewer.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

  const saved = await ok(client(user.token).GET('/api/v1/assets/{id}', { params: { path: { id: asset.id } } }));
  expect(saved).toMatchObject({ rating: 4, tags: ['Holiday'], description: 'Grandma on the beach' });
  expect(new Date(saved.takenAt).toISOString()).toBe('2020-02-29T09:15:00.000Z');

  await page.reload();
  const day = await dayHeading(page, '2020-02-29');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText([day]);
  await page.getByRole('region', { name: day }).getByRole('button', { name: 'beach.jpg' }).click();
  await expect(viewer.getByRole('radio', { name: '4 stars' })).toBeChecked();
  await expect(viewer.getByRole('list', { name: 'Tags' })).toContainText('Holiday');
  await expect(viewer.getByLabel('Description')).toHaveValue('Grandma on the beach');
  await expect(viewer.getByLabel('Date and time taken')).toHaveValue('2020-02-29T09:15');

  // Download gives the original bytes.
  const download = page.waitForEvent('download');
  await viewer.getByRole('link', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toBe('beach.jpg');
  expect(readFileSync(await (await download).path()).equals(readFileSync(original))).toBe(true);

  // → shows the next photo; Escape closes the viewer and gives the focus to the tile of the photo shown last.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('dialog', { name: 'sunrise.jpg' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'sunrise.jpg, photo' })).toBeFocused();
});

test('photos go to the trash from the selection and the viewer, come back with Restore, and Empty trash deletes them for good', async ({ page }) => {
  const user = await newUser('trasher');
  const c = client(user.token);
  const a = await upload(user, jpeg({ takenAt: '2023-01-02 10:00:00', name: 'one.jpg' }));
  const b = await upload(user, jpeg({ takenAt: '2023-01-01 10:00:00', name: 'two.jpg' }));
  await signedIn(page, user);
  await page.goto('/');

  await page.getByRole('checkbox', { name: 'Select one.jpg' }).check();
  const bar = page.getByRole('toolbar', { name: 'Selection' });
  await expect(bar.getByText('1 selected')).toBeVisible();
  await bar.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByText('1 photo was moved to the trash.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'one.jpg' })).toHaveCount(0);

  await page.getByRole('button', { name: 'two.jpg' }).click();
  await page.getByRole('dialog', { name: 'two.jpg' }).getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByRole('dialog', { name: 'two.jpg' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();

  await page.goto('/trash');
  await expect(page.getByRole('button', { name: 'one.jpg' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'two.jpg' })).toBeVisible();
  await page.getByRole('checkbox', { name: 'Select one.jpg' }).check();
  await page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByText('1 item restored to your library.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'one.jpg' })).toHaveCount(0);
  expect((await ok(c.GET('/api/v1/assets/{id}', { params: { path: { id: a.id } } }))).trashedAt).toBeNull();

  await page.getByRole('button', { name: 'Empty trash' }).click();
  const confirm = page.getByRole('dialog', { name: 'Empty the trash?' });
  await confirm.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page.getByText('1 item deleted for good.')).toBeVisible();
  await expect(page.getByText('The trash is empty.')).toBeVisible();
  expect((await ok(c.GET('/api/v1/assets', { params: { query: { trashed: true } } }))).items).toEqual([]);
  expect((await c.GET('/api/v1/assets/{id}', { params: { path: { id: b.id } } })).response.status).toBe(404);
  expect((await ok(c.GET('/api/v1/assets'))).items.map((x) => basename(x.originalFileName))).toEqual(['one.jpg']);
});
