/**
 * The `frugal-file:` protocol: how the sandboxed renderer reads dataset and prediction files
 * (NiiVue fetches them). Registered as privileged before the app is ready (standard, secure,
 * fetch, CORS, streaming), handled once it is. Every request is checked against the allowed
 * roots (file-access.ts) when it arrives, not only when its URL was made.
 */
import { pathToFileURL } from 'node:url';
import type { Protocol } from 'electron';
import { FILE_SCHEME } from '../shared/csp';
import { type AllowedRoots, pathFromFileUrl } from './file-access';

/** For protocol.registerSchemesAsPrivileged, before app 'ready'. */
export const FILE_SCHEME_PRIVILEGES = {
  scheme: FILE_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
} as const;

/** Reads a checked file, e.g. `(p, req) => net.fetch(fileURL(p), ...)` in Electron. */
export type FileFetcher = (realPath: string, request: Request) => Promise<Response>;

function refuse(status: number, reason: string): Response {
  return new Response(reason, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The request handler, separate from Electron so a test can drive it with plain Requests. */
export function createFileHandler(roots: AllowedRoots, fetchFile: FileFetcher, log: (msg: string) => void = () => {}) {
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, `${request.method} not allowed`);
    const p = pathFromFileUrl(request.url);
    if (p instanceof Error) return refuse(400, p.message);
    const check = await roots.check(p);
    if (!check.ok) {
      log(`${FILE_SCHEME}: refused (${check.status}): ${check.reason}`);
      return refuse(check.status, check.reason);
    }
    const res = await fetchFile(check.realPath, request);
    const headers = new Headers(res.headers);
    // The renderer's origin is file:// ("null") or the dev server; only our own window exists
    // (navigation and new windows are blocked), and what may be read is bounded by the roots.
    headers.set('Access-Control-Allow-Origin', '*');
    headers.set('Cache-Control', 'no-cache');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** Installs the handler: files are read with Electron's net.fetch on file: URLs (streamed). */
export function handleFileProtocol(protocol: Protocol, fetch: (url: string, init?: RequestInit) => Promise<Response>, roots: AllowedRoots, log: (msg: string) => void): void {
  protocol.handle(
    FILE_SCHEME,
    createFileHandler(
      roots,
      (realPath, request) => {
        const range = request.headers.get('Range');
        return fetch(pathToFileURL(realPath).href, range ? { headers: { Range: range } } : undefined);
      },
      log,
    ),
  );
}
