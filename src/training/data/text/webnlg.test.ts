import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataToText } from './data-to-text';
import { webNlgSplitOf } from './webnlg';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'd2t-webnlg-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<string> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** A WebNLG file of entries, each [eid, mtriples, lex elements as XML]. */
function benchmark(entries: [string, string[], string][]): string {
  const body = entries
    .map(
      ([eid, triples, lex]) => `    <entry category="Airport" eid="${eid}" shape="(X (X))" shape_type="NA" size="${triples.length}">
      <originaltripleset>
        <otriple>ignored | x | y</otriple>
      </originaltripleset>
      <modifiedtripleset>
${triples.map((t) => `        <mtriple>${t}</mtriple>`).join('\n')}
      </modifiedtripleset>
      ${lex}
    </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" ?>\n<benchmark>\n  <entries>\n${body}\n  </entries>\n</benchmark>\n`;
}

const AARHUS = benchmark([
  [
    'Id1',
    ['Aarhus_Airport | cityServed | "Aarhus, Denmark"'],
    `<lex comment="good" lid="Id1" lang="en">The Aarhus is the airport of
        Aarhus, Denmark.</lex>
      <lex comment="good" lid="Id2" lang="en">Aarhus Airport serves the city of Aarhus, Denmark &amp; more.</lex>
      <lex comment="good" lid="Id3" lang="ru">Аэропорт Орхус обслуживает город Орхус.</lex>`,
  ],
  ['Id2', ['Mars_Hill_College | joined | 1973', 'Mars_Hill_College | location | Mars_Hill,_North_Carolina'], '<lex lid="Id1"><sortedtripleset/><text>Mars Hill College joined in 1973.</text><template>AGENT-1 joined in PATIENT-1.</template></lex>'],
]);

describe('WebNLG', () => {
  it('reads v3.0-style folders: triples linearised with " && ", English lex texts, splits from folder names', async () => {
    await put('v3/en/train/1triples/Airport.xml', AARHUS);
    await put('v3/en/train/2triples/Airport.xml', benchmark([['Id1', ['A | b | C', 'A | d | E'], '<lex lid="Id1" lang="en">A b C, A d E.</lex>']]));
    await put('v3/en/dev/1triples/Airport.xml', AARHUS);
    await put('v3/en/test/rdf-to-text-generation-test-data-with-refs-en.xml', AARHUS);
    await put('v3/en/test/rdf-to-text-generation-test-data-without-refs-en.xml', benchmark([['Id1', ['A | b | C'], '']]));
    await put('v3/en/test/semantic-parsing-test-data-with-refs-en.xml', AARHUS);
    const ds = await loadDataToText(join(root, 'v3/en'), 'auto');
    expect(ds.format).toBe('webnlg');
    // train: entry Id1 has 2 English references → 2 examples; Id2 1; the 2-triple file 1
    expect(ds.train.map((e) => e.id)).toEqual(['train/1triples/Airport.xml#Id1/1', 'train/1triples/Airport.xml#Id1/2', 'train/1triples/Airport.xml#Id2', 'train/2triples/Airport.xml#Id1']);
    expect(ds.train[0]).toEqual({ id: 'train/1triples/Airport.xml#Id1/1', source: 'Aarhus_Airport | cityServed | "Aarhus, Denmark"', references: ['The Aarhus is the airport of Aarhus, Denmark.'] });
    expect(ds.train[1].references).toEqual(['Aarhus Airport serves the city of Aarhus, Denmark & more.']);
    expect(ds.train[2]).toEqual({
      id: 'train/1triples/Airport.xml#Id2',
      source: 'Mars_Hill_College | joined | 1973 && Mars_Hill_College | location | Mars_Hill,_North_Carolina',
      references: ['Mars Hill College joined in 1973.'],
    });
    expect(ds.train[3].source).toBe('A | b | C && A | d | E');
    expect(ds.val.map((e) => [e.id, e.references.length])).toEqual([
      ['dev/1triples/Airport.xml#Id1', 2],
      ['dev/1triples/Airport.xml#Id2', 1],
    ]);
    expect(ds.test.map((e) => e.id)).toEqual(['test/rdf-to-text-generation-test-data-with-refs-en.xml#Id1', 'test/rdf-to-text-generation-test-data-with-refs-en.xml#Id2']);
    expect(ds.notes).toEqual([
      'test: read only test/rdf-to-text-generation-test-data-with-refs-en.xml (the complete test set with references); ignored test/rdf-to-text-generation-test-data-without-refs-en.xml, test/semantic-parsing-test-data-with-refs-en.xml',
    ]);
  });

  it('takes the folder passed as the split when nothing below names one (e.g. en/train alone)', async () => {
    const ds = await loadDataToText(join(root, 'v3/en/train'), 'webnlg');
    expect(ds.train.map((e) => e.id)).toEqual(['1triples/Airport.xml#Id1/1', '1triples/Airport.xml#Id1/2', '1triples/Airport.xml#Id2', '2triples/Airport.xml#Id1']);
    expect(ds.val).toEqual([]);
    expect(ds.notes).toEqual(['no dev files (under dev/ or named with dev): the val split is empty', 'no test files (under test/ or named with test): the test split is empty']);
  });

  it('tells splits from folder names first, then file-name words, then the folder passed', () => {
    expect(webNlgSplitOf('train/1triples/Airport.xml')).toBe('train');
    expect(webNlgSplitOf('webnlg/dev/x.xml')).toBe('val');
    expect(webNlgSplitOf('1triples/webnlg_test.xml')).toBe('test');
    expect(webNlgSplitOf('1triples/contest.xml')).toBeUndefined(); // 'test' inside a word does not count
  });

  it('errors name the file and the entry', async () => {
    const noLex = await put('bad/train_nolex.xml', benchmark([['Id1', ['A | b | C'], '<lex lang="en">ok</lex>'], ['Id7', ['A | b | C'], '<lex lang="ru">только</lex>']]));
    await expect(loadDataToText(noLex, 'webnlg')).rejects.toThrow(`${noLex}: entry 2 (eid Id7): no English <lex> text`);
    const badTriple = await put('bad/train_triple.xml', benchmark([['Id3', ['A | b'], '<lex>x</lex>']]));
    await expect(loadDataToText(badTriple, 'webnlg')).rejects.toThrow(`${badTriple}: entry 1 (eid Id3): mtriple 1 'A | b' is not 'subject | predicate | object'`);
    const broken = await put('bad/train_broken.xml', '<benchmark><entries><entry eid="1"></entries></benchmark>');
    await expect(loadDataToText(broken, 'webnlg')).rejects.toThrow(/train_broken\.xml: not well-formed XML: line 1, column \d+: Expected closing tag 'entry'/);
    const other = await put('bad/train_other.xml', '<root><a/></root>');
    await expect(loadDataToText(other, 'webnlg')).rejects.toThrow(/train_other\.xml: not a WebNLG file: no <benchmark><entries> element/);
    await put('nosplit/misc/data.xml', AARHUS);
    await expect(loadDataToText(join(root, 'nosplit'), 'webnlg')).rejects.toThrow(/misc\/data\.xml: cannot tell its split/);
  });
});
