import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser (README.md "Test it"). As root it needs --no-sandbox.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
const isCI = !!process.env.CI;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  fullyParallel: true,
  forbidOnly: isCI,
  // Two cores on the CI machines.
  workers: 2,
  // On CI a failed test runs once more, for its trace, but a test that passes only on the retry
  // ("flaky") fails the run all the same (issue 23): a retry never hides a flaky test.
  retries: isCI ? 1 : 0,
  failOnFlakyTests: isCI,
  // Generous: the CI machines have 2 cores shared by the BFF, PostgreSQL, Chromium and two workers.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: isCI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    locale: 'en-US',
    timezoneId: 'UTC',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
