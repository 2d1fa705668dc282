// Videos in the web app, with real videos made by ffmpeg: a tile shows the poster and the length; the viewer plays the
// API's playback URL in a native <video> (Debian's Chromium plays H.264/AAC, so playing is asserted: the time runs);
// an iPhone's HEVC .mov, which Chromium cannot play, says "Preparing…" until the worker's copy is made, then plays;
// a share link plays videos only where it allows downloads; a guest sends a video to a photo request.
import type { Locator, Page } from '@playwright/test';
import { client, ok, newUser, send, upload, waitReady, type Schemas, type TestUser } from './support/api';
import { jpeg, truncatedVideo, video } from './support/files';
import { album, basename, newShare, photoRequest } from './support/setup';
import { SCREENSHOT_SIZE, screenshot } from './support/page';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

/** Uploads a file that the worker will fail on, and waits until it has (upload() waits for ready). */
async function uploadFailing(owner: TestUser, path: string): Promise<Schemas['AssetResponse']> {
  const id = await send(owner, path);
  let asset: Schemas['AssetResponse'] | undefined;
  await expect
    .poll(async () => (asset = await ok(client(owner.token).GET('/api/v1/assets/{id}', { params: { path: { id } } }))).status, { timeout: 60_000 })
    .toBe('failed');
  return asset!;
}

/** Polls the owner's asset until the API gives it a playback URL (the worker has decided where it plays from). */
async function playbackOf(owner: TestUser, id: string, timeoutMs = 120_000): Promise<string> {
  let url: string | null = null;
  await expect
    .poll(async () => (url = (await ok(client(owner.token).GET('/api/v1/assets/{id}', { params: { path: { id } } }))).urls.playback), {
      timeout: timeoutMs,
      intervals: [500, 1000],
    })
    .not.toBeNull();
  return url!;
}

/** Space on the focused player starts it; then its time runs (it really decodes) and it has frames to show. */
async function playsWithSpace(player: Locator) {
  await player.focus();
  await player.press('Space');
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
  expect(await player.evaluate((v: HTMLVideoElement) => ({ paused: v.paused, ready: v.readyState >= 2, error: v.error?.code ?? null })))
    .toEqual({ paused: false, ready: true, error: null });
}

/** The playback URL answers a Range request as a player sends it: part of an MP4. */
async function expectRangeOfMp4(page: Page, url: string) {
  const res = await page.request.get(url, { headers: { Range: 'bytes=0-1023' } });
  expect(res.status()).toBe(206);
  expect(res.headers()['content-type']).toBe('video/mp4');
  expect((await res.body()).length).toBe(1024);
}

test('the owner uploads a video: its tile shows the length, it plays, Space pauses it, and moving on stops it', async ({ page }) => {
  const owner = await newUser('film');
  const photo = await upload(owner, jpeg({ name: 'older.jpg' }), { takenAt: '2024-06-01T12:00:00Z' }); // after the video
  const clip = video({ seconds: 3, name: 'garden.mp4' });

  await page.setViewportSize(SCREENSHOT_SIZE);
  await signedIn(page, owner, '/');
  await page.getByLabel('Upload photos and videos').and(page.locator('input[type=file]')).setInputFiles(clip);
  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'garden.mp4' });
  await expect(row).toContainText('Done', { timeout: 90_000 });

  // The tile: the poster (a real picture), a play glyph and the length, and it says what it is.
  const tile = page.getByRole('button', { name: 'garden.mp4, video, 0:03' });
  await expect(tile).toBeVisible();
  await expect(tile).toContainText('▶');
  await expect(tile).toContainText('0:03');
  await expect.poll(() => tile.locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);

  const [asset] = (await ok(client(owner.token).GET('/api/v1/assets'))).items.filter((a) => a.originalFileName === 'garden.mp4');
  expect(asset).toMatchObject({ mediaType: 'video', videoCodec: 'h264', audioCodec: 'aac' });
  const playback = await playbackOf(owner, asset!.id);
  await page.reload(); // the list the page read again has the playback URL
  await page.getByRole('button', { name: 'garden.mp4, video, 0:03' }).click();

  const dialog = page.getByRole('dialog', { name: 'garden.mp4' });
  const player = dialog.locator('video');
  await expect(player).toHaveAttribute('src', playback);
  await expect(player).toHaveAttribute('poster', (await ok(client(owner.token).GET('/api/v1/assets/{id}', { params: { path: { id: asset!.id } } }))).urls.preview!);
  await expect(player).toHaveAttribute('preload', 'metadata');
  await expect(player).toHaveAttribute('controls', '');
  const details = dialog.getByRole('complementary', { name: 'Details' });
  await expect(details).toContainText('0:03');
  await expect(details).toContainText('H.264, AAC sound');
  await expectRangeOfMp4(page, playback);

  await playsWithSpace(player);
  await player.press('Space');
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
  const at = await player.evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.waitForTimeout(400);
  expect(await player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBe(at); // paused means paused
  await screenshot(page, 'video-viewer');

  // Playing again, → goes to the photo (the player does not seek with it), and the video that was playing stops.
  await player.press('Space');
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.paused)).toBe(false);
  const playing = await player.elementHandle();
  await player.press('ArrowRight');
  await expect(page.getByRole('dialog', { name: 'older.jpg' })).toBeVisible();
  expect(await playing!.evaluate((v: HTMLVideoElement) => ({ paused: v.paused, connected: v.isConnected }))).toEqual({ paused: true, connected: false });
  await expect(page.locator('video')).toHaveCount(0);
  expect(photo.mediaType).toBe('image');

  // Back to it, playing, and closed with Escape: nothing plays on behind the grid.
  await page.keyboard.press('ArrowLeft');
  await playsWithSpace(dialog.locator('video'));
  const again = await dialog.locator('video').elementHandle();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(await again!.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
});

