/**
 * Files the viewer may load (NIfTI scans, masks): `/files/<base64url(absolute path)>/<basename>`.
 * The basename comes last so the viewer (NiiVue) sees the real extension (.nii.gz) in the URL.
 * Only files under allowed roots are served: the runs root and the dataset folders this server
 * has scanned or created (plus the data folders of runs it has opened). Paths are compared after
 * resolving symlinks, so a link inside a root cannot reach outside it.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';

export class FileRoots {
  private readonly roots = new Set<string>();

  add(root: string): void {
    this.roots.add(resolve(root));
  }

  list(): string[] {
    return [...this.roots];
  }

  /** The real path of `path` if it lies under an allowed root, else null. Throws ENOENT-style errors for missing files. */
  async resolveAllowed(path: string): Promise<string | null> {
    const real = await realpath(resolve(path));
    for (const root of this.roots) {
      const realRoot = await realpath(root).catch(() => null);
      if (!realRoot) continue;
      const rel = relative(realRoot, real);
      if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return real;
    }
    return null;
  }
}

export function fileUrl(path: string, token: string): string {
  const abs = resolve(path);
  return `/files/${Buffer.from(abs).toString('base64url')}/${encodeURIComponent(basename(abs))}?token=${encodeURIComponent(token)}`;
}

/** The path encoded in a /files/ URL's pathname, or null when it is not one. */
export function pathFromFileUrl(pathname: string): string | null {
  const m = /^\/files\/([A-Za-z0-9_-]+)(?:\/[^/]*)?$/.exec(pathname);
  if (!m) return null;
  const p = Buffer.from(m[1], 'base64url').toString('utf8');
  return isAbsolute(p) ? p : null;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/** Answers GET/HEAD /files/…: 400 bad URL, 403 outside the allowed roots, 404 missing, 200 with Content-Length. */
export async function serveFile(req: IncomingMessage, res: ServerResponse, pathname: string, roots: FileRoots): Promise<void> {
  const path = pathFromFileUrl(pathname);
  if (!path) return plain(res, 400, 'expected /files/<base64url of an absolute path>/<file name>\n');
  let real: string | null;
  try {
    real = await roots.resolveAllowed(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A missing file outside every root is still refused as outside: do not reveal what exists there.
    const outside = roots.list().every((r) => relative(r, resolve(path)).startsWith('..'));
    if (outside) return plain(res, 403, 'not under a folder this server shares\n');
    return plain(res, code === 'ENOENT' || code === 'ENOTDIR' ? 404 : 500, code === 'ENOENT' || code === 'ENOTDIR' ? `no such file: ${path}\n` : `cannot open ${path}: ${(e as Error).message}\n`);
  }
  if (!real) return plain(res, 403, 'not under a folder this server shares\n');
  const s = await stat(real).catch(() => null);
  if (!s) return plain(res, 404, `no such file: ${path}\n`);
  if (!s.isFile()) return plain(res, 404, `${path} is not a file\n`);
  res.writeHead(200, {
    // Bytes as they are on disk: a .nii.gz is decompressed by the viewer, not by the browser;
    // images (the detection viewer's) get their own type so the browser need not sniff.
    'Content-Type': IMAGE_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': s.size,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(real);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
