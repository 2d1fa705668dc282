// Registration with approval: the admin sets the mode on the settings page, a newcomer's account waits, the admin
// approves it on the users page, and the newcomer can then sign in. The mode goes back to open at the end (the other
// tests register their users).
import { expectLibrary, signInThroughPage } from './support/session';
import { ADMIN, client, newUser, ok, PASSWORD, signIn } from './support/api';
import { expect, test } from './support/test';

async function setMode(page: import('@playwright/test').Page, label: string) {
  await page.goto('/admin/settings');
  await page.getByRole('radio', { name: label }).check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Settings saved.');
}

test('with approval, a newcomer waits until the admin approves them', async ({ page, browser, guard }) => {
  guard.allow(/status of 403/); // the newcomer's sign-in before approval
  await signInThroughPage(page, ADMIN, '/signin?next=%2Fadmin%2Fsettings');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  try {
    await setMode(page, 'With approval');

    const guest = await (await browser.newContext()).newPage();
    // The newcomer's browser is watched like the test's own page (only the 403 of signing in before approval is expected).
    const guestErrors: string[] = [];
    guest.on('console', (m) => m.type() === 'error' && !/status of 403/.test(m.text()) && guestErrors.push(m.text()));
    guest.on('pageerror', (e) => guestErrors.push(e.message));
    const username = `wait${Date.now().toString(36)}`;
    await guest.goto('/register');
    await expect(guest.getByText('An administrator must approve new accounts')).toBeVisible();
    await guest.getByLabel('Username').fill(username);
    await guest.getByLabel('Your name').fill('Walter Waiting');
    await guest.getByLabel('Email').fill(`${username}@example.test`);
    await guest.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await guest.getByRole('button', { name: 'Create account' }).click();
    await expect(guest.getByRole('heading', { name: 'Waiting for approval' })).toBeVisible();

    await signInThroughPage(guest, { username, password: PASSWORD });
    await expect(guest.getByRole('alert')).toContainText('waiting for an administrator to approve it');

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'waiting for approval' })).toBeVisible();
    await page.getByRole('link', { name: 'Show them' }).click();
    await expect(page.getByLabel('Status')).toHaveValue('pending');
    const row = page.getByRole('row', { name: new RegExp(username) });
    await expect(row).toContainText('Waiting for approval');
    await row.getByRole('button', { name: `Approve ${username}` }).click();
    await expect(page.getByText('Walter Waiting is approved and can sign in now.')).toBeVisible();
    await expect(row).toContainText('Active');

    await guest.getByRole('button', { name: 'Sign in' }).click();
    await expectLibrary(guest);

    await setMode(page, 'Open');
    expect(guestErrors, "the newcomer's browser logged errors").toEqual([]);
  } finally {
    const admin = client(await signIn(ADMIN.username, ADMIN.password));
    await ok(admin.PATCH('/api/v1/admin/settings', { body: { registrationMode: 'open' } }));
  }
});

test('a user who is not an admin is told the administration is not for them', async ({ page }) => {
  const user = await newUser('plain');
  await signInThroughPage(page, user, '/signin?next=%2Fadmin%2Fusers');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
