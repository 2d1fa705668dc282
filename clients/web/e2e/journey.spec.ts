// One person's first day, end to end through the pages: sign in with two-step verification, upload with progress,
// make an album of the uploads, share it by link from the album page — and a guest, in a browser of their own, opens
// the link, sees the photos and downloads them all as one zip whose files are the uploads, byte for byte.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { client, newUser, ok } from './support/api';
import { jpeg } from './support/files';
import { expect, test } from './support/test';
import { freshCode } from './support/totp';
import { unzip } from './support/zip';

test('sign in with a code, upload, make an album, share it by link; a guest opens it and downloads everything', async ({ page, browser, guard }) => {
  guard.allow(/status of 401/); // the first sign-in step, which answers "a code is needed"
  const user = await newUser('journey');
  const me = client(user.token);
  const { secret } = await ok(me.POST('/api/v1/users/me/totp'));
  await ok(me.POST('/api/v1/users/me/totp/confirm', { body: { code: await freshCode(secret) } }));

  await page.goto('/');
  await expect(page).toHaveURL(/\/signin/);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Verification code').fill(await freshCode(secret));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your library is empty' })).toBeVisible();

  const files = [jpeg({ name: 'cake.jpg', camera: true }), jpeg({ name: 'dance.jpg', width: 480, height: 640 })];
  await page.getByLabel('Upload photos and videos').and(page.locator('input[type=file]')).setInputFiles(files);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const f of files) {
    await expect(uploads.getByRole('progressbar', { name: new RegExp(`^${basename(f)}:`) })).toBeVisible();
    await expect(uploads.getByRole('progressbar', { name: `${basename(f)}: Done` })).toBeVisible({ timeout: 60_000 });
  }

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('button', { name: 'New album' }).first().click();
  const create = page.getByRole('dialog', { name: 'New album' });
  await create.getByLabel('Name').fill('First day');
  await create.getByRole('button', { name: 'Create album' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'First day' })).toBeVisible();
  await page.getByRole('button', { name: 'Add photos' }).first().click();
  const picker = page.getByRole('dialog', { name: 'Add photos to First day' });
  for (const f of files) await picker.getByRole('checkbox', { name: `Select ${basename(f)}` }).check();
  await picker.getByRole('button', { name: 'Add 2 photos' }).click();
  await expect(page.getByText('2 photos were added to First day.')).toBeVisible();

  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Share First day' });
  await dialog.getByRole('switch', { name: 'Share by link' }).check();
  await expect(dialog.getByRole('checkbox', { name: 'Download originals' })).toBeChecked();
  // The album has no share yet: the dialog's button makes one.
  await dialog.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.getByText('Saved. The link is ready to copy.')).toBeVisible();
  const url = await dialog.getByRole('textbox', { name: 'Link address' }).inputValue();
  expect(new URL(url).pathname).toMatch(/^\/s\/[A-Za-z0-9_-]{43}$/);

  // The guest: another browser context, nobody signed in.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  const guestErrors: string[] = [];
  guest.on('console', (m) => m.type() === 'error' && guestErrors.push(m.text()));
  await guest.goto(url);
  await expect(guest.getByRole('heading', { level: 1, name: 'First day' })).toBeVisible();
  await expect(guest.getByText(user.displayName)).toBeVisible();
  const tiles = guest.getByRole('main').getByRole('button', { name: /, photo$/ });
  await expect(tiles).toHaveCount(2);
  const download = guest.waitForEvent('download');
  await guest.getByRole('button', { name: 'Download all' }).click();
  const zip = unzip(readFileSync(await (await download).path()));
  expect(zip.map((e) => e.name).sort()).toEqual(['cake.jpg', 'dance.jpg']);
  for (const f of files) expect(zip.find((e) => e.name === basename(f))!.data.equals(readFileSync(f))).toBe(true);
  expect(guestErrors).toEqual([]);
  await guestContext.close();
});
