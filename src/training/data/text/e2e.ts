/**
 * The E2E NLG Challenge set (Novikova et al. 2017, "The E2E Dataset: New Challenges for End-to-End
 * Generation"; github.com/tuetschek/e2e-dataset) and its cleaned version (Dušek et al. 2019,
 * github.com/tuetschek/e2e-cleaning, folder cleaned-data/): CSV files with a header holding the
 * columns `mr` and `ref` (the cleaned files add `fixed` and `orig_mr`, ignored here), one
 * (meaning representation, reference) pair per row:
 *
 *   mr,ref
 *   "name[The Vaults], eatType[pub], near[Café Adriatic]","The Vaults pub near Café Adriatic ..."
 *
 * Folder files, first match per split (names compared case-insensitively):
 *   train  trainset.csv | train-fixed.no-ol.csv | train.csv
 *   val    devset.csv | devel-fixed.no-ol.csv | dev.csv | val.csv | valid.csv
 *   test   testset_w_refs.csv | test-fixed.csv | test.csv
 * (the original testset.csv has no references and is not read.)
 *
 * source = the MR string as written. Train keeps one example per row (each reference is a training
 * target, as E2E systems train); val and test group the rows with the same MR into one example
 * with all its references (E2E's dev and test MRs have ~8 each), in order of first appearance.
 * Errors name the file, the line and the column: "devset.csv: line 12: column 'ref' is empty".
 */

import { parse } from 'csv-parse/sync';
import { basename } from 'node:path';
import { DatasetError } from '../images/errors';
import type { D2TExample, D2TSplit, SplitFileNames } from './d2t-example';
import { readUtf8File } from './text-file';

export const E2E_FILES: SplitFileNames = {
  label: 'E2E',
  names: {
    train: { patterns: [/^trainset\.csv$/i, /^train-fixed\.no-ol\.csv$/i, /^train\.csv$/i], shown: 'trainset.csv, train-fixed.no-ol.csv or train.csv' },
    val: { patterns: [/^devset\.csv$/i, /^devel-fixed\.no-ol\.csv$/i, /^dev\.csv$/i, /^val\.csv$/i, /^valid\.csv$/i], shown: 'devset.csv, devel-fixed.no-ol.csv, dev.csv, val.csv or valid.csv' },
    test: { patterns: [/^testset_w_refs\.csv$/i, /^test-fixed\.csv$/i, /^test\.csv$/i], shown: 'testset_w_refs.csv, test-fixed.csv or test.csv' },
  },
};

interface CsvRow {
  record: Record<string, string>;
  info: { lines: number };
  raw: string;
}

/** Parse E2E CSV text (`path` names the file in errors). Train: one example per row; val/test: grouped by MR. */
export function parseE2ECsv(text: string, path: string, split: D2TSplit): D2TExample[] {
  let header: string[] = [];
  let rows: CsvRow[];
  try {
    rows = parse(text, {
      columns: (h: string[]) => (header = h.map((c) => c.trim().toLowerCase())),
      skip_empty_lines: true,
      info: true,
      raw: true,
    }) as unknown as CsvRow[];
  } catch (err) {
    throw new DatasetError(path, `not valid CSV: ${(err as Error).message}`, { cause: err });
  }
  if (header.length === 0) throw new DatasetError(path, 'file is empty (expected a header line `mr,ref`)');
  for (const col of ['mr', 'ref']) {
    if (!header.includes(col)) throw new DatasetError(path, `line 1: the header has no column '${col}' (it has ${header.map((h) => `'${h}'`).join(', ')}; E2E files start with \`mr,ref\`)`);
  }
  if (rows.length === 0) throw new DatasetError(path, 'has a header but no rows');
  const file = basename(path);
  const examples: D2TExample[] = [];
  const byMr = new Map<string, D2TExample>();
  for (const { record, info, raw } of rows) {
    // info.lines is the record's last line; a quoted field may span lines.
    const line = info.lines - (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
    for (const col of ['mr', 'ref']) {
      if (record[col].trim() === '') throw new DatasetError(path, `line ${line}: column '${col}' is empty`);
    }
    const mr = record.mr.trim();
    const ref = record.ref.trim();
    if (split === 'train') {
      examples.push({ id: `${file}:${line}`, source: mr, references: [ref] });
      continue;
    }
    const seen = byMr.get(mr);
    if (seen) seen.references.push(ref);
    else {
      const e: D2TExample = { id: `${file}:${line}`, source: mr, references: [ref] };
      byMr.set(mr, e);
      examples.push(e);
    }
  }
  return examples;
}

export async function readE2EFile(path: string, split: D2TSplit): Promise<D2TExample[]> {
  return parseE2ECsv(await readUtf8File(path), path, split);
}
