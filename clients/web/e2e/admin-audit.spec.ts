// Renaming a photo in the viewer; the admin's audit trail page and its filters; removing every share link from the
// settings page (a dry-run count first, then a confirmed removal).
import { ADMIN, client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { newShare } from './support/setup';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('the viewer renames a photo: the extension is kept, the new name stays after a reload, a refused name says why under the field', async ({ page, guard }) => {
  guard.allow(/status of 400/); // the refused name, on purpose
  const user = await newUser('renamer');
  const asset = await upload(user, jpeg({ name: 'IMG_0042.jpg' }));
  await signedIn(page, user, '/');

  await page.getByRole('button', { name: 'IMG_0042.jpg' }).click();
  const viewer = page.getByRole('dialog', { name: 'IMG_0042.jpg' });
  const name = viewer.getByLabel('File name');
  await expect(name).toHaveValue('IMG_0042.jpg');
  await name.fill('Grandma at the beach');
  await viewer.getByRole('button', { name: 'Save' }).click();
  const renamed = page.getByRole('dialog', { name: 'Grandma at the beach.jpg' });
  await expect(renamed.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(renamed.getByLabel('File name')).toHaveValue('Grandma at the beach.jpg');
  const saved = await ok(client(user.token).GET('/api/v1/assets/{id}', { params: { path: { id: asset.id } } }));
  expect(saved.originalFileName).toBe('Grandma at the beach.jpg');

  await page.reload();
  await page.getByRole('button', { name: 'Grandma at the beach.jpg' }).click();
  await expect(renamed.getByLabel('File name')).toHaveValue('Grandma at the beach.jpg');

  // The server's own message for a name it refuses (asked of the API directly), shown under the field.
  const refused = await client(user.token).PATCH('/api/v1/assets/{id}', { params: { path: { id: asset.id } }, body: { fileName: 'a/b' } });
  expect(refused.response.status).toBe(400);
  const message = (refused.error as { errors?: Record<string, string[]> }).errors?.fileName?.[0];
  expect(message).toBeTruthy();
  await renamed.getByLabel('File name').fill('a/b');
  await renamed.getByRole('button', { name: 'Save' }).click();
  await expect(renamed.getByLabel('File name')).toHaveAttribute('aria-invalid', 'true');
  await expect(renamed.getByLabel('File name')).toHaveAccessibleDescription(new RegExp(escape(message!)));
  await expect(renamed.getByText(message!, { exact: true })).toBeVisible();
  expect((await ok(client(user.token).GET('/api/v1/assets/{id}', { params: { path: { id: asset.id } } }))).originalFileName)
    .toBe('Grandma at the beach.jpg');
});

test('an admin sees the failed sign-in of another user on the audit page and filters the trail to it', async ({ page }) => {
  const victim = await newUser('victim');
  const failed = await client().POST('/api/v1/auth/login', { body: { username: victim.username, password: 'not the password' } });
  expect(failed.response.status).toBe(401);
  await newUser('bystander'); // events of someone else, which the filters leave out

  await signedIn(page, ADMIN, '/admin/settings');
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Audit trail' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  const table = page.getByRole('table');
  await expect(table.getByRole('row').filter({ hasText: 'auth.sign-in-failed' }).filter({ hasText: victim.username }).first()).toBeVisible();

  await page.getByLabel('Kind').selectOption({ label: 'Sign-ins and registrations' });
  await page.getByLabel('User').selectOption({ label: `${victim.username} (${victim.displayName})` });
  await expect(page).toHaveURL(new RegExp(`kind=auth.*user=${victim.id}`));
  // The victim's events of signing in, newest first: the failure, the sign-in of newUser, the registration.
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('auth.sign-in-failed');
  await expect(rows.nth(0)).toContainText('reason: wrong-password');
  await expect(rows.nth(0)).toContainText(victim.username);
  await expect(rows.nth(1)).toContainText('auth.sign-in');
  await expect(rows.nth(2)).toContainText('auth.registered');

  // The filters are in the address: a reload shows the same.
  await page.reload();
  await expect(page.getByLabel('Kind')).toHaveValue('auth.');
  await expect(rows).toHaveCount(3);
});

test('removing every share link from the settings page (counted first, then confirmed) makes a guest link stop working', async ({ page, browser }) => {
  const owner = await newUser('linker');
  const photo = await upload(owner, jpeg());
  const share = await newShare(owner, { type: 'selection', assetIds: [photo.id], name: 'Summer' });

  const guest = await (await browser.newContext()).newPage();
  const guestErrors: string[] = [];
  guest.on('console', (m) => m.type() === 'error' && !/status of 404/.test(m.text()) && guestErrors.push(m.text()));
  guest.on('pageerror', (e) => guestErrors.push(e.message));
  await guest.goto(`/s/${share.key}`);
  await expect(guest.getByRole('heading', { level: 1, name: 'Summer' })).toBeVisible();

  await signedIn(page, ADMIN, '/admin/settings');
  const removal = page.getByRole('region', { name: 'Remove data' });
  await expect(removal.getByRole('button', { name: 'Count' })).toBeDisabled();
  await removal.getByRole('checkbox', { name: /Share links/ }).check();
  await removal.getByRole('button', { name: 'Count' }).click();
  await expect(removal.getByRole('status')).toContainText(/This would remove [\d,]+ share links?/);
  // A dry run changes nothing: the link still opens.
  await guest.reload();
  await expect(guest.getByRole('heading', { level: 1, name: 'Summer' })).toBeVisible();

  await removal.getByRole('button', { name: 'Remove…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove this data?' });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(removal.getByRole('status')).toContainText(/Removed: [\d,]+ share links?/);
  await expect(removal.getByRole('button', { name: 'Remove…' })).toBeFocused();

  await guest.reload();
  await expect(guest.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();
  // A share that had only its link is left with nothing, so it is deleted (the photo stays).
  const after = await client(owner.token).GET('/api/v1/shares/{id}', { params: { path: { id: share.id } } });
  expect(after.response.status).toBe(404);
  await ok(client(owner.token).GET('/api/v1/assets/{id}', { params: { path: { id: photo.id } } }));
  expect(guestErrors, "the guest's browser logged errors").toEqual([]);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
