// The interactive API docs (/docs, Scalar) share the app's origin, where the app keeps its tokens: they run under a CSP
// of their own (a nonce for Scalar's inline bootstrap, no other origin), and the page works under it — a violation is a
// console error, which fails the test.
import { BASE } from './support/api';
import { expect, test } from './support/test';

test('the docs page loads under its CSP and shows the API and its operations', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto(`${BASE}/docs/`);
  expect(res?.status()).toBe(200);
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('http');
  await expect(page.getByText('PhotoApi', { exact: false }).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Sign in', { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  expect(violations).toEqual([]);
});
