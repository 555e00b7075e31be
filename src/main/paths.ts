/**
 * Where the desktop app's files are, relative to the bundled main (dist-electron/main.cjs):
 * the preload and engine bundles next to it, the renderer build in dist/renderer.
 * In development the renderer comes from the Vite dev server instead (VITE_DEV_SERVER_URL).
 */
import { join } from 'node:path';

export interface AppPaths {
  preload: string;
  engine: string;
  rendererHtml: string;
  devServerUrl: string | undefined;
}

export function appPaths(bundleDir: string, env: NodeJS.ProcessEnv = process.env): AppPaths {
  return {
    preload: join(bundleDir, 'preload.cjs'),
    engine: join(bundleDir, 'engine.cjs'),
    rendererHtml: join(bundleDir, '..', 'dist', 'renderer', 'index.html'),
    devServerUrl: env.VITE_DEV_SERVER_URL || undefined,
  };
}
