// tus-js-client (the reference tus client) against the real Release API and worker: 50 MB uploads to the library, to a
// share link and to a photo request; one connection cut midway and resumed from the server's offset; the asset's SHA-256
// is the file's; a guest's HEIC arrives as a clean JPEG (exiftool). Run by deploy/dev.sh test (deploy/lib/tus.sh) with
// PHOTOAPI_TUS_URL pointing at the API on a database of its own.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';

const BASE = process.env.PHOTOAPI_TUS_URL ?? 'http://127.0.0.1:8080';
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'photoapi-tus-'));
let token;

async function api(path, { method = 'GET', body, auth = true } = {}) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A JPEG of its own (ImageMagick), padded after its end to `size` bytes with random bytes: a photo that is unlike any other. */
function paddedJpeg(size) {
  const path = join(dir, `photo-${randomBytes(4).toString('hex')}.jpg`);
  execFileSync('/usr/bin/convert', ['-size', '640x480', `xc:hsl(${Math.floor(Math.random() * 360)},60%,55%)`, '-quality', '85', path]);
  const jpeg = readFileSync(path);
  return Buffer.concat([jpeg, randomBytes(size - jpeg.length)]);
}

/** A HEIC as an iPhone sends it, with GPS and camera EXIF that the clean copy must not keep. */
function heicWithGps() {
  const jpeg = join(dir, 'source.jpg');
  execFileSync('/usr/bin/convert', ['-size', '640x480', 'xc:hsl(200,60%,55%)', '-quality', '85', jpeg]);
  execFileSync('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945',
    '-GPSLongitudeRef=E', '-Make=TestCam', '-Model=Model 7', jpeg]);
  const heic = join(dir, 'iphone.heic');
  execFileSync('heif-enc', ['-q', '60', '-o', heic, jpeg], { stdio: 'ignore' });
  return readFileSync(heic);
}

function exif(bytes) {
  const path = join(dir, `check-${randomBytes(4).toString('hex')}`);
  writeFileSync(path, bytes);
  return JSON.parse(execFileSync('exiftool', ['-j', '-G1', '-a', path]).toString())[0];
}

/**
 * A TCP proxy in front of the API that drops the connection once, after `cutAfter` bytes from the client; counts every
 * byte the client sent, so the test can say how much was sent twice.
 */
async function cuttingProxy(cutAfter) {
  const target = new URL(BASE);
  const state = { sent: 0, cut: false };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (chunk) => {
      state.sent += chunk.length;
      if (!state.cut && state.sent > cutAfter) {
        state.cut = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, state, close: () => server.close() };
}

/** Uploads `bytes` with tus-js-client; resolves with the last response and every HEAD's Upload-Offset. */
function upload(bytes, endpoint, { metadata = {}, headers = {}, base = BASE } = {}) {
  const heads = [];
  return new Promise((resolve, reject) => {
    const u = new tus.Upload(bytes, {
      endpoint: base + endpoint,
      metadata,
      headers,
      retryDelays: [100, 500, 1000, 2000],
      removeFingerprintOnSuccess: true,
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD') heads.push(Number(res.getHeader('Upload-Offset')));
      },
      onSuccess: (payload) => resolve({ last: payload.lastResponse, heads, url: u.url }),
      onError: reject,
    });
    u.start();
  });
}

async function waitAsset(id) {
  for (let i = 0; i < 300; i++) {
    const asset = await api(`/api/v1/assets/${id}`);
    if (asset.status === 'ready' || asset.status === 'failed') return asset;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`asset ${id} not processed`);
}

before(async () => {
  const user = { username: 'tusadmin', password: 'Tus-Passw0rd', email: 'tus@example.test', displayName: 'Tus' };
  await api('/api/v1/auth/register', { method: 'POST', body: user, auth: false });
  token = (await api('/api/v1/auth/login', { method: 'POST', body: { username: user.username, password: user.password }, auth: false })).accessToken;
});

