import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileExistsError, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from './atomic';

const tmp = () => mkdtempSync(join(tmpdir(), 'frugal-atomic-'));

describe('writeFileAtomic', () => {
  it('writes text, bytes and chunk lists, leaving no temp files behind', async () => {
    const d = tmp();
    await writeFileAtomic(join(d, 'a.txt'), 'héllo');
    await writeFileAtomic(join(d, 'b.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(d, 'c.bin'), [new Uint8Array([1]), new Uint8Array([2, 3])]);
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('héllo');
    expect([...readFileSync(join(d, 'b.bin'))]).toEqual([1, 2, 3]);
    expect([...readFileSync(join(d, 'c.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(d).sort()).toEqual(['a.txt', 'b.bin', 'c.bin']);
  });

  it('refuses to overwrite unless asked, keeping the old content', async () => {
    const d = tmp();
    const p = join(d, 'x.json');
    writeFileSync(p, 'old');
    await expect(writeFileAtomic(p, 'new')).rejects.toThrow(FileExistsError);
    await expect(writeJsonAtomic(p, { a: 1 })).rejects.toThrow(`refusing to overwrite existing file ${p}`);
    expect(() => writeFileAtomicSync(p, 'new')).toThrow(FileExistsError);
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['x.json']); // temp files removed on refusal too
    await writeFileAtomic(p, 'new', { overwrite: true });
    expect(readFileSync(p, 'utf8')).toBe('new');
    writeFileAtomicSync(p, 'newer', { overwrite: true });
    expect(readFileSync(p, 'utf8')).toBe('newer');
  });

  it('lets exactly one of many concurrent writers create a file', async () => {
    const d = tmp();
    const p = join(d, 'race.txt');
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => writeFileAtomic(p, `writer ${i}`)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    expect(readFileSync(p, 'utf8')).toBe(`writer ${won[0]}`);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(FileExistsError);
    expect(readdirSync(d)).toEqual(['race.txt']);
  });

  it('writes JSON with a trailing newline', async () => {
    const d = tmp();
    await writeJsonAtomic(join(d, 'j.json'), { a: [1, 2] });
    expect(readFileSync(join(d, 'j.json'), 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  });
});
