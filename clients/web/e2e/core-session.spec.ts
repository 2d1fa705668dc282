// The session the tabs of one browser share: one refresh token at a time (the API rotates them and ends the session
// when a spent one comes back), a refresh the API could not answer keeps the session, and a page's heading gets the
// focus after a navigation.
import { BASE, client, newUser, ok } from './support/api';
import { expectLibrary } from './support/session';
import type { Page } from '@playwright/test';
import { expect, test } from './support/test';

const KEY = 'photoapi.session';

/**
 * The session of `user`, stored for the site before any page of the app loads, with an access token that has expired.
 * Stored once, from a page of the site (not an init script, which would run in every tab and could put the spent pair
 * back after a tab has refreshed it).
 */
async function expiredSession(page: Page, user: { username: string; password: string }) {
  const t = await ok(client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } }));
  const stored = JSON.stringify({ accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() });
  await page.goto('/signin');
  await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [KEY, stored]);
  return t;
}

test('two tabs that must both refresh at once stay signed in, and the session goes on working', async ({ page, context }) => {
  const user = await newUser('twotabs');
  const first = await expiredSession(page, user);
  const other = await context.newPage();

  // Both tabs open with the expired access token and call the API at once: both need a refresh.
  await Promise.all([page.goto('/'), other.goto('/')]);
  for (const p of [page, other]) {
    await expectLibrary(p);
    await expect(p.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();
  }

  // One refresh token was spent, by one tab; both follow the pair it stored.
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!) as { refreshToken: string }, KEY);
  expect(stored.refreshToken).not.toBe(first.refreshToken);
  expect(await other.evaluate((key) => localStorage.getItem(key), KEY)).toBe(await page.evaluate((key) => localStorage.getItem(key), KEY));

  // Afterwards the session still works in both (a page of its own in each, and a reload).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Albums' })).toBeVisible();
  await other.reload();
  await expectLibrary(other);
  await expect(other.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();
  await expect(page).toHaveURL(`${BASE}/albums`);
});

test('a refresh the server cannot answer keeps the session: the request fails, and the next one works', async ({ page, guard }) => {
  const user = await newUser('refresh503');
  await expiredSession(page, user);
  guard.allow(/503/);
  let refused = 0;
  await page.route('**/api/v1/auth/refresh', (route) => {
    refused++;
    return route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'http.503' }) });
  });
  await page.goto('/');
  await expect(page.getByRole('alert').first()).toBeVisible();
  expect(refused).toBeGreaterThan(0);
  await expect(page).toHaveURL(`${BASE}/`);
  expect(await page.evaluate((key) => localStorage.getItem(key), KEY)).not.toBeNull();

  // Leave the page before the server answers refreshes again: a refresh the old page still sends after the unroute would
  // reach the server, spend the stored refresh token, and its new tokens die with the page (the test's race, not the app's).
  await page.goto('about:blank');
  await page.unroute('**/api/v1/auth/refresh');
  await page.goto('/');
  await expectLibrary(page);
  await expect(page.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();
});

test('after a navigation the new page’s heading has the focus; a malformed address shows Not found', async ({ page }) => {
  const user = await newUser('focus');
  await expiredSession(page, user);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();

  const albums = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' });
  await albums.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Albums' })).toBeFocused();
  await expect(albums).toHaveAttribute('aria-current', 'page');

  // "Skip to content" is the browser's: it goes to the page without a new page of the app.
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();
  await expect(page).toHaveURL(`${BASE}/albums#main`);

  await page.goto('/albums/%E0%A4%A');
  await expect(page.getByRole('heading', { name: 'Nothing is here' })).toBeVisible();
});
