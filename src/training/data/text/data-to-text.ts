/**
 * Data-to-text sets for SPDF fine-tuning (METHODS.md §1: E2E, WebNLG, DART, scored by BLEU), in
 * one form: examples of (linearised input, references) per split.
 *
 *   const ds = await loadDataToText('data/demo/e2e', 'auto');
 *   // { format: 'e2e', train: [{ id: 'trainset.csv:2', source: 'name[Japan], capital[Tokyo]', references: ['…'] }, …],
 *   //   val: […], test: […], notes: [] }
 *
 * - A folder holds a set under its official file names (see each reader: ./e2e.ts, ./webnlg.ts,
 *   ./dart.ts, ./jsonl.ts); its train file is required, a missing dev or test file leaves that
 *   split empty and says so in `notes`.
 * - A single file is the train split; val and test are then empty (also said in `notes`).
 * - train: one reference per example (an input with k references becomes k examples, ids '/1'..'/k'),
 *   each a training target. val and test: one example per input with all its references, for
 *   multi-reference BLEU.
 * - format 'auto': a file by its extension (.csv E2E, .xml WebNLG, .json DART, .jsonl JSONL); a
 *   folder by which set's train file it holds (trainset.csv…, dart-*-train.json…, train.jsonl),
 *   else WebNLG if it holds .xml files (train/ sub-folders); anything ambiguous is an error that
 *   asks for the format.
 * Every error names the file, and the line, entry or field (DatasetError).
 */

import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DatasetError, fsDatasetError } from '../images/errors';
import { readDartFile, DART_FILES } from './dart';
import { D2T_FORMATS, type D2TExample, type D2TFormat, type D2TSplit, type SplitFileNames, findSplitFiles, listFolder, oneReferenceEach } from './d2t-example';
import { E2E_FILES, readE2EFile } from './e2e';
import { JSONL_FILES, readJsonlFile } from './jsonl';
import { findWebNlgFiles, readWebNlgFile } from './webnlg';

export { D2T_FORMATS, type D2TExample, type D2TFormat, type D2TSplit } from './d2t-example';

export type D2TFormatOption = 'auto' | D2TFormat;

export interface D2TDataset {
  format: D2TFormat;
  train: D2TExample[];
  val: D2TExample[];
  test: D2TExample[];
  /** what was assumed or left out (missing splits, ignored files), for logs and the run card. */
  notes: string[];
}

const EXTENSION_FORMATS: Record<string, D2TFormat> = { '.csv': 'e2e', '.xml': 'webnlg', '.json': 'dart', '.jsonl': 'jsonl' };
const SPLIT_FILE_NAMES: Partial<Record<D2TFormat, SplitFileNames>> = { e2e: E2E_FILES, dart: DART_FILES, jsonl: JSONL_FILES };

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    throw fsDatasetError(path, err, 'data-to-text file or folder');
  }
}

/** The format of a file or folder (see the header for the rules). */
export async function detectDataToTextFormat(path: string): Promise<D2TFormat> {
  if (!(await isFolder(path))) {
    const format = EXTENSION_FORMATS[extname(path).toLowerCase()];
    if (!format) throw new DatasetError(path, `cannot tell the format from the extension '${extname(path)}' (.csv E2E, .xml WebNLG, .json DART, .jsonl JSONL): pass the format`);
    return format;
  }
  const entries = await listFolder(path);
  const names = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
  const found = (Object.keys(SPLIT_FILE_NAMES) as D2TFormat[]).filter((f) => names.some((n) => SPLIT_FILE_NAMES[f]!.names.train.patterns.some((re) => re.test(n))));
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new DatasetError(path, `folder holds training files of several formats (${found.join(', ')}): pass the format`);
  if (names.some((n) => /\.xml$/i.test(n)) || entries.some((e) => e.isDirectory())) return 'webnlg';
  const shown = (Object.values(SPLIT_FILE_NAMES) as SplitFileNames[]).map((s) => `${s.label}: ${s.names.train.shown}`).join('; ');
  throw new DatasetError(path, `cannot tell the data-to-text format: no training file (${shown}) and no WebNLG .xml files`);
}

async function readSplit(format: D2TFormat, path: string, split: D2TSplit, rel?: string): Promise<D2TExample[]> {
  switch (format) {
    case 'e2e':
      return readE2EFile(path, split);
    case 'webnlg':
      return readWebNlgFile(path, rel);
    case 'dart':
      return readDartFile(path);
    case 'jsonl':
      return readJsonlFile(path);
  }
}

export async function loadDataToText(path: string, format: D2TFormatOption = 'auto'): Promise<D2TDataset> {
  if (format !== 'auto' && !(D2T_FORMATS as readonly string[]).includes(format)) throw new Error(`loadDataToText: unknown format '${format}' (auto, ${D2T_FORMATS.join(', ')})`);
  const fmt = format === 'auto' ? await detectDataToTextFormat(path) : format;
  const splits: Record<D2TSplit, D2TExample[]> = { train: [], val: [], test: [] };
  const notes: string[] = [];
  if (!(await isFolder(path))) {
    splits.train = await readSplit(fmt, path, 'train');
    notes.push('a single file: it is the train split; val and test are empty (pass the folder with the dev/test files to validate on them)');
  } else if (fmt === 'webnlg') {
    const found = await findWebNlgFiles(path);
    notes.push(...found.notes);
    for (const split of ['train', 'val', 'test'] as const) {
      for (const rel of found.files[split]) splits[split].push(...(await readSplit(fmt, join(path, ...rel.split('/')), split, rel)));
    }
  } else {
    const found = await findSplitFiles(path, SPLIT_FILE_NAMES[fmt]!);
    notes.push(...found.notes);
    for (const split of ['train', 'val', 'test'] as const) {
      const file = found.files[split];
      if (file) splits[split] = await readSplit(fmt, file, split);
    }
  }
  return { format: fmt, train: oneReferenceEach(splits.train), val: splits.val, test: splits.test, notes };
}
