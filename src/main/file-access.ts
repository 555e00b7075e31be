/**
 * Which files the renderer may read through the `frugal-file:` protocol, and the protocol's URLs.
 *
 * The renderer is sandboxed and cannot read the disk; the viewer (NiiVue) needs to fetch NIfTI
 * volumes of the datasets the user opened and the predictions in run folders. So main serves
 * files, but only under allowed roots: dataset folders the user opened and the runs folder. A
 * path is checked after resolving symlinks and `..` on both sides (fs.realpath), so neither a
 * `../` trick nor a symlink inside a root that points out of it escapes.
 *
 * URLs: `frugal-file://f/<base64url(absolute path)>/<basename>`. The path travels as one opaque
 * segment (no percent-encoding or normalisation surprises from URL parsing); the basename at the
 * end is informational, so the viewer can tell `.nii.gz` from `.nii` by the URL's name.
 * No electron imports: tested in Node.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { FILE_SCHEME } from '../shared/csp';

const HOST = 'f';

export function fileUrl(absPath: string): string {
  const id = Buffer.from(absPath, 'utf8').toString('base64url');
  return `${FILE_SCHEME}://${HOST}/${id}/${encodeURIComponent(basename(absPath))}`;
}

/** The absolute path a `frugal-file:` URL names, or an Error saying what is wrong with it. */
export function pathFromFileUrl(url: string): string | Error {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return new Error(`not a URL: ${url}`);
  }
  if (u.protocol !== `${FILE_SCHEME}:` || u.host !== HOST) return new Error(`not a ${FILE_SCHEME}://${HOST}/ URL: ${url}`);
  const id = u.pathname.split('/')[1] ?? '';
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return new Error(`malformed file id in ${url}`);
  const p = Buffer.from(id, 'base64url').toString('utf8');
  // Only the canonical encoding is accepted (base64url decoding ignores stray trailing bits).
  if (Buffer.from(p, 'utf8').toString('base64url') !== id) return new Error(`malformed file id in ${url}`);
  return p;
}

/** true when `child` is strictly inside `parent` (both already absolute and resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export type FileCheck = { ok: true; realPath: string } | { ok: false; status: 400 | 403 | 404; reason: string };

export class AllowedRoots {
  readonly #roots = new Set<string>();

  /** Allows serving files under `root` (an absolute folder path). */
  add(root: string): void {
    if (!isAbsolute(root)) throw new Error(`allowed root must be an absolute path, got '${root}'`);
    this.#roots.add(resolve(root));
  }

  list(): string[] {
    return [...this.#roots];
  }

  /** Whether `p` names a file the renderer may read; on success, the resolved path to serve. */
  async check(p: string): Promise<FileCheck> {
    if (typeof p !== 'string' || p.includes('\0') || !isAbsolute(p)) return { ok: false, status: 400, reason: `not an absolute path: '${String(p)}'` };
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      return { ok: false, status: 404, reason: `no such file: ${p}` };
    }
    let inside = false;
    for (const root of this.#roots) {
      let realRoot: string;
      try {
        realRoot = await realpath(root);
      } catch {
        continue; // a root that was deleted allows nothing
      }
      if (isInside(realRoot, real)) {
        inside = true;
        break;
      }
    }
    if (!inside) return { ok: false, status: 403, reason: `${p} is outside the folders the app may read (opened datasets and the runs folder)` };
    if (!(await stat(real)).isFile()) return { ok: false, status: 404, reason: `not a file: ${p}` };
    return { ok: true, realPath: real };
  }
}
