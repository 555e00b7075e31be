import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFolders } from '../../../../test/fixture-folders';
import { loadDataToText } from './data-to-text';

const folder = fixtureFolders('d2t-jsonl-');

const line = (o: unknown) => JSON.stringify(o);

describe('JSONL', () => {
  it('reads train/valid/test.jsonl, skips blank lines, takes completion or completions', async () => {
    const train = [line({ prompt: 'p1', completion: 'c1', extra: 1 }), '', '   ', line({ prompt: 'p2', completions: ['c2a', 'c2b'] })].join('\n');
    const valid = `${line({ prompt: 'q', completions: ['r1', 'r2', 'r3'] })}\r\n`;
    const dir = await folder('ok', { 'train.jsonl': train, 'valid.jsonl': valid, 'test.jsonl': line({ prompt: 't', completion: 'u' }) });
    const ds = await loadDataToText(dir, 'auto');
    expect(ds.format).toBe('jsonl');
    expect(ds.train).toEqual([
      { id: 'train.jsonl:1', source: 'p1', references: ['c1'] },
      { id: 'train.jsonl:4/1', source: 'p2', references: ['c2a'] },
      { id: 'train.jsonl:4/2', source: 'p2', references: ['c2b'] },
    ]);
    expect(ds.val).toEqual([{ id: 'valid.jsonl:1', source: 'q', references: ['r1', 'r2', 'r3'] }]);
    expect(ds.test).toEqual([{ id: 'test.jsonl:1', source: 't', references: ['u'] }]);
    expect(ds.notes).toEqual([]);
  });

  it('errors name the file, the line and the field', async () => {
    const cases: [string, RegExp][] = [
      [`${line({ prompt: 'a', completion: 'b' })}\n\n{"prompt": "a", "completion": }`, /line 3: not valid JSON/],
      [line({ prompt: 'a' }), /line 1: needs exactly one of the fields 'completion' \(a string\) and 'completions'/],
      [line({ prompt: 'a', completion: 'b', completions: ['c'] }), /line 1: needs exactly one of the fields/],
      [line({ completion: 'b' }), /line 1: field 'prompt' is missing/],
      [line({ prompt: 'a', completion: 7 }), /line 1: field 'completion': .*expected string/],
      [line({ prompt: 'a', completions: ['x', ' '] }), /line 1: field 'completions\[1\]' is an empty string/],
      [line({ prompt: 'a', completions: [] }), /line 1: field 'completions': must hold at least one completion/],
      [line(['prompt', 'a']), /line 1: expected a JSON object/],
      ['\n\n', /holds no records/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const dir = await folder(`bad${i}`, { 'train.jsonl': text });
      const err = await loadDataToText(join(dir, 'train.jsonl'), 'jsonl').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message.startsWith(`${join(dir, 'train.jsonl')}: `)).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });
});
