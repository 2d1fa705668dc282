// The photo request page (/r/{key}): a guest sends photos (an iPhone's HEIC too) and follows each to "Done"; the
// owner gets clean JPEGs (videos: videos.spec.ts). Files the request cannot take are refused before sending; a closed
// request says so.
import { client, ok, newUser, upload } from './support/api';
import { exif, heic, jpeg } from './support/files';
import { album, basename, downloadOriginal, photoRequest, newShare, soon } from './support/setup';
import { imagesLoaded, SCREENSHOT_SIZE, screenshot } from './support/page';
import { expect, test } from './support/test';

test('a guest sends a JPEG with GPS and an iPhone HEIC; the owner finds clean JPEGs in the album', async ({ page }) => {
  const owner = await newUser('grandma');
  const first = await upload(owner, jpeg());
  const party = await album(owner, 'Garden party', [first.id]);
  await newShare(owner, { type: 'album', id: party.id }); // a public album: guests of the request see its photos
  const request = await photoRequest(owner, {
    subject: 'Photos from the garden party', description: 'Send us the ones you took!', albumId: party.id, maxFileSizeMb: 25,
  });

  await page.setViewportSize(SCREENSHOT_SIZE);
  await page.goto(`/r/${request.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Photos from the garden party' })).toBeFocused();
  await expect(page.getByText(`${owner.displayName} asks you for photos`)).toBeVisible();
  await expect(page.getByText('Send us the ones you took!')).toBeVisible();
  await expect(page.getByText('Up to 25 MB per photo or video.')).toBeVisible();
  const albumGrid = page.getByRole('region', { name: 'Photos in Garden party' });
  await expect(albumGrid.getByRole('button')).toHaveCount(1);

  const withGps = jpeg({ gps: true, camera: true });
  const iphone = heic();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose photos' }).click();
  await (await chooser).setFiles([withGps, iphone]);

  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const name of [basename(withGps), basename(iphone)]) {
    await expect(uploads.getByRole('listitem').filter({ hasText: name })).toContainText('Done', { timeout: 60_000 });
  }
  await expect(page.getByRole('status').filter({ hasText: 'files done' })).toHaveText('2 of 2 files done');
  await expect(page.getByText(`Thank you! Your 2 photos were sent to ${owner.displayName}.`)).toBeVisible();
  await expect(albumGrid.getByRole('button')).toHaveCount(3); // the album, read again, has them
  await expect.poll(() => imagesLoaded(page)).toBe(true);
  await screenshot(page, 'photo-request');

  // The owner's side: two new assets in the album, each a JPEG without GPS (nor any camera EXIF).
  const entries = await ok(client(owner.token).GET('/api/v1/albums/{id}/assets', { params: { path: { id: party.id } } }));
  const sent = entries.items.map((e) => e.asset).filter((a) => a.id !== first.id);
  expect(sent).toHaveLength(2);
  for (const asset of sent) {
    expect(asset.contentType).toBe('image/jpeg');
    expect(asset.latitude).toBeNull();
    const tags = exif(await downloadOriginal(owner, asset.id));
    expect(tags['File:FileType']).toBe('JPEG');
    expect(Object.keys(tags).filter((t) => /GPS|Make|Model/.test(t))).toEqual([]);
  }
});

test('a file over the limit and a PDF are refused before sending, and a failed file can be retried', async ({ page, guard }) => {
  guard.allow(/ERR_FAILED/); // the first try is cut off on purpose
  const owner = await newUser('pete');
  const request = await photoRequest(owner, { subject: 'Birthday photos', maxFileSizeMb: 1 });
  const posts: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));

  await page.goto(`/r/${request.key}`);
  await expect(page.getByText('Up to 1 MB per photo or video.')).toBeVisible();
  await page.getByLabel('Choose photos').setInputFiles([
    { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(1536 * 1024, 7) },
    { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') },
  ]);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  const huge = uploads.getByRole('listitem').filter({ hasText: 'huge.jpg' });
  await expect(huge).toContainText('Too large to send: this file is 1.5 MB, the limit is 1 MB per file.');
  await expect(uploads.getByRole('listitem').filter({ hasText: 'notes.pdf' }))
    .toContainText('This is not a photo or a video. Only photos and videos can be sent here.');
  await expect(huge.getByRole('button', { name: /Retry/ })).toHaveCount(0); // retrying cannot help
  expect(posts).toEqual([]); // nothing was sent

  // The connection is down through the client's own retries: the file fails in words, and Retry sends it.
  await page.route('**/api/v1/r/*/tus', (route) => route.abort());
  const photo = jpeg();
  await page.getByLabel('Choose photos').setInputFiles(photo);
  const item = uploads.getByRole('listitem').filter({ hasText: basename(photo) });
  await expect(item).toContainText('Failed', { timeout: 20_000 });
  await expect(item).toContainText('The server cannot be reached.');
  await page.unroute('**/api/v1/r/*/tus');
  await item.getByRole('button', { name: `Retry ${basename(photo)}` }).click();
  await expect(item).toContainText('Done', { timeout: 60_000 });
});

test('a deleted request and an expired one each show a page that says so', async ({ page, guard }) => {
  guard.allow(/status of 404/);
  guard.allow(/status of 410/);
  const owner = await newUser('rita');
  const api = client(owner.token);

  const deleted = await photoRequest(owner, { subject: 'Holiday snaps' });
  await page.goto(`/r/${deleted.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Holiday snaps' })).toBeVisible();
  await api.DELETE('/api/v1/photo-requests/{id}', { params: { path: { id: deleted.id } } });
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeFocused();
  await expect(page.getByText('Please ask the person who sent it to you for a new link.')).toBeVisible();

  const expiring = await photoRequest(owner, { subject: 'Only today', expiresAt: soon(2) });
  await expect
    .poll(async () => (await client().GET('/api/v1/r/{key}', { params: { path: { key: expiring.key } } })).response.status, { timeout: 20_000 })
    .toBe(410);
  await page.goto(`/r/${expiring.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'This photo request has ended' })).toBeFocused();
  await expect(page.getByText('It no longer takes photos.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose photos' })).toHaveCount(0);
});
