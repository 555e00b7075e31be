/**
 * Atomic file writes for the run store and checkpoints (DESIGN.md, Runs on disk: "Writes are
 * atomic; nothing ever overwrites a dataset or another run").
 *
 * A reader never sees a half-written file: data go to a temporary file in the target's folder
 * (same filesystem, so the final step is a rename or a link, never a copy), are fsynced, and
 * only then appear under the final name. Without `overwrite`, the final step is `link(tmp,
 * target)`, which fails with EEXIST if the target exists at that instant, so two writers
 * cannot both "win" and an existing file is never replaced. Filesystems without hard links
 * (FAT/exFAT, some network shares) fall back to check-then-rename, whose only gap is a
 * concurrent writer creating the target between the check and the rename.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Replace an existing file (atomically). Default false: refuse if the target exists. */
  overwrite?: boolean;
}

/** What can be written: text (UTF-8), bytes, or a list of byte chunks written in order. */
export type FileData = string | Uint8Array | readonly Uint8Array[];

export class FileExistsError extends Error {
  readonly code = 'EEXIST';
  constructor(readonly path: string) {
    super(`refusing to overwrite existing file ${path}`);
    this.name = 'FileExistsError';
  }
}

/** Error codes meaning "this filesystem cannot hard-link", so fall back to rename. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EACCES']);

function tempPathFor(path: string): string {
  // Dot-prefixed so run listings and globbing skip it; pid + random so concurrent writers differ.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function chunksOf(data: FileData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  return data;
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Write `data` to `path` atomically; without `overwrite`, throw FileExistsError if it exists. */
export async function writeFileAtomic(path: string, data: FileData, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await fsp.open(tmp, 'wx');
    try {
      for (const chunk of chunksOf(data)) {
        let off = 0;
        while (off < chunk.byteLength) off += (await fh.write(chunk, off, chunk.byteLength - off)).bytesWritten;
      }
      await fh.sync(); // data on disk before the name points at it: a crash leaves old or new, never a stub
    } finally {
      await fh.close();
    }
    if (opts.overwrite) {
      await fsp.rename(tmp, path);
    } else {
      try {
        await fsp.link(tmp, path);
      } catch (e) {
        if (errCode(e) === 'EEXIST') throw new FileExistsError(path);
        if (!NO_LINK.has(errCode(e) ?? '')) throw e;
        if (fs.existsSync(path)) throw new FileExistsError(path);
        await fsp.rename(tmp, path);
      }
    }
  } finally {
    await fsp.rm(tmp, { force: true }); // after link: drop the temp name; after rename: no-op
  }
  syncDir(dirname(path));
}

/** Synchronous twin of writeFileAtomic, for status updates from exit and signal handlers. */
export function writeFileAtomicSync(path: string, data: FileData, opts: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(path);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      for (const chunk of chunksOf(data)) {
        let off = 0;
        while (off < chunk.byteLength) off += fs.writeSync(fd, chunk, off, chunk.byteLength - off);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.overwrite) {
      fs.renameSync(tmp, path);
    } else {
      try {
        fs.linkSync(tmp, path);
      } catch (e) {
        if (errCode(e) === 'EEXIST') throw new FileExistsError(path);
        if (!NO_LINK.has(errCode(e) ?? '')) throw e;
        if (fs.existsSync(path)) throw new FileExistsError(path);
        fs.renameSync(tmp, path);
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  syncDir(dirname(path));
}

/** JSON with 2-space indent and a final newline, written atomically. */
export async function writeJsonAtomic(path: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, opts);
}

export function writeJsonAtomicSync(path: string, value: unknown, opts: AtomicWriteOptions = {}): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`, opts);
}

/**
 * fsync the folder so the new name itself survives a power cut (POSIX). Windows cannot open
 * a directory for fsync; the rename is already durable enough there, so errors are ignored.
 */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported on this platform/filesystem
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
