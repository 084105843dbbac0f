// Browser tests in Debian's Chromium: okno on one origin, a partner's site on another.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OKNO_PORT = 38080;
export const PARTNER_PORT = 38081;
export const OKNO_URL = `http://127.0.0.1:${OKNO_PORT}`;
// Evaluated first in the runner process; workers inherit the same directory.
process.env.E2E_OKNO_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'okno-e2e-'));

const oknoEnv = {
  OKNO_ADDR: `127.0.0.1:${OKNO_PORT}`,
  OKNO_DATA_DIR: process.env.E2E_OKNO_DATA_DIR,
  OKNO_DEMO_PARTNER: 'false',
  OKNO_SITE_ROOT: '../target/site',
  // The sandbox moves an order one status a second, and okno reads statuses every second.
  OKNO_SANDBOX_STEP_SECONDS: '1',
  OKNO_STATUS_POLL_SECONDS: '1',
};

export default defineConfig({
  testDir: './tests',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: '../target/debug/okno serve',
      url: `${OKNO_URL}/readyz`,
      env: oknoEnv,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
    },
    {
      command: 'node partner-site.mjs',
      url: `http://127.0.0.1:${PARTNER_PORT}/shop`,
      env: { PARTNER_PORT: String(PARTNER_PORT), OKNO_URL },
      reuseExistingServer: false,
    },
  ],
});
