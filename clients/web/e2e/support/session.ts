// Being signed in: `signedIn` for the tests whose subject is another page (a session from `login`, put where the app
// keeps it), and signing in and out through the pages, as a person does, for the tests of signing in.
import type { Page } from '@playwright/test';
import { BASE, client, ok } from './api';
import { expect } from './test';

const KEY = 'photoapi.session';
const MARK = 'photoapi.test.signed-in';

/**
 * Signs `page` in as `user` (then opens `path`, if given). On a fresh page the session is stored before the app's
 * first page loads, once: a sign-out in the test stays signed out on reload. On a page of the app already, it takes
 * the place of the session there (another user, same tab).
 */
export async function signedIn(page: Page, user: { username: string; password: string }, path?: string): Promise<void> {
  const t = await ok(client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } }));
  const stored = JSON.stringify({ accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() + t.expiresIn * 1000 });
  if (page.url().startsWith(BASE)) {
    await page.evaluate(([key, mark, value]) => (localStorage.setItem(key!, value!), sessionStorage.setItem(mark!, '1')), [KEY, MARK, stored]);
  } else {
    await page.addInitScript(([key, mark, value]) => {
      if (!sessionStorage.getItem(mark!)) {
        localStorage.setItem(key!, value!);
        sessionStorage.setItem(mark!, '1');
      }
    }, [KEY, MARK, stored]);
  }
  if (path) await page.goto(path);
}

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
