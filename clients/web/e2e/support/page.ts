// Helpers of the library and album tests: a signed-in page for a test user, and photos taken at a given time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { client, ok, type TestUser } from './api';

/** Opens the app signed in as `user`: a session from `login`, put where the app keeps it before any page loads. */
export async function signInPage(page: Page, user: TestUser): Promise<void> {
  const t = await ok(client().POST('/api/v1/auth/login', { body: { username: user.username, password: user.password } }));
  const stored = JSON.stringify({ accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() + t.expiresIn * 1000 });
  await page.addInitScript((value) => {
    if (!sessionStorage.getItem('photoapi.test.signed-in')) {
      localStorage.setItem('photoapi.session', value);
      sessionStorage.setItem('photoapi.test.signed-in', '1');
    }
  }, stored);
}

const dir = mkdtempSync(join(tmpdir(), 'photoapi-library-'));
let n = 0;

/**
 * A distinct JPEG (its own colour and a block at its own place; drawn without text, since support/files.ts's
 * `jpeg()` needs a font this machine's ImageMagick lacks) whose camera EXIF says it was taken at `when`
 * ("2023-05-04 10:00:00").
 */
export function photoTaken(when: string, name = `photo-${n}.jpg`): string {
  const i = n++;
  const path = join(dir, name);
  const x = (i * 37) % 560;
  execFileSync('/usr/bin/convert', [
    '-size', '640x480', `xc:hsl(${(i * 47) % 360},60%,55%)`, '-fill', 'white', '-draw', `rectangle ${x},${(i * 23) % 400} ${x + 80},${((i * 23) % 400) + 80}`,
    '-quality', '85', path,
  ]);
  execFileSync('exiftool', ['-q', '-overwrite_original', `-DateTimeOriginal=${when.replace(/-/g, ':')}`, '-Make=TestCam', path]);
  return path;
}

/** The heading of a day of the timeline (not today or yesterday), in the browser's language as the app writes it. */
export function dayHeading(page: Page, isoDay: string): Promise<string> {
  return page.evaluate((d) => new Date(`${d}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'long', day: 'numeric' }), isoDay);
}

/** Drops files on an element as a drag from the desktop would. */
export async function dropFiles(page: Page, target: Locator, files: { name: string; bytes: Buffer; type: string }[]) {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.type, bytes: [...f.bytes] })));
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}
