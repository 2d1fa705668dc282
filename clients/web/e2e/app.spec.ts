// The app is served by the API: pages at their addresses, the API's paths left alone, and the headers that keep it safe.
import { BASE } from './support/api';
import { expect, test } from './support/test';

test('every app path opens the app, with a strict Content-Security-Policy', async ({ page }) => {
  const res = await page.goto('/some/page/that/is/not/there');
  expect(res?.status()).toBe(200);
  expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(res?.headers()['cache-control']).toBe('no-cache');
  await expect(page.getByRole('heading', { name: 'Nothing is here' })).toBeVisible();
});

test('built files are cached for good; API paths are never the app', async ({ request }) => {
  const html = await (await request.get(`${BASE}/`)).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeTruthy();
  const js = await request.get(`${BASE}${script}`);
  expect(js.headers()['cache-control']).toContain('immutable');
  const missing = await request.get(`${BASE}/api/v1/nothing-here`);
  expect(missing.status()).toBe(404);
  expect(missing.headers()['content-type']).toContain('application/problem+json');
  expect((await request.get(`${BASE}/assets/missing-0000.js`)).status()).toBe(404);
});

test('a signed-out visitor of the library is sent to sign in', async ({ page }) => {
  await page.goto('/albums');
  await expect(page).toHaveURL(/\/signin\?next=%2Falbums$/);
});