test("an iPhone's HEVC .mov says it is being prepared, then plays the worker's H.264 copy", async ({ page }) => {
  test.setTimeout(240_000);
  const owner = await newUser('iphone');
  // 1080p and 16 s: the worker's copy takes seconds to make (about its length on two busy cores), so the viewer is open
  // before it is there.
  const asset = await upload(owner, video({ kind: 'hevc', seconds: 16, width: 1920, height: 1080, name: 'IMG_0042.mov' }), {}, 120_000);
  expect(asset).toMatchObject({ mediaType: 'video', videoCodec: 'hevc', width: 1920, height: 1080 });
  expect(asset.urls.playback, 'the copy was made before the test could look').toBeNull();

  await signedIn(page, owner, '/');
  const tile = page.getByRole('button', { name: 'IMG_0042.mov, video, 0:16' });
  await tile.click();
  const dialog = page.getByRole('dialog', { name: 'IMG_0042.mov' });
  await expect(dialog.getByRole('status').filter({ hasText: 'Preparing this video for playback…' })).toContainText('You can download it meanwhile.');
  await expect(dialog.getByRole('link', { name: 'Download' })).toHaveAttribute('href', asset.urls.original!);
  await expect(dialog.getByRole('img', { name: 'IMG_0042.mov' })).toBeVisible(); // the poster, not a player that cannot play
  await expect(dialog.locator('video')).toHaveCount(0);
  await expect(dialog.getByRole('complementary', { name: 'Details' })).toContainText('HEVC (H.265), AAC sound');

  // Read again (as a person would reload), once the copy is made it plays.
  const playback = await playbackOf(owner, asset.id, 180_000);
  await page.reload();
  await tile.click();
  const player = dialog.locator('video');
  await expect(player).toHaveAttribute('src', playback);
  await expect(dialog.getByText('Preparing this video for playback…')).toHaveCount(0);
  await expectRangeOfMp4(page, playback);
  await playsWithSpace(player);
  expect(await player.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([1920, 1080]);
});

test('a guest of a link with downloads plays a video; a guest of a link without them sees its poster only', async ({ page }) => {
  const owner = await newUser('uncle');
  const clip = await upload(owner, video({ seconds: 4, name: 'beach.mp4' }));
  await playbackOf(owner, clip.id);
  const open = await newShare(owner, { type: 'selection', assetIds: [clip.id], name: 'Beach day' }, { allowDownload: true });
  const look = await newShare(owner, { type: 'selection', assetIds: [clip.id], name: 'Look only' }, { allowDownload: false });

  await page.goto(`/s/${open.key}`);
  await page.getByRole('button', { name: 'beach.mp4, video, 0:04' }).click();
  const dialog = page.getByRole('dialog', { name: 'beach.mp4' });
  const player = dialog.locator('video');
  const src = await player.getAttribute('src');
  expect(src).toContain(`/s/${open.key}/`); // the link's own playback URL, not the owner's
  await expectRangeOfMp4(page, src!);
  await playsWithSpace(player);
  await page.keyboard.press('Escape');

  await page.goto(`/s/${look.key}`);
  const tile = page.getByRole('button', { name: 'beach.mp4, video, 0:04' });
  await expect(tile).toContainText('0:04');
  await tile.click();
  const poster = page.getByRole('dialog', { name: 'beach.mp4' });
  await expect(poster.getByRole('img', { name: 'beach.mp4' })).toBeVisible();
  await expect.poll(() => poster.getByRole('img', { name: 'beach.mp4' }).evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
  await expect(poster.getByRole('status')).toHaveText("This video can't be played here.");
  await expect(poster.locator('video')).toHaveCount(0);
  await expect(poster.getByRole('link', { name: /Download/ })).toHaveCount(0);
  await expect(poster.getByRole('button', { name: /Download/ })).toHaveCount(0);
});

test('a guest of a link hiding metadata plays the copy without it: the player waits while it is made', async ({ page, guard }) => {
  guard.allow(/status of 409/); // the player's first load, while the copy without metadata is being made
  const owner = await newUser('aunt');
  const clip = await upload(owner, video({ seconds: 4, name: 'garden.mp4' }));
  await playbackOf(owner, clip.id); // plays from its original: guests of this link get a clean copy instead
  const share = await newShare(owner, { type: 'selection', assetIds: [clip.id], name: 'Garden' }, { allowDownload: true, showMetadata: false });

  await page.goto(`/s/${share.key}`);
  await page.getByRole('button', { name: /^Video 1, 0:04$/ }).click(); // no file names where metadata is hidden
  const player = page.getByRole('dialog').locator('video');
  await expect(page.getByRole('dialog').getByRole('status')).toHaveText('Preparing this video for playback…');
  // Loaded again once the copy exists, and it plays; the bytes it plays are not the original's.
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('dialog').getByRole('status')).toHaveCount(0);
  await playsWithSpace(player);
  const played = await page.request.get((await player.getAttribute('src'))!);
  expect(played.status()).toBe(200);
  expect((await played.body()).length).not.toBe(clip.sizeBytes);
});

test('a guest sends a video to a photo request and follows it to Done', async ({ page }) => {
  test.setTimeout(150_000);
  const owner = await newUser('aunt');
  const wedding = await album(owner, 'Wedding');
  const request = await photoRequest(owner, { subject: 'Videos from the wedding', albumId: wedding.id, maxFileSizeMb: 25 });

  await page.goto(`/r/${request.key}`);
  await expect(page.getByText(`${owner.displayName} asks you for photos and videos`)).toBeVisible();
  await expect(page.getByText('Up to 25 MB per photo or video.')).toBeVisible();
  await expect(page.getByLabel('Choose photos and videos')).toHaveAttribute('accept', 'image/*,video/*,.heic,.heif,.mov,.mkv');

  const clip = video({ kind: 'hevc', seconds: 3, name: 'first-dance.mov' });
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose photos and videos' }).click();
  await (await chooser).setFiles(clip);
  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'first-dance.mov' });
  await expect(row).toContainText('Done', { timeout: 120_000 });
  await expect(page.getByText(`Thank you! Your video was sent to ${owner.displayName}.`)).toBeVisible();

  // The owner has it: a video (its clean copy, which the library then reads like any upload) of that length; what the
  // copy keeps of the metadata is the API's tests' subject.
  const entries = await ok(client(owner.token).GET('/api/v1/albums/{id}/assets', { params: { path: { id: wedding.id } } }));
  expect(entries.items.map((e) => e.asset.mediaType)).toEqual(['video']);
  const sent = await waitReady(client(owner.token), entries.items[0]!.asset.id);
  expect(sent.durationSeconds).toBeGreaterThan(2.5);
  expect(sent.durationSeconds).toBeLessThan(3.5);
});

test('a video no tool can read shows a video placeholder, not a broken picture, and the viewer offers its download', async ({ page }) => {
  const owner = await newUser('broken');
  const asset = await uploadFailing(owner, truncatedVideo('cut.mp4'));
  expect(asset).toMatchObject({ mediaType: 'video', durationSeconds: null, urls: { thumbnail: null, playback: null } });

  await signedIn(page, owner, '/');
  const tile = page.getByRole('button', { name: 'cut.mp4, video', exact: true }); // no length to say
  await expect(tile).toContainText('Video');
  await expect(tile.locator('img')).toHaveCount(0);
  await tile.click();
  const dialog = page.getByRole('dialog', { name: 'cut.mp4' });
  await expect(dialog.getByRole('status')).toHaveText("This video can't be played here. You can download it.");
  await expect(dialog.getByRole('link', { name: 'Download' })).toHaveAttribute('href', asset.urls.original!);
  await expect(dialog.locator('video')).toHaveCount(0);
  await expect(dialog.getByRole('complementary', { name: 'Details' })).toContainText('Could not be processed');
});
