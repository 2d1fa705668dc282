// Sign-in errors in words a person understands, and where sign-in leads: back to the page asked for, never off the site.
import { expectLibrary, signInThroughPage } from './support/session';
import { ADMIN, BASE, client, newUser, ok, signIn } from './support/api';
import { expect, test } from './support/test';

test('a wrong password is refused in words; a disabled account is told so', async ({ page, guard }) => {
  guard.allow(/status of 401/);
  guard.allow(/status of 403/);
  const user = await newUser('signin');

  await signInThroughPage(page, { username: user.username, password: 'Not the password 1' });
  await expect(page.getByRole('alert')).toHaveText('The username or password is not right. Check both and try again.');
  await expect(page).toHaveURL(/\/signin$/);

  const admin = client(await signIn(ADMIN.username, ADMIN.password));
  await ok(admin.PATCH('/api/v1/admin/users/{id}', { params: { path: { id: user.id } }, body: { status: 'disabled' } }));
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('This account is disabled.');
});

test('sign-in returns to the page asked for', async ({ page }) => {
  const user = await newUser('next');
  await page.goto('/albums');
  await expect(page).toHaveURL(/\/signin\?next=%2Falbums$/);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${BASE}/albums`);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' })).toHaveAttribute('aria-current', 'page');
});

test('a next address of another site is ignored', async ({ page }) => {
  const user = await newUser('evil');
  for (const next of ['//evil.example/phish', '/\\evil.example', 'https://evil.example/']) {
    await signInThroughPage(page, user, `/signin?next=${encodeURIComponent(next)}`);
    await expectLibrary(page);
    expect(new URL(page.url()).origin).toBe(new URL(BASE).origin);
    await page.evaluate(() => localStorage.clear());
  }
});
