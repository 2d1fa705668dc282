// Resumable uploads (tus): the web app sends files to the tus routes, and a connection cut in the middle of a file
// resumes from the offset the server has — the stored photo is the file, byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { client, newUser, ok, waitReady } from './support/api';
import { jpeg } from './support/files';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

const MB = 1024 * 1024;

test('an 8 MB library upload whose connection is cut midway resumes from the server offset and is stored intact', async ({ page, guard }) => {
  guard.allow(/net::ERR_/); // the first PATCH is cut on purpose
  const user = await newUser('resumer');
  await signedIn(page, user);
  // A real photo, padded after its end: the worker can read it, and no other file has these bytes.
  const bytes = readFileSync(jpeg({ name: 'big.jpg' }));
  const file = Buffer.concat([bytes, randomBytes(8 * MB - bytes.length)]);

  const requests: { method: string; path: string; offset?: string }[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/v1/')) requests.push({ method: r.method(), path, offset: r.headers()['upload-offset'] });
  });
  // The first PATCH: the server gets its first 3 MB, then the connection drops before the browser hears back.
  const cutAt = 3 * MB;
  let cut = false;
  await page.route('**/api/v1/uploads/*', async (route) => {
    if (cut || route.request().method() !== 'PATCH') return route.continue();
    cut = true;
    const headers = { ...route.request().headers() };
    delete headers['content-length'];
    const res = await route.fetch({ headers, postData: file.subarray(0, cutAt) });
    expect(res.status()).toBe(204);
    expect(res.headers()['upload-offset']).toBe(String(cutAt));
    await route.abort('connectionreset');
  });

  await page.goto('/');
  await page.getByLabel('Upload photos and videos').setInputFiles({ name: 'big.jpg', mimeType: 'image/jpeg', buffer: file });
  const item = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'big.jpg' });
  await expect(item).toContainText('Done', { timeout: 60_000 });
  expect(cut).toBe(true);

  // tus only: created, cut, asked where to go on (HEAD), and sent the rest from there.
  const tus = requests.filter((r) => r.path.startsWith('/api/v1/uploads'));
  expect(tus.map((r) => r.method)).toEqual(['POST', 'PATCH', 'HEAD', 'PATCH']);
  expect(tus[1]!.offset).toBe('0');
  expect(tus[3]!.offset).toBe(String(cutAt));
  expect(requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/assets')).toEqual([]);

  const c = client(user.token);
  const [asset] = (await ok(c.GET('/api/v1/assets'))).items;
  const stored = await waitReady(c, asset!.id);
  expect(stored.checksum).toBe(createHash('sha256').update(file).digest('hex'));
  expect(stored.sizeBytes).toBe(file.length);
});
