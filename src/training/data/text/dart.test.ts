import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFolders } from '../../../../test/fixture-folders';
import { loadDataToText } from './data-to-text';

const folder = fixtureFolders('d2t-dart-');

const ENTRIES = [
  {
    tripleset: [
      ['Mars Hill College', 'JOINED', '1973'],
      ['Mars Hill College', 'LOCATION', 'Mars Hill, North Carolina'],
    ],
    subtree_was_extended: false,
    annotations: [
      { source: 'WikiTableQuestions_mturk', text: 'A school from Mars Hill, North Carolina, joined in 1973.' },
      { source: 'WikiTableQuestions_mturk', text: '  Mars Hill College   joined in 1973. ' },
    ],
  },
  { tripleset: [['[TABLECONTEXT]', '[TITLE]', 'Hawaii']], subtree_was_extended: true, annotations: [{ source: 'WikiSQL_decl_sents', text: 'Hawaii.' }] },
];

describe('DART', () => {
  it('reads the release file names; triples linearised like WebNLG; train one reference each', async () => {
    const dir = await folder('release', {
      'dart-v1.1.1-full-train.json': ENTRIES,
      'dart-v1.1.1-full-dev.json': ENTRIES,
      'dart-v1.1.1-full-test.json': ENTRIES.slice(1),
    });
    const ds = await loadDataToText(dir, 'auto');
    expect(ds.format).toBe('dart');
    expect(ds.notes).toEqual([]);
    const source0 = 'Mars Hill College | JOINED | 1973 && Mars Hill College | LOCATION | Mars Hill, North Carolina';
    expect(ds.train).toEqual([
      { id: 'dart-v1.1.1-full-train.json#0/1', source: source0, references: ['A school from Mars Hill, North Carolina, joined in 1973.'] },
      { id: 'dart-v1.1.1-full-train.json#0/2', source: source0, references: ['Mars Hill College joined in 1973.'] },
      { id: 'dart-v1.1.1-full-train.json#1', source: '[TABLECONTEXT] | [TITLE] | Hawaii', references: ['Hawaii.'] },
    ]);
    expect(ds.val.map((e) => e.references.length)).toEqual([2, 1]);
    expect(ds.test).toEqual([{ id: 'dart-v1.1.1-full-test.json#0', source: '[TABLECONTEXT] | [TITLE] | Hawaii', references: ['Hawaii.'] }]);
  });

  it('errors name the file, the entry and the field', async () => {
    const dir = await folder('bad', {
      'short.json': [ENTRIES[0], { tripleset: [['a', 'b']], annotations: [] }],
      'noann.json': [{ tripleset: [['a', 'b', 'c']] }],
      'blank.json': [{ tripleset: [['a', 'b', 'c']], annotations: [{ text: ' ' }] }],
      'object.json': { data: [] },
      'broken.json': '[{"tripleset": [',
    });
    await expect(loadDataToText(join(dir, 'short.json'), 'dart')).rejects.toThrow(`${join(dir, 'short.json')}: entry 1: field 'tripleset[0]': a triple must be [subject, predicate, object]`);
    await expect(loadDataToText(join(dir, 'noann.json'), 'dart')).rejects.toThrow(/noann\.json: entry 0: field 'annotations' is missing/);
    await expect(loadDataToText(join(dir, 'blank.json'), 'dart')).rejects.toThrow(/blank\.json: entry 0: field 'annotations' has no non-empty text/);
    await expect(loadDataToText(join(dir, 'object.json'), 'dart')).rejects.toThrow(/object\.json: expected a JSON list of entries \(DART\), got object/);
    await expect(loadDataToText(join(dir, 'broken.json'), 'dart')).rejects.toThrow(/broken\.json: not valid JSON/);
  });
});
