/** Path strings from the engine's machine (POSIX or Windows) handled without node:path. */

function sep(p: string): string {
  return p.includes('\\') && !p.includes('/') ? '\\' : '/';
}

export function joinPath(dir: string, name: string): string {
  const s = sep(dir);
  return dir.endsWith(s) ? `${dir}${name}` : `${dir}${s}${name}`;
}

export function dirname(p: string): string {
  const trimmed = normalizePath(p);
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (i < 0) return '.';
  return i === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, i);
}

export function basename(p: string): string {
  const trimmed = normalizePath(p);
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return trimmed.slice(i + 1);
}

/** Without trailing separators (but '/' stays '/'), for comparing folders. */
export function normalizePath(p: string): string {
  const t = p.trim().replace(/[\\/]+$/, '');
  return t === '' && p.trim().startsWith('/') ? '/' : t;
}

export function samePath(a: string, b: string): boolean {
  return normalizePath(a) === normalizePath(b);
}
