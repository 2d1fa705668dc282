// The share link page (/s/{key}) as a guest uses it: a password, the grid, the viewer, downloads; a big album paged
// and virtualised; the page for a link that does not work; metadata only where the link shows it.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, newUser, ok, upload } from './support/api';
import { exif, jpeg, truncatedJpeg } from './support/files';
import { album, basename, daysAgo, newShare, soon, uploadAll } from './support/setup';
import { imagesLoaded, SCREENSHOT_SIZE, screenshot } from './support/page';
import { expect, test } from './support/test';
import { unzip } from './support/zip';

test('a guest unlocks a password-protected link, browses, views and downloads an original', async ({ page, guard }) => {
  guard.allow(/status of 401/); // the wrong password, on purpose
  const owner = await newUser('anna');
  const files = [jpeg(), jpeg({ width: 480, height: 640 }), jpeg(), jpeg({ width: 900, height: 400 }), jpeg(), jpeg()];
  const assets = await uploadAll(owner, files.map((path, i) => ({ path, takenAt: daysAgo(i) })));
  const wedding = await album(owner, 'Our wedding', assets.map((a) => a.id));
  const share = await newShare(owner, { type: 'album', id: wedding.id }, { password: 'confetti', description: 'Thank you for coming!' });
  const names = files.map((f) => basename(f));

  await page.setViewportSize(SCREENSHOT_SIZE);
  await page.goto(`/s/${share.key}`);
  await expect(page.getByRole('heading', { name: 'This link has a password' })).toBeVisible();
  const password = page.getByLabel('Password');
  await expect(password).toBeFocused();

  await password.fill('not the password');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('alert')).toHaveText('That password is not right. Please check it and try again.');
  await expect(password).toHaveValue('not the password'); // the same page, not reloaded

  await password.fill('confetti');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Our wedding' })).toBeVisible();
  await expect(page.getByText(`Shared by ${owner.displayName}`)).toBeVisible();
  await expect(page.getByText('6 photos and videos')).toBeVisible();
  await expect(page.getByText('Thank you for coming!')).toBeVisible();
  const grid = page.getByRole('region', { name: 'Our wedding' });
  await expect(grid.getByRole('button')).toHaveCount(6);
  // "Download all" asks for a one-off archive address (no token in it) that the browser streams to disk.
  const archive = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download all' }).click();
  const zipDownload = await archive;
  expect(zipDownload.url()).toMatch(/\/api\/v1\/downloads\/archive-links\/[A-Za-z0-9_-]+$/);
  const zipped = unzip(readFileSync(await zipDownload.path()));
  expect(zipped).toHaveLength(6);
  for (const f of files) expect(zipped.find((e) => e.data.equals(readFileSync(f)))).toBeDefined();
  await expect.poll(() => imagesLoaded(page)).toBe(true);
  await screenshot(page, 'share-link');

  // A reload does not ask for the password again.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Our wedding' })).toBeVisible();

  await page.mouse.wheel(0, 400);
  await grid.getByRole('button', { name: `${names[0]}, photo` }).click();
  const viewer = page.getByRole('dialog', { name: names[0] });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByText('1 of 6', { exact: true })).toBeVisible();
  await expect(viewer.getByRole('img', { name: names[0] })).toBeVisible();

  await page.keyboard.press('ArrowRight');
  const second = page.getByRole('dialog', { name: names[1] });
  await expect(second.getByText('2 of 6', { exact: true })).toBeVisible();

  const download = page.waitForEvent('download');
  await second.getByRole('link', { name: `Download ${names[1]}` }).click();
  const saved = await (await download).path();
  expect(readFileSync(saved).equals(readFileSync(files[1]!))).toBe(true);

  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  // Focus comes back to the tile of the photo the guest was looking at.
  await expect(grid.getByRole('button', { name: `${names[1]}, photo` })).toBeFocused();
});

