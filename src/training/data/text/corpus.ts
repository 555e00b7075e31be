/**
 * A plain-text pre-training corpus for the GPT experiments (SPDF pre-training, METHODS.md §1): one
 * text file, or a folder walked recursively for `.txt`, `.md` and `.text` files (the extensions in
 * any case), each file one document.
 *
 *   const { documents, bytes, files } = await loadTextCorpus('data/demo/corpus');
 *   // documents: [{ file: '001-etymology.txt', text: '...' }, ...]
 *
 * - Order: entries of each folder in name order (by UTF-16 code unit, so the same on every OS and
 *   locale), depth first; `file` is the path relative to the folder, with '/' separators (for a
 *   single file: its name). Hidden entries (names starting with '.') are skipped.
 * - A file named explicitly is read whatever its extension; the extension filter only applies
 *   when walking a folder.
 * - Text: strict UTF-8 (./text-file.ts): a UTF-8 BOM is dropped, CRLF (and lone CR) become LF.
 * - Errors name the file: a missing path, a folder with no text file (saying which extensions were
 *   looked for), a binary file (a NUL byte), invalid UTF-8 (with the byte offset), a file over
 *   `maxBytes` (default 256 MiB, about the most a JS string of one document comfortably holds),
 *   and a corpus whose files are all empty.
 */

import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { DatasetError, fsDatasetError } from '../images/errors';
import { readUtf8FileSized } from './text-file';

export const CORPUS_EXTENSIONS: readonly string[] = ['.txt', '.md', '.text'];

/** Default per-file size limit of loadTextCorpus. */
export const DEFAULT_MAX_CORPUS_FILE_BYTES = 256 * 1024 * 1024;

export interface TextDocument {
  /** path relative to the corpus folder ('/'-separated), or the file's name for a single file. */
  file: string;
  text: string;
}

export interface TextCorpus {
  documents: TextDocument[];
  /** bytes of the files as read (before BOM removal and line-end normalisation). */
  bytes: number;
  files: number;
}

export interface LoadTextCorpusOptions {
  /** refuse any file larger than this; default DEFAULT_MAX_CORPUS_FILE_BYTES. */
  maxBytes?: number;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The text files under `dir`, recursively, in name order (paths relative to `root`, '/'-separated). */
async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const dir = rel === '' ? root : join(root, rel);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsDatasetError(dir, err, 'folder');
  }
  entries.sort((a, b) => byName(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await stat(join(root, childRel)).catch(() => null);
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) await walk(root, childRel, out);
    else if (isFile && CORPUS_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(childRel);
  }
}

export async function loadTextCorpus(path: string, opts: LoadTextCorpusOptions = {}): Promise<TextCorpus> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CORPUS_FILE_BYTES;
  let st: import('node:fs').Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw fsDatasetError(path, err, 'corpus file or folder');
  }
  let files: { abs: string; rel: string }[];
  if (st.isDirectory()) {
    const rels: string[] = [];
    await walk(path, '', rels);
    if (rels.length === 0) {
      throw new DatasetError(path, `folder holds no text files (looked for ${CORPUS_EXTENSIONS.join(', ')}, in sub-folders too)`);
    }
    files = rels.map((rel) => ({ abs: join(path, ...rel.split('/')), rel }));
  } else {
    files = [{ abs: path, rel: basename(path) }];
  }
  const documents: TextDocument[] = [];
  let bytes = 0;
  for (const f of files) {
    const { text, bytes: n } = await readUtf8FileSized(f.abs, { maxBytes, rejectNul: true });
    bytes += n;
    documents.push({ file: f.rel, text });
  }
  if (documents.every((d) => d.text.length === 0)) {
    throw new DatasetError(path, files.length === 1 ? 'file is empty' : `all ${files.length} text files are empty`);
  }
  return { documents, bytes, files: documents.length };
}
