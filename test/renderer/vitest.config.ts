/**
 * Unit tests of the renderer's state classes and clients (no DOM): Svelte's compiler turns the
 * runes in *.svelte.ts into signals, and the 'browser' condition loads Svelte's client runtime
 * (its server build makes $derived and effects inert). Run: npx vitest run --config test/renderer/vitest.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  plugins: [svelte({ configFile: here('../../svelte.config.js') })],
  resolve: { conditions: ['browser'] },
  test: {
    root: here('../..'),
    include: ['test/renderer/**/*.test.ts'],
    environment: 'node',
    pool: 'threads',
    maxWorkers: 1,
  },
});
