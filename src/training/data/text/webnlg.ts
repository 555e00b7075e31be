/**
 * WebNLG (Gardent et al. 2017, "Creating Training Corpora for NLG Micro-Planners"; the 2017
 * challenge data and the 2020 challenge's release v3.0, gitlab.com/shimorina/webnlg-dataset):
 * XML files of DBpedia triple sets with crowd-written texts,
 *
 *   <benchmark><entries>
 *     <entry category="Airport" eid="Id1" size="1">
 *       <originaltripleset><otriple>…</otriple></originaltripleset>
 *       <modifiedtripleset><mtriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"</mtriple></modifiedtripleset>
 *       <lex comment="good" lid="Id1" lang="en">The Aarhus is the airport of Aarhus, Denmark.</lex>
 *     </entry>
 *   </entries></benchmark>
 *
 * - source = the modified triples, `s | p | o` joined with ' && ' (./d2t-example.ts lineariseTriples;
 *   entity spellings such as `Aarhus_Airport` and quoted literals kept as written).
 * - references = the English lex texts: lex elements without a `lang` attribute or with lang="en"
 *   (v3.0's Russian files also hold the English texts), their own text or, in the enriched
 *   WebNLG's form, their <text> child; whitespace collapsed. An entry without one is an error.
 * - A folder is walked recursively for .xml files; a file's split is the first folder on its path
 *   named train, dev/val/valid/validation or test (the releases' layout: train/1triples/…,
 *   dev/…, test/…), else a word train/dev/test in its file name, else the name of the folder passed
 *   (so `…/en/dev` alone is a dev set); a file with none of these is an error.
 *   In the test split, when the complete reference file is there (v3.0
 *   rdf-to-text-generation-test-data-with-refs-en.xml, 2017 testdata_with_lex.xml) only it is read:
 *   the other test files (without references, subsets, semantic-parsing data) repeat its entries.
 * Errors name the file and the entry (1-based position and eid).
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '../images/errors';
import { type D2TExample, type D2TSplit, collapse, lineariseTriples, listFolder } from './d2t-example';
import { readUtf8File } from './text-file';

/** The complete test files with references, in preference order. */
const FULL_TEST_FILES = [/^rdf-to-text-generation-test-data-with-refs-en\.xml$/i, /^testdata_with_lex\.xml$/i];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false, // '1973' stays a string
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'entry' || name === 'modifiedtripleset' || name === 'mtriple' || name === 'lex' || name === 'text',
});

type XmlNode = string | { '#text'?: string; text?: XmlNode[]; [k: string]: unknown };

function textOf(node: XmlNode | undefined): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (node['#text'] !== undefined) return String(node['#text']);
  if (Array.isArray(node.text)) return node.text.map(textOf).join(' ');
  return '';
}

/** Parse one WebNLG XML file's text (`path` names it in errors; `rel` prefixes the ids). */
export function parseWebNlgXml(xml: string, path: string, rel = basename(path)): D2TExample[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new DatasetError(path, `not well-formed XML: line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as { benchmark?: { entries?: { entry?: Record<string, unknown>[] } | string } };
  const entries = typeof doc.benchmark?.entries === 'object' ? doc.benchmark.entries.entry : undefined;
  if (!doc.benchmark || doc.benchmark.entries === undefined) throw new DatasetError(path, 'not a WebNLG file: no <benchmark><entries> element');
  if (!entries || entries.length === 0) throw new DatasetError(path, 'has no <entry> elements');
  return entries.map((entry, i) => {
    const eid = entry['@_eid'] as string | undefined;
    const where = `entry ${i + 1}${eid !== undefined ? ` (eid ${eid})` : ''}`;
    const sets = entry.modifiedtripleset as { mtriple?: XmlNode[] }[] | undefined;
    const mtriples = sets?.[0]?.mtriple;
    if (!mtriples || mtriples.length === 0) throw new DatasetError(path, `${where}: no <modifiedtripleset><mtriple> element`);
    const triples = mtriples.map((m, j) => {
      const t = collapse(textOf(m));
      const parts = t.split('|');
      if (parts.length < 3) throw new DatasetError(path, `${where}: mtriple ${j + 1} '${t}' is not 'subject | predicate | object'`);
      return [parts[0], parts[1], parts.slice(2).join('|')];
    });
    const lexes = (entry.lex as XmlNode[] | undefined) ?? [];
    const references = lexes
      .filter((l) => typeof l === 'string' || l['@_lang'] === undefined || l['@_lang'] === 'en')
      .map((l) => collapse(textOf(l)))
      .filter((s) => s !== '');
    if (references.length === 0) throw new DatasetError(path, `${where}: no English <lex> text (a test file without references?)`);
    return { id: `${rel}#${eid ?? i + 1}`, source: lineariseTriples(triples), references };
  });
}

