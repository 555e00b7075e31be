import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFolders } from '../../../../test/fixture-folders';
import { lineariseTriples, oneReferenceEach } from './d2t-example';
import { detectDataToTextFormat, loadDataToText } from './data-to-text';

const folder = fixtureFolders('d2t-auto-');

describe('detectDataToTextFormat', () => {
  it('tells formats by extension (files) and by train-file names or .xml (folders)', async () => {
    const dir = await folder('kinds', {
      'e2e/trainset.csv': 'mr,ref\n',
      'dart/dart-v1.1.1-full-train.json': '[]',
      'jsonl/train.jsonl': '',
      'webnlg/train/1triples/a.xml': '<benchmark/>',
      'one/x.jsonl': '',
    });
    expect(await detectDataToTextFormat(join(dir, 'e2e'))).toBe('e2e');
    expect(await detectDataToTextFormat(join(dir, 'dart'))).toBe('dart');
    expect(await detectDataToTextFormat(join(dir, 'jsonl'))).toBe('jsonl');
    expect(await detectDataToTextFormat(join(dir, 'webnlg'))).toBe('webnlg');
    expect(await detectDataToTextFormat(join(dir, 'one/x.jsonl'))).toBe('jsonl');
    expect(await detectDataToTextFormat(join(dir, 'e2e/trainset.csv'))).toBe('e2e');
  });

  it('refuses ambiguous or unknown inputs and asks for the format', async () => {
    const dir = await folder('odd', { 'both/train.jsonl': '', 'both/trainset.csv': '', 'none/readme.txt': '', 'f/data.tsv': '' });
    await expect(detectDataToTextFormat(join(dir, 'both'))).rejects.toThrow(/both: folder holds training files of several formats \(e2e, jsonl\): pass the format/);
    await expect(detectDataToTextFormat(join(dir, 'none'))).rejects.toThrow(/none: cannot tell the data-to-text format: no training file \(E2E: trainset\.csv/);
    await expect(detectDataToTextFormat(join(dir, 'f/data.tsv'))).rejects.toThrow(/data\.tsv: cannot tell the format from the extension '\.tsv'/);
    await expect(loadDataToText(join(dir, 'missing'))).rejects.toThrow(/missing: data-to-text file or folder not found/);
    await expect(loadDataToText(join(dir, 'none'), 'xml' as never)).rejects.toThrow(/unknown format 'xml'/);
  });
});

describe('shared helpers', () => {
  it('linearises triples as "s | p | o" joined by " && ", whitespace collapsed', () => {
    expect(lineariseTriples([[' A ', 'b', 'C\n D'], ['E', 'f', 'G']])).toBe('A | b | C D && E | f | G');
  });

  it('gives train one reference per example', () => {
    const out = oneReferenceEach([
      { id: 'x', source: 's', references: ['r1', 'r2'] },
      { id: 'y', source: 't', references: ['r3'] },
    ]);
    expect(out).toEqual([
      { id: 'x/1', source: 's', references: ['r1'] },
      { id: 'x/2', source: 's', references: ['r2'] },
      { id: 'y', source: 't', references: ['r3'] },
    ]);
  });
});
