// Folders: create them, move a photo into one and copy it into another, and a name conflict said in words.
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('a photo moved into a new folder shows there; copied into another folder it shows in both; a taken name is said in words', async ({ page, guard }) => {
  const user = await newUser('folders');
  const c = client(user.token);
  const photo = await upload(user, jpeg({ takenAt: '2024-02-10 10:00:00', name: 'harbour.jpg' }));
  await signedIn(page, user);

  await page.goto('/folders');
  await expect(page.getByRole('tab', { name: 'Personal Space' })).toHaveAttribute('aria-selected', 'true');
  for (const name of ['Trips', 'Backup']) {
    await page.goto('/folders');
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'New folder in Personal Space' });
    await dialog.getByLabel('Folder name').fill(name);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Personal Space' })).toBeVisible();
  }

  // A second "trips" at the top: the API refuses (409), the dialog says why.
  guard.allow(/status of 409/);
  await page.goto('/folders');
  await expect(page.getByRole('list', { name: 'Folders in Personal Space' }).getByRole('link')).toHaveCount(2);
  await page.getByRole('button', { name: 'New folder' }).click();
  const again = page.getByRole('dialog', { name: 'New folder in Personal Space' });
  await again.getByLabel('Folder name').fill('trips');
  await again.getByRole('button', { name: 'Create' }).click();
  await expect(again.getByRole('alert')).toHaveText('A folder with that name is already there. Choose another name.');
  await again.getByRole('button', { name: 'Cancel' }).click();

  // Move from the timeline into Trips.
  await page.goto('/');
  await page.getByRole('checkbox', { name: 'Select harbour.jpg' }).check();
  await page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move or copy' }).click();
  const picker = page.getByRole('dialog', { name: 'Move or copy 1 photo' });
  await picker.getByRole('button', { name: /Trips/ }).click();
  await expect(picker.getByText('To: Trips')).toBeVisible();
  await picker.getByRole('button', { name: 'Move here' }).click();
  await expect(page.getByText('1 photo was moved to Trips.')).toBeVisible();

  await page.goto('/folders');
  await page.getByRole('link', { name: /Trips/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Trips' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('button', { name: 'harbour.jpg' })).toBeVisible();
  const [trips, backup] = await Promise.all(['Trips', 'Backup'].map(async (name) =>
    (await ok(c.GET('/api/v1/folders'))).items.find((f) => f.name === name)!));
  expect((await ok(c.GET('/api/v1/assets/{id}', { params: { path: { id: photo.id } } }))).folderId).toBe(trips!.id);

  // Copy from Trips into Backup: it stays in Trips and shows in Backup.
  await page.getByRole('checkbox', { name: 'Select harbour.jpg' }).check();
  await page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move or copy' }).click();
  await picker.getByRole('button', { name: /Backup/ }).click();
  await picker.getByRole('button', { name: 'Copy here' }).click();
  await expect(page.getByText('1 copy was made in Backup.')).toBeVisible();
  await expect(page.getByRole('main').getByRole('button', { name: 'harbour.jpg' })).toBeVisible();

  await page.goto(`/folders/${backup!.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Backup' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('button', { name: 'harbour.jpg' })).toBeVisible();
  const inBackup = await ok(c.GET('/api/v1/assets', { params: { query: { folderId: backup!.id } } }));
  expect(inBackup.items.map((a) => a.originalFileName)).toEqual(['harbour.jpg']);
  expect(inBackup.items[0]!.id).not.toBe(photo.id);
});