test('a big album is paged with the cursor, and only tiles near the screen are in the page', async ({ page }) => {
  test.setTimeout(150_000);
  const owner = await newUser('uncle');
  const count = 130; // three pages of 50
  const files = Array.from({ length: count }, (_, i) => jpeg(i % 4 === 1 ? { width: 90, height: 120 } : { width: 160, height: 120 }));
  const assets = await uploadAll(owner, files.map((path, i) => ({ path, takenAt: daysAgo(i) })), 8);
  const big = await album(owner, 'Family archive', assets.map((a) => a.id));
  const share = await newShare(owner, { type: 'album', id: big.id });
  const names = files.map((f) => `${basename(f)}, photo`);

  // Watch the page: every tile ever rendered, and the most at once.
  await page.addInitScript(() => {
    const w = window as unknown as { seen: Set<string>; most: number };
    w.seen = new Set();
    w.most = 0;
    new MutationObserver(() => {
      const tiles = document.querySelectorAll('[data-id] .open');
      w.most = Math.max(w.most, tiles.length);
      tiles.forEach((t) => w.seen.add(t.getAttribute('aria-label') ?? ''));
    }).observe(document, { subtree: true, childList: true });
  });
  const pages: (string | null)[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === `/api/v1/s/${share.key}/assets`) pages.push(url.searchParams.get('cursor'));
  });

  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto(`/s/${share.key}`);
  await expect(page.getByText('130 photos and videos')).toBeVisible();
  const grid = page.getByRole('region', { name: 'Family archive' });
  await expect(grid.getByRole('button', { name: names[0] })).toBeVisible();
  // The scroll bar is true: the grid reserves room for the loaded rows, far more than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(2000);

  const last = grid.getByRole('button', { name: names[count - 1] });
  await expect(async () => {
    await page.mouse.move(400, 300);
    await page.mouse.wheel(0, 500); // less than the rows kept around the screen: no row is jumped over
    await expect(last).toBeInViewport({ timeout: 1000 });
  }).toPass({ timeout: 60_000 });

  const { seen, most } = await page.evaluate(() => {
    const w = window as unknown as { seen: Set<string>; most: number };
    return { seen: [...w.seen], most: w.most };
  });
  expect(new Set(seen)).toEqual(new Set(names)); // every photo was reached…
  expect(most).toBeLessThan(50); // …with never more than a few screens of tiles in the page
  expect(pages[0]).toBeNull();
  expect(pages.length).toBeGreaterThanOrEqual(3);
  expect(new Set(pages.slice(1)).size).toBe(pages.length - 1); // each next page by a new cursor
  // The top is out of the page now (but for the first row, which holds the grid's Tab stop).
  await expect(grid.getByRole('button', { name: names[12] })).toHaveCount(0);

  // The keyboard reaches what is not rendered: Home goes back to the first photo.
  await last.focus();
  await page.keyboard.press('Home');
  await expect(grid.getByRole('button', { name: names[0] })).toBeFocused();
  await expect(grid.getByRole('button', { name: names[0] })).toBeInViewport();
  await page.keyboard.press('ArrowRight');
  await expect(grid.getByRole('button', { name: names[1] })).toBeFocused();
});

