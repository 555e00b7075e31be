import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextCorpus } from './corpus';
import { firstInvalidUtf8Offset } from './text-file';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'text-corpus-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, content: string | Uint8Array): Promise<string> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

describe('loadTextCorpus', () => {
  it('walks a folder recursively in name order, keeps .txt/.md/.text, skips hidden entries and other extensions', async () => {
    await put('walk/b.txt', 'bee');
    await put('walk/a/z.md', 'zed');
    await put('walk/a/y.TEXT', 'why');
    await put('walk/B.txt', 'upper B'); // 'B' (0x42) sorts before 'a' (0x61)
    await put('walk/notes.csv', 'x,y');
    await put('walk/.hidden.txt', 'secret');
    await put('walk/.git/c.txt', 'secret');
    const c = await loadTextCorpus(join(root, 'walk'));
    expect(c.documents.map((d) => d.file)).toEqual(['B.txt', 'a/y.TEXT', 'a/z.md', 'b.txt']);
    expect(c.documents.map((d) => d.text)).toEqual(['upper B', 'why', 'zed', 'bee']);
    expect(c.files).toBe(4);
    expect(c.bytes).toBe(7 + 3 + 3 + 3);
  });

  it('reads one file of any extension; strips a BOM and turns CRLF and CR into LF; bytes count the file as stored', async () => {
    const path = await put('one/input', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a\r\nb\rc\n')]));
    const c = await loadTextCorpus(path);
    expect(c.documents).toEqual([{ file: 'input', text: 'a\nb\nc\n' }]);
    expect(c.bytes).toBe(3 + 7);
  });

  it('errors name the path: missing, empty folder (with the extensions), binary, invalid UTF-8 (offset), too big, all empty', async () => {
    await expect(loadTextCorpus(join(root, 'nope'))).rejects.toThrow(/nope: corpus file or folder not found/);
    await put('empty/data.bin', 'x');
    await expect(loadTextCorpus(join(root, 'empty'))).rejects.toThrow(/empty: folder holds no text files \(looked for \.txt, \.md, \.text/);
    const bin = await put('bin/a.txt', new Uint8Array([0x61, 0x62, 0x00, 0x63]));
    await expect(loadTextCorpus(join(root, 'bin'))).rejects.toThrow(`${bin}: looks binary, not text: NUL byte at byte offset 2`);
    // 'héllo' in UTF-8 is 68 c3 a9 6c 6c 6f; a lone 0xe9 (Latin-1 é) at offset 7 is invalid
    const bad = await put('bad/a.txt', new Uint8Array([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0x20, 0xe9, 0x74, 0xe9]));
    await expect(loadTextCorpus(join(root, 'bad'))).rejects.toThrow(`${bad}: not valid UTF-8: invalid byte sequence at byte offset 7 (bytes e9 74 e9)`);
    const big = await put('big/a.txt', 'x'.repeat(2000));
    await expect(loadTextCorpus(join(root, 'big'), { maxBytes: 1000 })).rejects.toThrow(`${big}: is 2.0 kB (2000 bytes), more than the limit of 1000 B (1000 bytes)`);
    await put('blank/a.txt', '');
    await put('blank/b.txt', '\uFEFF');
    await expect(loadTextCorpus(join(root, 'blank'))).rejects.toThrow(/blank: all 2 text files are empty/);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('skips a real U+FFFD in the file and finds the first invalid byte after it', () => {
    // 'a' + U+FFFD (ef bf bd) + 'b' + truncated 3-byte sequence (e2 82) + 'c'
    const bytes = new Uint8Array([0x61, 0xef, 0xbf, 0xbd, 0x62, 0xe2, 0x82, 0x63]);
    expect(firstInvalidUtf8Offset(bytes)).toBe(5);
    expect(firstInvalidUtf8Offset(new TextEncoder().encode('fine ✓'))).toBe(-1);
  });
});
