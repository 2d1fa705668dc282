// Groups and the Shared Space through the admin pages: a group with a member picked by name; a folder permission for
// a user, and the effective permissions the page explains.
import { signedIn } from './support/session';
import { ADMIN, client, newUser, ok, signIn } from './support/api';
import { withSharedSpace } from './support/setup';
import { expect, test } from './support/test';

test('create a group with a member', async ({ page }) => {
  const member = await newUser('member');
  const name = `Family ${Date.now().toString(36)}`;
  await signedIn(page, ADMIN, '/admin/groups');
  await page.getByRole('button', { name: 'Create group' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a group' });
  await dialog.getByLabel('Group name').fill(name);
  await dialog.getByRole('combobox', { name: 'Add a member' }).fill(member.username);
  await dialog.getByRole('option', { name: new RegExp(member.username) }).click();
  await expect(dialog.getByRole('list', { name: 'Members' })).toContainText(member.displayName);
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByText(`The group ${name} is created.`)).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText(member.displayName);

  const admin = client(await signIn(ADMIN.username, ADMIN.password));
  const groups = await ok(admin.GET('/api/v1/groups', { params: { query: { limit: 1000 } } }));
  expect(groups.items.find((g) => g.name === name)?.memberIds).toEqual([member.id]);
});

test("set a Shared Space folder's permission for a user and see their effective permissions", async ({ page }) => {
  await withSharedSpace(async (admin) => {
    const folderName = `Team ${Date.now().toString(36)}`;
    await ok(admin.POST('/api/v1/folders', { body: { name: folderName, space: 'shared' } }));
    const user = await newUser('space');

    await signedIn(page, ADMIN, '/admin/shared-space');
    await page.getByRole('combobox', { name: 'Give access to a user or group' }).fill(user.username);
    await page.getByRole('option', { name: new RegExp(user.username) }).click();
    await expect(page.getByLabel(`Access of ${user.username}`)).toHaveValue('custom');
    await page.getByRole('button', { name: 'Save access' }).click();
    await expect(page.getByText('Shared Space access saved.')).toBeVisible();

    await page.getByRole('button', { name: folderName }).click();
    await expect(page.getByRole('heading', { name: `Permissions of “${folderName}”` })).toBeVisible();
    await page.getByRole('combobox', { name: 'User or group', exact: true }).fill(user.username);
    await page.getByRole('option', { name: new RegExp(user.username) }).click();
    await page.getByRole('combobox', { name: 'Permissions', exact: true }).selectOption('downloader');
    await page.getByRole('button', { name: 'Add to the list' }).click();
    await page.getByRole('button', { name: 'Save permissions' }).click();
    await expect(page.getByText(`The permissions of ${folderName} are saved.`)).toBeVisible();
    const explicit = page.getByRole('table', { name: 'Set on this folder' });
    await expect(explicit.getByRole('row', { name: new RegExp(user.username) })).toContainText('Downloader');

    await page.getByRole('combobox', { name: 'User', exact: true }).fill(user.username);
    await page.getByRole('option', { name: new RegExp(user.username) }).click();
    const effective = page.getByRole('table', { name: new RegExp(`Effective permissions of ${user.displayName}`) });
    const cells = (op: string) => effective.getByRole('row', { name: new RegExp(`^${op}`) }).getByRole('cell');
    await expect(cells('Download')).toHaveText([/^✓ Allowed$/, /^✓ Allowed$/]);
    await expect(cells('Upload')).toHaveText([/Not allowed/, /Not allowed/]);
    await expect(page.getByText(/has Custom \(folder permissions\) to the Shared Space/)).toBeVisible();

    // What the page set is what the user gets: they now see the folder.
    const seen = await ok(client(user.token).GET('/api/v1/folders', { params: { query: { space: 'shared' } } }));
    expect(seen.items.map((f) => f.name)).toContain(folderName);
  });
});