test('a 50 MB library upload survives a cut connection and resumes from the server offset', async () => {
  const file = randomBytes(50 * MB);
  const proxy = await cuttingProxy(20 * MB);
  try {
    const { last, heads } = await upload(file, '/api/v1/uploads', {
      base: proxy.url,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: 'big.bin', deviceId: 'node-tus' },
    });
    assert.ok(proxy.state.cut, 'the proxy cut the connection');
    // tus-js-client asked the server where to resume, and the server had kept what arrived before the cut.
    assert.ok(heads.some((o) => o > 0 && o < file.length), `HEAD offsets ${heads}`);
    const resumedAt = Math.max(...heads.filter((o) => o < file.length));
    assert.ok(proxy.state.sent < 2 * file.length - resumedAt + MB, `sent ${proxy.state.sent} bytes for ${file.length}`);
    const asset = await waitAsset(last.getHeader('Asset-Id'));
    assert.equal(asset.checksum, sha256(file));
    assert.equal(asset.sizeBytes, file.length);
    assert.equal(asset.deviceId, 'node-tus');
  } finally {
    proxy.close();
  }
});

test('a 50 MB upload through a share link becomes the owner\'s asset in the album', async () => {
  const album = await api('/api/v1/albums', { method: 'POST', body: { name: 'Drop box' } });
  const share = await api('/api/v1/shares', {
    method: 'POST',
    body: { target: { type: 'album', id: album.id }, linkEnabled: true, privacy: 'public', allowUpload: true },
  });
  const file = paddedJpeg(50 * MB);
  const { last } = await upload(file, `/api/v1/s/${share.key}/uploads`, { metadata: { filename: 'guest.jpg', filetype: 'image/jpeg' } });
  assert.ok(last.getHeader('Asset-Id'));
  const entries = await api(`/api/v1/albums/${album.id}/assets`);
  assert.equal(entries.items.length, 1);
  const asset = await waitAsset(entries.items[0].id ?? entries.items[0].asset?.id);
  assert.equal(asset.checksum, sha256(file));
  assert.equal(asset.originalFileName, 'guest.jpg');
});

test('a photo request takes a 50 MB photo, and a guest\'s HEIC arrives as a clean JPEG', async () => {
  const request = await api('/api/v1/photo-requests', { method: 'POST', body: { subject: 'Party', maxFileSizeMb: 100 } });
  const big = paddedJpeg(50 * MB);
  const heic = heicWithGps();
  assert.ok(exif(heic)['Composite:GPSLatitude'] || exif(heic)['GPS:GPSLatitude'], 'the HEIC carries GPS to begin with');
  const sent = [];
  for (const [bytes, name] of [[big, 'big.jpg'], [heic, 'IMG_0001.HEIC']]) {
    const { last } = await upload(bytes, `/api/v1/r/${request.key}/tus`, { metadata: { filename: name } });
    sent.push(last.getHeader('Photo-Request-Upload-Id'));
  }
  let uploads;
  for (let i = 0; i < 300; i++) {
    uploads = (await api(`/api/v1/photo-requests/${request.id}/uploads`)).items;
    if (uploads.length === 2 && uploads.every((u) => u.status === 'ready' || u.status === 'failed')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(uploads.map((u) => u.status), ['ready', 'ready']);
  assert.deepEqual(new Set(uploads.map((u) => u.id)), new Set(sent));
  const fromHeic = uploads.find((u) => u.fileName === 'IMG_0001.HEIC');
  const res = await fetch(`${BASE}/api/v1/assets/${fromHeic.assetId}/original`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const tags = exif(Buffer.from(await res.arrayBuffer()));
  assert.equal(tags['File:FileType'], 'JPEG');
  const leaked = Object.keys(tags).filter((k) => /^(GPS|EXIF|IFD0|XMP|IPTC|ICC)/.test(k) || /GPS/.test(k));
  assert.deepEqual(leaked, [], `metadata left: ${leaked}`);
});
