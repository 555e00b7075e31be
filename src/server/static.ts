/**
 * Serves the built renderer (Vite's output in dist/renderer): index.html for the app's routes,
 * hashed assets with long caching, correct content types, nothing outside the folder. When the
 * renderer has not been built, every page says how to build it.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/renderer at the package root (src/server → ../../dist/renderer). */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Frugal Studio: interface not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Frugal Studio interface is not built</h1>
<p>The server and the engine are running, but there is no built renderer in <code>${dir.replace(/[<>&]/g, '')}</code>.</p>
<p>Build it with <code>npm run build:renderer</code>, then reload this page.</p>
</body></html>
`;

export function rendererBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers a GET/HEAD for `pathname` from the renderer folder. */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, dir: string): Promise<void> {
  if (!rendererBuilt(dir)) return send(res, req, 503, 'text/html; charset=utf-8', NOT_BUILT(dir));
  let rel: string;
  try {
    rel = decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    return send(res, req, 400, 'text/plain; charset=utf-8', 'bad URL encoding\n');
  }
  const file = resolve(dir, rel || 'index.html');
  const inside = relative(dir, file);
  if (inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return send(res, req, 403, 'text/plain; charset=utf-8', 'outside the app folder\n');
  let target = file;
  let s = await stat(target).catch(() => null);
  if (s?.isDirectory()) {
    target = join(target, 'index.html');
    s = await stat(target).catch(() => null);
  }
  if (!s || !s.isFile()) {
    // A path without an extension is an app route (client-side): the app's page answers it.
    if (extname(rel) !== '') return send(res, req, 404, 'text/plain; charset=utf-8', `not found: ${pathname}\n`);
    target = join(dir, 'index.html');
    s = await stat(target);
  }
  const isHtml = extname(target) === '.html';
  res.writeHead(200, {
    'Content-Type': contentTypeOf(target),
    'Content-Length': s.size,
    // Vite names assets by content hash: they never change under one name. The page must not be cached across builds.
    'Cache-Control': isHtml ? 'no-cache' : inside.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(target).pipe(res);
}