export async function readWebNlgFile(path: string, rel?: string): Promise<D2TExample[]> {
  return parseWebNlgXml(await readUtf8File(path), path, rel);
}

const SPLIT_DIRS: [RegExp, D2TSplit][] = [
  [/^train$/i, 'train'],
  [/^(dev|val|valid|validation)$/i, 'val'],
  [/^test$/i, 'test'],
];
const SPLIT_WORDS: [RegExp, D2TSplit][] = [
  [/(^|[^a-z])train([^a-z]|$)/i, 'train'],
  [/(^|[^a-z])(dev|val|valid|validation)([^a-z]|$)/i, 'val'],
  [/(^|[^a-z])test([^a-z]|$)/i, 'test'],
];

/** The split of a file from its path relative to the dataset folder, or undefined. */
export function webNlgSplitOf(rel: string): D2TSplit | undefined {
  const parts = rel.split('/');
  for (const dir of parts.slice(0, -1)) for (const [re, split] of SPLIT_DIRS) if (re.test(dir)) return split;
  const name = parts[parts.length - 1].replace(/\.xml$/i, '');
  for (const [re, split] of SPLIT_WORDS) if (re.test(name)) return split;
  return undefined;
}

async function walkXml(root: string, rel: string, out: string[]): Promise<void> {
  const entries = (await listFolder(rel === '' ? root : join(root, rel))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    const st = e.isSymbolicLink() ? await stat(join(root, childRel)).catch(() => null) : e;
    if (st?.isDirectory()) await walkXml(root, childRel, out);
    else if (st?.isFile() && /\.xml$/i.test(e.name)) out.push(childRel);
  }
}

/** The .xml files under `dir` (relative, '/'-separated, name order) by split, plus notes. */
export async function findWebNlgFiles(dir: string): Promise<{ files: Record<D2TSplit, string[]>; notes: string[] }> {
  const all: string[] = [];
  await walkXml(dir, '', all);
  if (all.length === 0) throw new DatasetError(dir, 'folder holds no .xml files (WebNLG)');
  const files: Record<D2TSplit, string[]> = { train: [], val: [], test: [] };
  const own = webNlgSplitOf(`${basename(dir)}/x`); // the folder itself may be e.g. en/train
  for (const rel of all) {
    const split = webNlgSplitOf(rel) ?? own;
    if (!split) {
      throw new DatasetError(join(dir, rel), 'cannot tell its split: put it under a folder named train, dev or test, or name it with train, dev or test');
    }
    files[split].push(rel);
  }
  const notes: string[] = [];
  for (const re of FULL_TEST_FILES) {
    const full = files.test.filter((rel) => re.test(basename(rel)));
    if (full.length !== 1) continue;
    const others = files.test.filter((rel) => rel !== full[0]);
    if (others.length > 0) notes.push(`test: read only ${full[0]} (the complete test set with references); ignored ${others.join(', ')}`);
    files.test = full;
    break;
  }
  if (files.train.length === 0) throw new DatasetError(dir, `folder has no WebNLG training file (no .xml under a train/ folder or named with 'train'; found ${all.slice(0, 5).join(', ')}${all.length > 5 ? ', …' : ''})`);
  if (files.val.length === 0) notes.push('no dev files (under dev/ or named with dev): the val split is empty');
  if (files.test.length === 0) notes.push('no test files (under test/ or named with test): the test split is empty');
  return { files, notes };
}
