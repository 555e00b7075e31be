import { defineConfig } from 'vitest/config';

// Engine tests run on the tfjs cpu backend in forked processes (tfjs keeps global engine state,
// so files must not share a process). Two cores: two forks.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/renderer has its own config (Svelte's compiler and browser runtime); test/e2e drives
    // Chromium against frugal serve (vitest.e2e.config.ts).
    exclude: ['test/e2e/**', 'test/renderer/**', 'node_modules/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup-cpu.ts'],
  },
});
