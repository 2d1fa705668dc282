// The browser tests' own client of the API, for setting things up and for checking what the pages did. Typed by the
// same generated contract as the app.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import createClient from 'openapi-fetch';
import type { components, paths } from '../../../typescript/photoapi';

export type Schemas = components['schemas'];
export const BASE = process.env.PHOTOAPI_WEB_URL!;
export const ADMIN = { username: 'admin', password: 'Correct horse battery staple 1' };
export const PASSWORD = 'A long enough password 42';

/** A client as `token`'s user (or anonymous). */
export function client(token?: string) {
  const c = createClient<paths>({ baseUrl: BASE });
  if (token) c.use({ onRequest: ({ request }) => (request.headers.set('Authorization', `Bearer ${token}`), request) });
  return c;
}

/** The data of a result, or throws with the problem the API gave. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new Error(`${response.url} → ${response.status}: ${JSON.stringify(error)}`);
  return data as T;
}

export async function signIn(username: string, password: string): Promise<string> {
  return (await ok(client().POST('/api/v1/auth/login', { body: { username, password } }))).accessToken;
}

export interface TestUser { id: string; username: string; password: string; displayName: string; token: string }

let counter = 0;
/** A new active user (registration is open in the tests), signed in. */
export async function newUser(prefix = 'user'): Promise<TestUser> {
  const username = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
  const displayName = `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${counter}`;
  const me = await ok(client().POST('/api/v1/auth/register', {
    body: { username, password: PASSWORD, displayName, email: `${username}@example.test` },
  }));
  return { id: me.id, username, password: PASSWORD, displayName, token: await signIn(username, PASSWORD) };
}

/** Uploads a file from disk to `user`'s library (the multipart upload); the new asset's id, not waiting for the worker. */
export async function send(user: TestUser, path: string, fields: { takenAt?: string; folderId?: string } = {}): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), basename(path));
  if (fields.takenAt) form.append('takenAt', fields.takenAt);
  if (fields.folderId) form.append('folderId', fields.folderId);
  const res = await fetch(`${BASE}/api/v1/assets`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${user.token}` } });
  if (!res.ok) throw new Error(`upload ${path} → ${res.status}: ${await res.text()}`);
  return ((await res.json()) as Schemas['UploadAssetResponse']).id;
}

/** Uploads a file from disk to `user`'s library and waits until the worker made it ready (a large video: longer). */
export async function upload(user: TestUser, path: string, fields: { takenAt?: string; folderId?: string } = {}, timeoutMs = 60_000) {
  return waitReady(client(user.token), await send(user, path, fields), timeoutMs);
}

/** Polls an asset until it is ready (or failed). */
export async function waitReady(c: ReturnType<typeof client>, id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const asset = await ok(c.GET('/api/v1/assets/{id}', { params: { path: { id } } }));
    if (asset.status === 'ready') return asset;
    if (asset.status === 'failed' || Date.now() > until) throw new Error(`asset ${id} is ${asset.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
