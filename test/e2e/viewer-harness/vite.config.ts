/**
 * Vite config of the viewer harness: a page that mounts src/renderer/viewer/Viewer.svelte on demo
 * NIfTI files. A small middleware serves `/vh-case.json` (written by make-data.ts) and
 * `/vh-files/<absolute path>` for files under VIEWER_HARNESS_DATA only (no Content-Encoding: the
 * .nii.gz bytes must reach NiiVue still gzipped).
 *
 *   VIEWER_HARNESS_DATA=/tmp/vh npx vite build --config test/e2e/viewer-harness/vite.config.ts
 *   VIEWER_HARNESS_DATA=/tmp/vh npx vite preview --config test/e2e/viewer-harness/vite.config.ts
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { type Plugin, defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export function harnessFiles(dataRoot: string): Plugin {
  const root = resolve(dataRoot);
  const handler = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://harness');
    let file: string | null = null;
    if (url.pathname.endsWith('/vh-case.json')) file = resolve(root, 'case.json');
    else if (url.pathname.includes('/vh-files/')) file = resolve(decodeURIComponent(url.pathname.slice(url.pathname.indexOf('/vh-files/') + 9)));
    if (!file) return next();
    if (!file.startsWith(root + sep)) {
      res.statusCode = 403;
      res.end(`outside ${root}`);
      return;
    }
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.statusCode = 404;
      res.end(`no such file: ${file}`);
      return;
    }
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-store');
    createReadStream(file).pipe(res);
  };
  return {
    name: 'viewer-harness-files',
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte({ configFile: resolve(here, '../../../svelte.config.js') }), harnessFiles(process.env.VIEWER_HARNESS_DATA ?? '/tmp/viewer-harness')],
  build: {
    outDir: process.env.VIEWER_HARNESS_OUT ?? '/tmp/viewer-harness-dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096, // NiiVue is large; this page is a test fixture
  },
  logLevel: 'warn',
});
