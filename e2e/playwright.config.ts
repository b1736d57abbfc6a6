import { defineConfig } from '@playwright/test';
import { chromiumArgs, CHROMIUM_PATH } from './support/browsers.ts';

/**
 * What each pass of scripts/e2e.mjs runs (E2E_SUITE): the browser tests with the identity AI
 * model, the ones with the shipped model (at its trained t_f), the latency benchmark, the
 * README's screenshots.
 */
const SUITES: Record<string, string[]> = {
  tests: ['tests/**/*.spec.ts'],
  shipped: ['shipped/**/*.spec.ts'],
  bench: ['bench/**/*.bench.ts'],
  screenshots: ['screenshots/**/*.shot.ts'],
};

/**
 * Run through `npm run test:e2e` (scripts/e2e.mjs), which starts the platform in
 * a loopback-only network namespace and sets E2E_BASE_URL / E2E_SFU_URL.
 */
export default defineConfig({
  testDir: '.',
  testMatch: SUITES[process.env.E2E_SUITE ?? 'tests'] ?? SUITES.tests,
  // One 2-core machine runs several browsers with audio and WebRTC per test.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // Real browsers playing real audio on a shared 2-core CI machine: one retry, reported as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['json', { outputFile: process.env.E2E_JSON_REPORT ?? '.artifacts/report.json' }]],
  outputDir: '.artifacts/results',
  use: {
    baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000',
    launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs() },
    trace: 'retain-on-failure',
  },
});
