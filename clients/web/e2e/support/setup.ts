// Set-up for the guest pages' tests: an owner's photos, an album, a link or a photo request — all through the API.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { BASE, client, ok, upload, type Schemas, type TestUser } from './api';

export { basename };

// files.ts's jpeg() labels each picture in ImageMagick's default font, Helvetica, which this machine lacks (no
// Ghostscript fonts): until it names a font itself, map Helvetica to DejaVu Sans (installed with Chromium's packages).
const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
if (!process.env.MAGICK_CONFIGURE_PATH && existsSync(dejavu)) {
  const dir = mkdtempSync(join(tmpdir(), 'photoapi-magick-'));
  writeFileSync(join(dir, 'type.xml'), `<?xml version="1.0"?>\n<typemap><type name="helvetica" family="Helvetica" glyphs="${dejavu}"/></typemap>\n`);
  process.env.MAGICK_CONFIGURE_PATH = dir;
}

/** Uploads `files` (a few at a time, as a phone's sync would) and waits until each is ready; in the order given. */
export async function uploadAll(owner: TestUser, files: { path: string; takenAt?: string }[], parallel = 6) {
  const out: Schemas['AssetResponse'][] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < files.length) {
        const i = next++;
        out[i] = await upload(owner, files[i]!.path, { takenAt: files[i]!.takenAt });
      }
    }),
  );
  return out;
}

/** One day apart, newest first: the order a share link lists them in. */
export function daysAgo(i: number): string {
  return new Date(Date.UTC(2024, 5, 30, 12) - i * 86_400_000).toISOString();
}

export async function album(owner: TestUser, name: string, assetIds: string[]) {
  return ok(client(owner.token).POST('/api/v1/albums', { body: { name, assetIds } }));
}

/** A link anyone may open (public), on an album or a selection. */
export async function shareLink(
  owner: TestUser,
  target: Schemas['ShareTargetRequest'],
  options: Omit<Schemas['CreateShareRequest'], 'target'> = {},
) {
  return ok(client(owner.token).POST('/api/v1/shares', { body: { target, linkEnabled: true, privacy: 'public', ...options } }));
}

export async function photoRequest(owner: TestUser, body: Schemas['CreatePhotoRequestRequest']) {
  return ok(client(owner.token).POST('/api/v1/photo-requests', { body }));
}

/** Seconds from now, for an expiry the API accepts (it must be in the future) and that passes while the test runs. */
export function soon(seconds = 2): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** The original bytes of the owner's asset, saved to a file (for exiftool). */
export async function downloadOriginal(owner: TestUser, id: string): Promise<string> {
  const res = await fetch(`${BASE}/api/v1/assets/${id}/original`, { headers: { Authorization: `Bearer ${owner.token}` } });
  if (!res.ok) throw new Error(`download ${id} → ${res.status}`);
  const path = join(tmpdir(), `photoapi-original-${id}`);
  writeFileSync(path, Buffer.from(await res.arrayBuffer()));
  return path;
}

/** Waits until every image of the page has loaded (for a screenshot that shows them). */
export async function imagesLoaded(page: Page): Promise<boolean> {
  return page.evaluate(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
}
