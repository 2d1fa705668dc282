// What the tests set up through the API: an owner's photos, albums, links, photo requests and guests' uploads to them.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ADMIN, BASE, client, ok, signIn, upload, type Schemas, type TestUser } from './api';
import { jpeg } from './files';

export { basename };

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

/** A manual album of `owner`'s: with these photos, or with that many new ones (none by default). */
export async function album(owner: TestUser, name: string, photos: string[] | number = []): Promise<Schemas['AlbumResponse']> {
  const assetIds = typeof photos === 'number' ? (await uploadAll(owner, Array.from({ length: photos }, () => ({ path: jpeg() })))).map((a) => a.id) : photos;
  return ok(client(owner.token).POST('/api/v1/albums', { body: { name, assetIds } }));
}

/** A share of an album or a selection with a link anyone may open (public), unless `options` say otherwise. */
export async function newShare(
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

/** A guest sends a file to a photo request's link, without an account. */
export async function sendToRequest(key: string, path: string): Promise<Schemas['UploadToPhotoRequestResponse']> {
  const form = new FormData();
  form.append('files', new Blob([readFileSync(path)], { type: 'image/jpeg' }), basename(path));
  const res = await fetch(`${BASE}/api/v1/r/${encodeURIComponent(key)}/uploads`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`upload to the request → ${res.status}: ${await res.text()}`);
  return (await res.json()) as Schemas['UploadToPhotoRequestResponse'];
}

/** Runs `fn` as the admin with the Shared Space enabled, then sets `sharedSpaceEnabled` back as it was. */
export async function withSharedSpace<T>(fn: (admin: ReturnType<typeof client>) => Promise<T>): Promise<T> {
  const admin = client(await signIn(ADMIN.username, ADMIN.password));
  const before = await ok(admin.GET('/api/v1/admin/settings'));
  await ok(admin.PATCH('/api/v1/admin/settings', { body: { sharedSpaceEnabled: true } }));
  try {
    return await fn(admin);
  } finally {
    await ok(admin.PATCH('/api/v1/admin/settings', { body: { sharedSpaceEnabled: before.sharedSpaceEnabled } }));
  }
}
