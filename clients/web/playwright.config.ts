import { defineConfig } from '@playwright/test';

// Run by `./deploy/dev.sh test` / `test-web`, which start the real API and worker and pass their address.
const baseURL = process.env.PHOTOAPI_WEB_URL;
if (!baseURL) throw new Error('PHOTOAPI_WEB_URL is not set: run the browser tests with ./deploy/dev.sh test-web');

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  // Two cores run the API, the worker, PostgreSQL and Chromium: one test at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: process.env.PHOTOAPI_WEB_LOGS ? `${process.env.PHOTOAPI_WEB_LOGS}/playwright` : 'test-results',
  use: {
    baseURL,
    browserName: 'chromium',
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium; flags that keep it off the (closed) network at start.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    },
  },
});
