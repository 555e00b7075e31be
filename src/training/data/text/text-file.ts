/**
 * Reading a text file for the GPT experiments (corpora, data-to-text sets) the same way everywhere:
 * strict UTF-8 (an invalid byte is an error naming its offset, never a silent U+FFFD), a leading
 * UTF-8 byte-order mark dropped, CRLF and lone CR line ends turned into LF, and an optional size
 * limit checked before the file is read. Errors are DatasetErrors that start with the file's path.
 *
 *   const text = await readUtf8File('data/corpus/input.txt', { maxBytes: 64 << 20, rejectNul: true });
 */

import { readFile, stat } from 'node:fs/promises';
import { DatasetError, fsDatasetError } from '../images/errors';

export interface ReadUtf8Options {
  /** refuse a file larger than this many bytes (checked with stat, before reading). */
  maxBytes?: number;
  /** refuse a file holding a NUL byte (the mark of a binary file; text never has one). */
  rejectNul?: boolean;
}

/** "1.5 MB"-style size for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * The byte offset of the first invalid UTF-8 sequence in `bytes` (which `strict` rejected).
 * The lenient decoding replaces each invalid sequence by U+FFFD; the bytes before the first
 * replacement were valid, so they re-encode to the same bytes, and the offset is the UTF-8 length
 * of the text before it. A U+FFFD the file really holds (bytes EF BF BD) is skipped.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const text = lenient.decode(bytes);
  const enc = new TextEncoder();
  let from = 0;
  for (;;) {
    const i = text.indexOf('\uFFFD', from);
    if (i < 0) return -1;
    const offset = enc.encode(text.slice(0, i)).length;
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    from = i + 1;
  }
}

/** Decode strict UTF-8; `path` names the file in the error. BOM dropped, line ends → LF. */
export function decodeUtf8(path: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    const at = firstInvalidUtf8Offset(bytes);
    const shown = Array.from(bytes.subarray(at, at + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(path, `not valid UTF-8: invalid byte sequence at byte offset ${at} (bytes ${shown}); save the file as UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Read a file as strict UTF-8 text (see the header). */
export async function readUtf8File(path: string, opts: ReadUtf8Options = {}): Promise<string> {
  return (await readUtf8FileSized(path, opts)).text;
}

/** readUtf8File, also giving the file's size in bytes (as stored, before BOM and line-end changes). */
export async function readUtf8FileSized(path: string, opts: ReadUtf8Options = {}): Promise<{ text: string; bytes: number }> {
  let bytes: Buffer;
  try {
    if (opts.maxBytes !== undefined) {
      const st = await stat(path);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.size > opts.maxBytes) {
        throw new DatasetError(path, `is ${formatBytes(st.size)} (${st.size} bytes), more than the limit of ${formatBytes(opts.maxBytes)} (${opts.maxBytes} bytes)`);
      }
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw fsDatasetError(path, err);
  }
  if (opts.rejectNul) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new DatasetError(path, `looks binary, not text: NUL byte at byte offset ${nul}`);
  }
  return { text: decodeUtf8(path, bytes), bytes: bytes.length };
}