test('an expired link, a turned-off link and an unknown key each say plainly that the link does not work', async ({ page, guard }) => {
  guard.allow(/status of 404/);
  const owner = await newUser('bert');
  const photo = await upload(owner, jpeg());
  const api = client(owner.token);

  async function expectDoesNotWork() {
    await expect(page.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeFocused();
    await expect(page.getByText('It may have expired, or the person who shared it may have turned it off.')).toBeVisible();
    await expect(page.getByText('Please ask the person who sent it to you for a new link.')).toBeVisible();
  }

  const expiring = await newShare(owner, { type: 'selection', assetIds: [photo.id], name: 'Soon gone' }, { expiresAt: soon(2) });
  await expect
    .poll(async () => (await client().GET('/api/v1/s/{key}', { params: { path: { key: expiring.key } } })).response.status, { timeout: 20_000 })
    .toBe(404);
  await page.goto(`/s/${expiring.key}`);
  await expectDoesNotWork();

  const turnedOff = await newShare(owner, { type: 'selection', assetIds: [photo.id], name: 'Turned off' });
  await page.goto(`/s/${turnedOff.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Turned off' })).toBeVisible();
  await api.PATCH('/api/v1/shares/{id}', { params: { path: { id: turnedOff.id } }, body: { linkEnabled: false } });
  await page.reload();
  await expectDoesNotWork();

  await page.goto(`/s/${'A'.repeat(43)}`);
  await expectDoesNotWork();
});

test('too many attempts get a page of their own, with a way to try again', async ({ page, guard }) => {
  guard.allow(/status of 429/);
  // The test stack lifts the per-address limits, so the API's 429 is played here, as the contract gives it.
  await page.route('**/api/v1/s/*', (route) =>
    route.fulfill({
      status: 429,
      contentType: 'application/problem+json',
      headers: { 'Retry-After': '60' },
      body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'auth.throttled' }),
    }),
  );
  await page.goto(`/s/${'B'.repeat(43)}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Too many attempts' })).toBeVisible();
  await expect(page.getByText('Please wait a few minutes, then try again.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('dates, camera and place are shown only where the link shows metadata', async ({ page }) => {
  const owner = await newUser('carla');
  const file = jpeg({ camera: true, gps: true });
  const photo = await upload(owner, file);
  const open = await newShare(owner, { type: 'selection', assetIds: [photo.id], name: 'With details' });
  const hidden = await newShare(owner, { type: 'selection', assetIds: [photo.id], name: 'Pictures only' }, { showMetadata: false });

  await page.goto(`/s/${open.key}`);
  await page.getByRole('button', { name: `${basename(file)}, photo` }).click();
  const viewer = page.getByRole('dialog', { name: basename(file) });
  const details = viewer.getByRole('complementary', { name: 'Details' });
  await expect(details.getByText('TestCam Model 7')).toBeVisible();
  await expect(details.getByText('Taken')).toBeVisible();
  await expect(details.getByText(/2024/)).toBeVisible();
  await expect(details.getByText('48.8584° N, 2.2945° E')).toBeVisible();
  await page.keyboard.press('Escape');

  await page.goto(`/s/${hidden.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Pictures only' })).toBeVisible();
  await page.getByRole('button', { name: 'Photo 1' }).click();
  const plain = page.getByRole('dialog', { name: 'Photo 1' });
  await expect(plain.getByRole('img', { name: 'Photo 1' })).toBeVisible();
  await expect(plain.getByRole('button', { name: 'Details' })).toHaveCount(0);
  await expect(plain.getByText('TestCam')).toHaveCount(0);
  await expect(plain.getByText(/2024/)).toHaveCount(0);
  await expect(plain.getByText(basename(file))).toHaveCount(0);
});

test('on a link that hides metadata, a guest waits for a clean copy, and the photo and the zip arrive without GPS', async ({ page, guard }) => {
  guard.allow(/status of 409/); // "not ready yet": the page asks again after Retry-After
  const owner = await newUser('erik');
  const files = [jpeg({ gps: true, camera: true }), jpeg({ gps: true, camera: true })];
  const assets = await uploadAll(owner, files.map((path, i) => ({ path, takenAt: daysAgo(i) })));
  const share = await newShare(owner, { type: 'selection', assetIds: assets.map((a) => a.id), name: 'No details' }, { showMetadata: false });
  for (const f of files) expect(exif(f)).toHaveProperty('GPS:GPSLatitude');

  await page.goto(`/s/${share.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'No details' })).toBeVisible();
  await page.getByRole('button', { name: 'Photo 1' }).click();
  const viewer = page.getByRole('dialog', { name: 'Photo 1' });
  const one = page.waitForEvent('download');
  await viewer.getByRole('button', { name: 'Download Photo 1' }).click();
  // The first answer is 409: the copy is being made.
  await expect(viewer.getByRole('status').filter({ hasText: 'Preparing your download…' })).toBeVisible();
  const photo = await one;
  expect(photo.suggestedFilename()).toMatch(/\.jpg$/);
  const tags = exif(await photo.path());
  expect(tags['File:FileType']).toBe('JPEG');
  expect(Object.keys(tags).filter((k) => k.startsWith('GPS:'))).toEqual([]);
  expect(tags).not.toHaveProperty('IFD0:Make');
  await expect(viewer.getByRole('status')).toHaveCount(0);
  await page.keyboard.press('Escape');

  // "Download all" waits for the other photo's copy in the same way, then the zip holds both, clean.
  const all = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download all' }).click();
  await expect(page.getByRole('button', { name: 'Preparing your download…' })).toBeDisabled();
  const zip = unzip(readFileSync(await (await all).path()));
  expect(zip).toHaveLength(2);
  for (const entry of zip) {
    expect(entry.name).toMatch(/^[0-9a-f]{32}\.jpg$/);
    const path = join(tmpdir(), `photoapi-clean-${entry.name}`);
    writeFileSync(path, entry.data);
    expect(Object.keys(exif(path)).filter((k) => k.startsWith('GPS:'))).toEqual([]);
  }
  const photoBytes = readFileSync(await photo.path());
  expect(zip.find((e) => e.data.equals(photoBytes))).toBeDefined();
  await expect(page.getByRole('button', { name: 'Download all' })).toBeEnabled();
});

test('on a phone, a guest adds photos through a link that takes them, and swipes through them', async ({ page }) => {
  const owner = await newUser('dora');
  const photo = await upload(owner, jpeg());
  const trip = await album(owner, 'Ski trip', [photo.id]);
  const share = await newShare(owner, { type: 'album', id: trip.id }, { allowUpload: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/s/${share.key}`);
  const grid = page.getByRole('region', { name: 'Ski trip' });
  await expect(grid.getByRole('button')).toHaveCount(1);

  await page.getByRole('button', { name: 'Add photos and videos' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add photos and videos' });
  await expect(dialog.getByText(`Your files go to ${owner.displayName}'s “Ski trip”.`)).toBeVisible();
  const mine = jpeg({ width: 480, height: 640 });
  await dialog.getByLabel('Choose files').setInputFiles(mine);
  await expect(dialog.getByRole('listitem').filter({ hasText: basename(mine) })).toContainText('Done');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await expect(grid.getByRole('button')).toHaveCount(2); // the list was read again: the new photo is in it
  // "Done" waited for the worker (the file was followed through the link): the new tile has its picture already.
  await expect(grid.locator('img')).toHaveCount(2);
  await expect.poll(() => imagesLoaded(page)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390); // no sideways scrolling

  // The owner's album has it too.
  const entries = await ok(client(owner.token).GET('/api/v1/albums/{id}/assets', { params: { path: { id: trip.id } } }));
  expect(entries.items.map((e) => e.asset.originalFileName).sort()).toEqual([basename(photo.originalFileName), basename(mine)].sort());

  await grid.getByRole('button').first().click();
  const viewer = page.getByRole('dialog').filter({ hasText: '1 of 2' });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Details' })).toHaveAttribute('aria-expanded', 'false'); // the picture first
  await page.mouse.move(300, 300);
  await page.mouse.down();
  await page.mouse.move(80, 310, { steps: 6 });
  await page.mouse.up();
  await expect(page.getByRole('dialog').getByText('2 of 2', { exact: true })).toBeVisible();
});

test('a guest is told when a file they sent cannot be read, and its tile says there is no preview', async ({ page }) => {
  const owner = await newUser('ezra');
  const photo = await upload(owner, jpeg());
  const party = await album(owner, 'Party', [photo.id]);
  const share = await newShare(owner, { type: 'album', id: party.id }, { allowUpload: true });

  await page.goto(`/s/${share.key}`);
  const grid = page.getByRole('region', { name: 'Party' });
  await expect(grid.getByRole('button')).toHaveCount(1);
  await page.getByRole('button', { name: 'Add photos and videos' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add photos and videos' });
  const broken = truncatedJpeg('half.jpg');
  const fine = jpeg();
  await dialog.getByLabel('Choose files').setInputFiles([broken, fine]);
  const row = dialog.getByRole('listitem').filter({ hasText: 'half.jpg' });
  await expect(row).toContainText('Done');
  await expect(row).toContainText('Sent. It could not be read as a photo or video, so it shows without a picture.');
  await expect(row.getByRole('button', { name: /Retry/ })).toHaveCount(0); // sending it again would not help
  await expect(dialog.getByRole('listitem').filter({ hasText: basename(fine) })).toContainText('Done');
  await dialog.getByRole('button', { name: 'Close' }).first().click();

  await expect(grid.getByRole('button')).toHaveCount(3);
  await expect(grid.locator('img')).toHaveCount(2);
  await expect(grid.getByRole('listitem').filter({ hasText: 'No preview' })).toHaveCount(1);
  await expect(grid.getByText('Preparing…')).toHaveCount(0);
  // The owner has it as it was sent, marked failed.
  const entries = await ok(client(owner.token).GET('/api/v1/albums/{id}/assets', { params: { path: { id: party.id } } }));
  expect(entries.items.find((e) => e.asset.originalFileName === 'half.jpg')?.asset.status).toBe('failed');
});
