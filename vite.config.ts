/**
 * Vite build of the renderer (src/renderer → dist/renderer): the same bundle runs in the Electron
 * window (loaded from file://, hence base './') and in a browser tab served by `frugal serve`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { contentSecurityPolicy } from './src/shared/csp';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/renderer'),
  base: './',
  // svelte.config.js sits at the repository root, not in the Vite root.
  plugins: [
    svelte({ configFile: here('./svelte.config.js') }),
    // The built page carries its security policy itself (both doors serve this file).
    {
      name: 'frugal-csp',
      apply: 'build',
      transformIndexHtml: (html: string) =>
        html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}" />`),
    },
  ],
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    // NiiVue alone is ~1 MB; one desktop/LAN bundle, not a website, so no size warning noise.
    chunkSizeWarningLimit: 4096,
  },
  preview: { port: 4173, strictPort: true },
});
