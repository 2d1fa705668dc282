// Registration through the page (the rules checklist, the server's refusal of a weak password), then two-step
// verification: enrolment by reading the setup key from the page, and a sign-in that needs the code.
import { expectLibrary, signOutThroughMenu } from './support/session';
import { PASSWORD } from './support/api';
import { expect, test } from './support/test';
import { freshCode, wrongCode } from './support/totp';

test('register, turn on two-step verification, and sign in again with a code', async ({ page, guard }) => {
  guard.allow(/status of 401/); // the sign-in that asks for the code, and the wrong code
  guard.allow(/status of 400/); // the weak password the server refuses
  const username = `reg${Date.now().toString(36)}`;
  const displayName = 'Grace Hopper';

  await page.goto('/register');
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible();
  const rules = page.getByRole('list', { name: 'Password rules' });
  await expect(rules).toContainText('The password must contain a digit.');

  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Your name').fill(displayName);
  await page.getByLabel('Email').fill(`${username}@example.test`);
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('lowercase only');
  // The checklist follows the typing: long enough, but no capital and no digit.
  await expect(rules.getByRole('listitem').filter({ hasText: 'at least 8 characters' })).toContainText('(met)');
  await expect(rules.getByRole('listitem').filter({ hasText: 'upper-case' })).toContainText('(not yet)');
  await page.getByRole('button', { name: 'Create account' }).click();
  // The server's own words, under the field.
  await expect(page.getByText('The password must contain an upper-case letter.', { exact: true })).toBeVisible();
  await expect(password).toHaveAttribute('aria-invalid', 'true');

  await password.fill(PASSWORD);
  await expect(rules.getByRole('listitem').filter({ hasText: 'upper-case' })).toContainText('(met)');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectLibrary(page);

  await page.getByRole('button', { name: `${displayName}, account menu` }).click();
  await page.getByRole('link', { name: 'Account and security' }).click();
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = await page.getByLabel('Setup key').inputValue();
  expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{16,}$/);
  await page.getByLabel('Verification code').fill(await freshCode(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('Two-step verification is on.')).toBeVisible();

  await signOutThroughMenu(page, displayName);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  const code = page.getByLabel('Verification code');
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute('inputmode', 'numeric');
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code');

  await code.fill(wrongCode(secret));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That code is not right');

  await code.fill(await freshCode(secret));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expectLibrary(page);
});
