// Zips from the library stream to disk: the selection's "Download zip" and an album's "Download all" are links the
// API makes (createArchiveLink) that the browser downloads itself — and the zip holds the uploads, byte for byte.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Download } from '@playwright/test';
import { newUser, upload } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { album } from './support/setup';
import { expect, test } from './support/test';
import { unzip } from './support/zip';

async function expectZipOf(download: Download, files: string[]) {
  // A link of the API, not a blob the page built in memory.
  expect(new URL(download.url()).pathname).toMatch(/^\/api\/v1\/downloads\/archive-links\/[A-Za-z0-9_-]+$/);
  const zip = unzip(readFileSync(await download.path()));
  expect(zip.map((e) => e.name).sort()).toEqual(files.map((f) => basename(f)).sort());
  for (const f of files) expect(zip.find((e) => e.name === basename(f))!.data.equals(readFileSync(f))).toBe(true);
}

test('two photos selected in the timeline download as one zip of the uploads; so does an album', async ({ page }) => {
  const user = await newUser('zipper');
  const files = [jpeg({ name: 'kite.jpg', takenAt: '2024-03-02 10:00:00' }), jpeg({ name: 'dune.jpg', takenAt: '2024-03-01 10:00:00', width: 480, height: 640 })];
  const other = jpeg({ name: 'left-out.jpg', takenAt: '2024-02-01 10:00:00' });
  const assets = await Promise.all(files.map((f) => upload(user, f)));
  await upload(user, other);
  await signedIn(page, user, '/');

  for (const f of files) await page.getByRole('checkbox', { name: `Select ${basename(f)}` }).check();
  const selection = page.getByRole('toolbar', { name: 'Selection' });
  const first = page.waitForEvent('download');
  await selection.getByRole('button', { name: 'Download zip' }).click();
  await expectZipOf(await first, files);

  const beach = await album(user, 'Beach', assets.map((a) => a.id));
  await page.goto(`/albums/${beach.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Beach' })).toBeVisible();
  const second = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download all' }).click();
  await expectZipOf(await second, files);
});
