// The account page's data sections: export the library (a zip the browser downloads from the API's link, holding the
// upload byte for byte; still there after a reload), the account's activity (its sign-ins), and deleting the account
// (a dry run's counts, the password checked by the server, then signed out for good).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { signedIn, signInThroughPage } from './support/session';
import { album } from './support/setup';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/test';
import { unzip } from './support/zip';

// What the export section says of a ready export of one photo.
const READY = /Your export is ready: 1 file,[\s\S]*It can be downloaded until /;

test('an export is prepared on the page, then downloads as a zip holding the photo', async ({ page }) => {
  const photo = jpeg({ name: 'harbour.jpg', takenAt: '2024-05-06 09:00:00' });
  const section = await exportSectionWith(page, 'exporter', photo);
  await section.getByRole('button', { name: 'Export your library' }).click();
  const link = section.getByRole('link', { name: 'Download the export' });
  await expect(link).toBeVisible({ timeout: 60_000 });
  await expect(link).toBeFocused();
  await expect(section.getByText(READY)).toBeVisible();

  await expectZipWith(page, link, photo);
});

test('an export asked for before a reload is still shown after it, polled until ready, and downloads', async ({ page }) => {
  const photo = jpeg({ name: 'lighthouse.jpg', takenAt: '2024-07-08 19:30:00' });
  const section = await exportSectionWith(page, 'reloader', photo);
  const asking = page.waitForResponse((r) => r.url().endsWith('/api/v1/users/me/export') && r.request().method() === 'POST');
  await section.getByRole('button', { name: 'Export your library' }).click();
  const asked = (await (await asking).json()) as { id: string };

  // After the reload the page asks for the newest export (no new one is requested) and shows that one: preparing, or
  // ready already — either way it comes to its download link without the button being pressed again.
  const posts: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/users/me/export') && posts.push(r.url()));
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/users/me/exports');
  await page.reload();
  const newest = (await (await listed).json()) as { items: { id: string; status: string }[] };
  expect(newest.items.map((e) => e.id)).toEqual([asked.id]);
  // Pending when listed, it may be ready by the time the page shows it (the page goes on asking): either is right.
  const link = section.getByRole('link', { name: 'Download the export' });
  if (newest.items[0]!.status === 'pending') await expect(section.getByText(/^Preparing…/).or(link)).toBeVisible();
  await expect(link).toBeVisible({ timeout: 60_000 });
  await expect(link).not.toBeFocused(); // found on load, not asked for here: the focus stays where it was
  await expect(section.getByText(READY)).toBeVisible();

  // Ready, and reloaded again: the link and its expiry at once, and the button to ask for a new one.
  await page.reload();
  await expect(section.getByText(READY)).toBeVisible();
  await expect(section.getByRole('button', { name: 'Export again' })).toBeVisible();
  await expectZipWith(page, link, photo);
  expect(posts).toEqual([]);
});

/** A new user with `photo` in their library, on their account page: its export section. */
async function exportSectionWith(page: Page, prefix: string, photo: string): Promise<Locator> {
  const user = await newUser(prefix);
  await upload(user, photo);
  await signedIn(page, user, '/account');
  return page.getByRole('region', { name: 'Export your library' });
}

/** Follows the export's download link: the zip holds library.json, library.csv and `photo` byte for byte. */
async function expectZipWith(page: Page, link: Locator, photo: string) {
  const downloading = page.waitForEvent('download');
  await link.click();
  const download = await downloading;
  expect(new URL(download.url()).pathname).toMatch(/^\/api\/v1\/downloads\/archive-links\/[A-Za-z0-9_-]+$/);
  const entries = unzip(readFileSync(await download.path()));
  const names = entries.map((e) => e.name);
  expect(names).toContain('library.json');
  expect(names).toContain('library.csv');
  const original = entries.find((e) => basename(e.name) === basename(photo));
  expect(original, `the photo among ${names.join(', ')}`).toBeDefined();
  expect(original!.data.equals(readFileSync(photo))).toBe(true);
}

test('the activity lists the sign-in, with its address', async ({ page }) => {
  const user = await newUser('watcher');
  await signedIn(page, user, '/account');
  const section = page.getByRole('region', { name: 'Your activity' });
  const signIn = section.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Signed in', exact: true }) });
  await expect(signIn.first()).toBeVisible();
  await expect(signIn.first().getByRole('cell').nth(1)).toHaveText(/127\.0\.0\.1|::1/);
  await expect(section.getByRole('rowheader', { name: 'Account created' })).toBeVisible();
});

test('a user deletes their account with their password, after a wrong one, and cannot sign in again', async ({ page, guard }) => {
  guard.allow(/status of 403/); // the wrong password, on purpose
  guard.allow(/status of 401/); // signing in again afterwards
  const user = await newUser('leaver');
  const photo = jpeg({ name: 'goodbye.jpg' });
  await upload(user, photo);
  await signedIn(page, user, '/account');

  const section = page.getByRole('region', { name: 'Delete your account' });
  await expect(section.getByRole('radio', { name: 'Delete everything' })).toBeChecked();
  await section.getByRole('button', { name: 'Show what would be deleted' }).click();
  await expect(section.getByRole('heading', { name: 'What would go' })).toBeFocused();
  await expect(section.getByText('1 photo or video (trash included)')).toBeVisible();

  const password = section.getByLabel('Current password');
  await password.fill('not my password at all');
  await section.getByRole('button', { name: 'Delete my account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
  await dialog.getByRole('button', { name: 'Delete my account' }).click();
  await expect(dialog).toBeHidden();
  await expect(section.getByText('The current password is wrong.')).toBeVisible();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toBeFocused();
  // Nothing went: the account still signs in.
  expect((await client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } })).response.status).toBe(200);

  await password.fill(user.password);
  await section.getByRole('button', { name: 'Delete my account' }).click();
  await dialog.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/signin\?reason=account-deleted$/);
  await expect(page.getByText('Your account was deleted, and you are signed out everywhere.')).toBeVisible();

  await signInThroughPage(page, user);
  await expect(page.getByRole('alert')).toHaveText('The username or password is not right. Check both and try again.');
  expect((await client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } })).response.status).toBe(401);
});

test('a user hands their album over to another user picked by name, then their account goes', async ({ page }) => {
  const [user, heir] = await Promise.all([newUser('handing'), newUser('heir')]);
  await album(user, 'Summer 2024', 1);
  await signedIn(page, user, '/account');

  const section = page.getByRole('region', { name: 'Delete your account' });
  await section.getByRole('radio', { name: 'Hand over my albums and Shared Space files to another user' }).check();
  const search = section.getByRole('combobox', { name: 'Hand over to' });
  await search.fill(heir.username);
  await expect(section.getByRole('option', { name: new RegExp(`@${heir.username}`) })).toBeVisible();
  await search.press('ArrowDown');
  await search.press('Enter');
  await expect(section.getByText(`They go to ${heir.displayName} (@${heir.username}).`)).toBeVisible();
  await section.getByRole('button', { name: 'Show what would be deleted' }).click();
  await expect(section.getByText(`${heir.displayName} would receive 1 album and 1 photo or video`)).toBeVisible();
  await expect(section.getByText('0 albums', { exact: true })).toBeVisible();

  await section.getByLabel('Current password').fill(user.password);
  await section.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('dialog', { name: 'Delete your account?' }).getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByText('Your account was deleted, and you are signed out everywhere.')).toBeVisible();
  const albums = await ok(client(heir.token).GET('/api/v1/albums', { params: { query: { scope: 'owned' } } }));
  expect(albums.items.map((a) => a.name)).toEqual(['Summer 2024']);
});
