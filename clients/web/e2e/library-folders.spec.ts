// Folders: create them, move a photo into one and copy it into another, and a name conflict said in words; the files
// in no folder at the top of the Personal Space; the Shared Space only for those it is open to.
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { withSharedSpace } from './support/setup';
import { expect, test } from './support/test';

test('a photo in no folder shows at the top of the Personal Space; moved into a new folder it shows there; copied into another folder it shows in both; a taken name is said in words', async ({ page, guard }) => {
  const user = await newUser('folders');
  const c = client(user.token);
  const photo = await upload(user, jpeg({ takenAt: '2024-02-10 10:00:00', name: 'harbour.jpg' }));
  await signedIn(page, user);

  await page.goto('/folders');
  // A new user has no Shared Space: only their Personal Space, with the photo uploaded without a folder at its top.
  const personal = page.getByRole('region', { name: 'Personal Space' });
  await expect(personal).toBeVisible();
  await expect(page.getByRole('tab')).toHaveCount(0);
  await expect(page.getByText('Shared Space')).toHaveCount(0);
  const top = personal.getByRole('region', { name: 'In no folder' });
  await expect(top.getByRole('button', { name: 'harbour.jpg' })).toBeVisible();
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

  // Moved into Trips, it is no longer at the top.
  await page.goto('/folders');
  await expect(top.getByText('Every file of yours is in a folder.')).toBeVisible();
  await expect(top.getByRole('button', { name: 'harbour.jpg' })).toHaveCount(0);
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

test('the Shared Space shows in Folders and in the folder picker once an admin opens it to the user', async ({ page }) => {
  await withSharedSpace(async (admin) => {
    const access = await ok(admin.GET('/api/v1/shared-space/access'));
    const entries = access.entries.map(({ principalType, principalId, level }) => ({ principalType, principalId, level }));
    const user = await newUser('spacer');
    const folderName = `Club ${Date.now().toString(36)}`;
    const club = await ok(admin.POST('/api/v1/folders', { body: { name: folderName, space: 'shared' } }));
    await ok(admin.PUT('/api/v1/shared-space/access', { body: { entries: [...entries, { principalType: 'user', principalId: user.id, level: 'custom' }] } }));
    try {
      await ok(admin.PUT('/api/v1/folders/{id}/permissions', {
        params: { path: { id: club.id } },
        body: { entries: [{ principalType: 'user', principalId: user.id, effect: 'allow', role: 'viewer' }] },
      }));
      await upload(user, jpeg({ name: 'pier.jpg' }));
      await signedIn(page, user, '/folders');

      const tabs = page.getByRole('tablist', { name: 'Space' });
      await expect(tabs.getByRole('tab', { name: 'Personal Space' })).toHaveAttribute('aria-selected', 'true');
      await tabs.getByRole('tab', { name: 'Shared Space' }).click();
      await expect(page).toHaveURL(/\?space=shared$/);
      await expect(page.getByRole('list', { name: 'Folders in Shared Space' }).getByRole('link', { name: new RegExp(folderName) })).toBeVisible();

      await page.goto('/');
      await page.getByRole('checkbox', { name: 'Select pier.jpg' }).check();
      await page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move or copy' }).click();
      const picker = page.getByRole('dialog', { name: 'Move or copy 1 photo' });
      await picker.getByRole('tab', { name: 'Shared Space' }).click();
      await expect(picker.getByRole('button', { name: new RegExp(folderName) })).toBeVisible();
    } finally {
      await ok(admin.PUT('/api/v1/shared-space/access', { body: { entries } }));
    }
  });
});
