import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFolders } from '../../../../test/fixture-folders';
import { loadDataToText } from './data-to-text';

const folder = fixtureFolders('d2t-e2e-');

const MR1 = 'name[The Vaults], eatType[pub], near[Café Adriatic]';
const MR2 = 'name[Alimentum], area[city centre]';
const TRAIN = `mr,ref\r\n"${MR1}","The Vaults pub is near Café Adriatic."\r\n"${MR1}","Near Café Adriatic is a pub, ""The Vaults""."\r\n"${MR2}",Alimentum is in the city centre.\r\n`;
const DEV = `mr,ref\n"${MR2}",Alimentum is in the city centre.\n"${MR1}",The Vaults is a pub.\n\n"${MR2}","Alimentum is a
place in the city centre."\n"${MR1}",The Vaults pub is near Café Adriatic.\n"${MR2}",In the city centre: Alimentum.\n`;

describe('E2E', () => {
  it('reads the official file names: train one example per row, dev/test grouped by MR with all references', async () => {
    const dir = await folder('official', { 'trainset.csv': TRAIN, 'devset.csv': DEV, 'testset_w_refs.csv': DEV, 'testset.csv': 'MR\n"x"\n' });
    const ds = await loadDataToText(dir, 'auto');
    expect(ds.format).toBe('e2e');
    expect(ds.notes).toEqual([]);
    expect(ds.train).toEqual([
      { id: 'trainset.csv:2', source: MR1, references: ['The Vaults pub is near Café Adriatic.'] },
      { id: 'trainset.csv:3', source: MR1, references: ['Near Café Adriatic is a pub, "The Vaults".'] },
      { id: 'trainset.csv:4', source: MR2, references: ['Alimentum is in the city centre.'] },
    ]);
    // 5 dev rows (one spanning lines 5–6, after a blank line 4) → 2 MRs with 3 and 2 references, in order of first appearance
    expect(ds.val).toEqual([
      { id: 'devset.csv:2', source: MR2, references: ['Alimentum is in the city centre.', 'Alimentum is a\nplace in the city centre.', 'In the city centre: Alimentum.'] },
      { id: 'devset.csv:3', source: MR1, references: ['The Vaults is a pub.', 'The Vaults pub is near Café Adriatic.'] },
    ]);
    expect(ds.test.map((e) => e.id)).toEqual(['testset_w_refs.csv:2', 'testset_w_refs.csv:3']);
  });

  it('reads the cleaned E2E names (extra columns ignored) and notes missing splits', async () => {
    const cleaned = `mr,ref,fixed,orig_mr\n"${MR2}",Alimentum is central.,0,"${MR2}"\n`;
    const dir = await folder('cleaned', { 'train-fixed.no-ol.csv': cleaned, 'devel-fixed.no-ol.csv': cleaned });
    const ds = await loadDataToText(dir, 'e2e');
    expect(ds.train).toEqual([{ id: 'train-fixed.no-ol.csv:2', source: MR2, references: ['Alimentum is central.'] }]);
    expect(ds.val).toHaveLength(1);
    expect(ds.test).toEqual([]);
    expect(ds.notes).toEqual(['no test file (looked for testset_w_refs.csv, test-fixed.csv or test.csv): the test split is empty']);
  });

  it('a single file is the train split, said in the notes', async () => {
    const dir = await folder('single', { 'devset.csv': DEV });
    const ds = await loadDataToText(join(dir, 'devset.csv'), 'auto');
    expect(ds.train).toHaveLength(5); // one per row, even though it is a dev file
    expect(ds.val).toEqual([]);
    expect(ds.notes[0]).toMatch(/single file: it is the train split/);
  });

  it('errors name the file, the line and the column', async () => {
    const dir = await folder('bad', {
      'devset.csv': `mr,ref\n"${MR1}",fine\n"${MR2}",  \n`,
      'header.csv': `meaning,text\n"${MR1}",fine\n`,
      'quote.csv': `mr,ref\n"${MR1}","unterminated\n`,
      'columns.csv': `mr,ref\n"${MR1}",a,b\n`,
      'multi.csv': 'mr,ref\n"a","x\ny"\n"  ","z\nw"\n', // the second record spans lines 4–5
    });
    await expect(loadDataToText(join(dir, 'multi.csv'), 'e2e')).rejects.toThrow(/multi\.csv: line 4: column 'mr' is empty/);
    await expect(loadDataToText(join(dir, 'devset.csv'), 'e2e')).rejects.toThrow(`${join(dir, 'devset.csv')}: line 3: column 'ref' is empty`);
    await expect(loadDataToText(join(dir, 'header.csv'), 'e2e')).rejects.toThrow(/header\.csv: line 1: the header has no column 'mr' \(it has 'meaning', 'text'/);
    await expect(loadDataToText(join(dir, 'quote.csv'), 'e2e')).rejects.toThrow(/quote\.csv: not valid CSV: Quote Not Closed.*line 2/);
    await expect(loadDataToText(join(dir, 'columns.csv'), 'e2e')).rejects.toThrow(/columns\.csv: not valid CSV: Invalid Record Length.*line 2/);
    await expect(loadDataToText(await folder('notrain', { 'devset.csv': DEV }), 'e2e')).rejects.toThrow(/notrain: folder has no E2E training file \(looked for trainset\.csv, train-fixed\.no-ol\.csv or train\.csv\)/);
  });
});
