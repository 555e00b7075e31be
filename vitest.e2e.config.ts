import { defineConfig } from 'vitest/config';

// End-to-end tests: the built renderer (dist/renderer, `npm run build:renderer`) in Debian's
// Chromium, driven by playwright-core against a real `frugal serve` with a real engine process.
// One file at a time: each launches a browser and an engine.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
