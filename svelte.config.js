// Svelte compiler settings shared by Vite (vite.config.ts), svelte-check and the renderer's
// unit tests (test/renderer/vitest.config.ts): TypeScript in components, runes everywhere.
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
