// `test` for every browser test: a page that fails its test when the app shows an error it did not expect, or when
// the browser's console logs an error (a CSP violation, an exception, a failed request the test did not announce).
import { test as base, expect, type Page } from '@playwright/test';

export interface Guard {
  /** Console errors matching this are expected (e.g. the 401 of a wrong password the test types on purpose). */
  allow(pattern: RegExp): void;
}

function guard(page: Page, errors: string[], allowed: RegExp[]) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((p) => p.test(m.text()))) errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
}

export const test = base.extend<{ guard: Guard }>({
  guard: [
    async ({ page, context }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      guard(page, errors, allowed);
      // Pages opened later in the same context (a second tab) are watched too.
      context.on('page', (p) => p !== page && guard(p, errors, allowed));
      await use({ allow: (p) => allowed.push(p) });
      expect(errors, 'the browser logged errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
