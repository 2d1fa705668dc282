// Signing in and out through the pages, as a person does, for the auth and admin browser tests.
import type { Page } from '@playwright/test';
import { expect } from './test';

/** Fills the sign-in form at `path` (default /signin) with `user`'s username and password and sends it. */
export async function signInThroughPage(page: Page, user: { username: string; password: string }, path = '/signin') {
  await page.goto(path);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The library is showing, signed in: the address is / and "Photos" is the current section. */
export async function expectLibrary(page: Page) {
  await expect(page).toHaveURL(/^[^?#]*:\/\/[^/]+\/$/);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Photos' })).toHaveAttribute('aria-current', 'page');
}

/** Signs out with the account menu of the top bar. */
export async function signOutThroughMenu(page: Page, displayName: string) {
  await page.getByRole('button', { name: `${displayName}, account menu` }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You are signed out.')).toBeVisible();
}
