// Set-up for the sharing tests: a signed-in page for any test user, albums with photos, and guests' uploads.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Page } from '@playwright/test';
import { BASE, client, ok, upload, type Schemas, type TestUser } from './api';
import { jpeg } from './files';

/** Opens `path` signed in as `user`: a fresh session from `login`, put where the app keeps it. */
export async function openAs(page: Page, user: TestUser, path: string): Promise<void> {
  const tokens = await ok(client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } }));
  const stored = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: Date.now() + tokens.expiresIn * 1000 };
  if (!page.url().startsWith(BASE)) await page.goto('/signin');
  await page.evaluate((s) => localStorage.setItem('photoapi.session', s), JSON.stringify(stored));
  await page.goto(path);
}

/** A manual album of `user`'s with `photos` new photos in it. */
export async function albumWithPhotos(user: TestUser, name: string, photos = 1): Promise<Schemas['AlbumResponse']> {
  const assets = [];
  for (let i = 0; i < photos; i++) assets.push(await upload(user, jpeg()));
  return ok(client(user.token).POST('/api/v1/albums', { body: { name, assetIds: assets.map((a) => a.id) } }));
}

/** A guest sends a file to a photo request's link, without an account. */
export async function sendToRequest(key: string, path: string): Promise<Schemas['UploadToPhotoRequestResponse']> {
  const form = new FormData();
  form.append('files', new Blob([readFileSync(path)], { type: 'image/jpeg' }), basename(path));
  const res = await fetch(`${BASE}/api/v1/r/${encodeURIComponent(key)}/uploads`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`upload to the request → ${res.status}: ${await res.text()}`);
  return (await res.json()) as Schemas['UploadToPhotoRequestResponse'];
}
