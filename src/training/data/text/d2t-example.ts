/**
 * What every data-to-text reader (./e2e.ts, ./webnlg.ts, ./dart.ts, ./jsonl.ts) returns, and the
 * helpers they share: the triple linearisation and finding a set's split files in a folder.
 *
 * An example is one input (`source`, already linearised to one line of text) with its reference
 * texts. Readers return each input once with all its references; loadDataToText (./data-to-text.ts)
 * then gives the train split one reference per example (a training target each), while val and
 * test keep all references for multi-reference BLEU, as E2E, WebNLG and DART are scored.
 */

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { DatasetError, fsDatasetError } from '../images/errors';

export const D2T_FORMATS = ['e2e', 'webnlg', 'dart', 'jsonl'] as const;
export type D2TFormat = (typeof D2T_FORMATS)[number];
export type D2TSplit = 'train' | 'val' | 'test';
export const D2T_SPLITS: readonly D2TSplit[] = ['train', 'val', 'test'];

export interface D2TExample {
  /** where it came from: '<file>:<line>' (CSV, JSONL) or '<file>#<entry>' (XML, JSON); train copies of a multi-reference input add '/<k>'. */
  id: string;
  /** the linearised input: an E2E MR as written, triples as `s | p | o && s | p | o`, a JSONL prompt. */
  source: string;
  /** one or more reference texts (never empty). */
  references: string[];
}

/**
 * Triples as one line: each `subject | predicate | object` (parts trimmed, inner whitespace
 * collapsed, entity spellings kept as the file has them, e.g. WebNLG's `Aarhus_Airport`), joined
 * with ' && ' in the file's order.
 */
export function lineariseTriples(triples: readonly (readonly string[])[]): string {
  return triples.map((t) => t.map((part) => collapse(part)).join(' | ')).join(' && ');
}

/** Trim and collapse runs of whitespace (newlines from pretty-printed XML included) to one space. */
export function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** "field 'annotations[0].text' is missing" from a zod error's first issue, for messages that name the field. */
export function describeZodIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const problem = issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is missing' : issue.message;
  if (!field) return problem;
  return problem.startsWith('is ') ? `field '${field}' ${problem}` : `field '${field}': ${problem}`;
}

/** One example per reference (ids get '/k' when an input has several): the train-split form. */
export function oneReferenceEach(examples: readonly D2TExample[]): D2TExample[] {
  const out: D2TExample[] = [];
  for (const e of examples) {
    if (e.references.length === 1) out.push(e);
    else e.references.forEach((r, k) => out.push({ id: `${e.id}/${k + 1}`, source: e.source, references: [r] }));
  }
  return out;
}

/** Which names a set's split files may have: patterns in order of preference, with a label for messages. */
export interface SplitFileNames {
  label: string; // e.g. 'E2E'
  names: Record<D2TSplit, { patterns: RegExp[]; shown: string }>;
}

export interface SplitFiles {
  files: Partial<Record<D2TSplit, string>>;
  notes: string[];
}

export async function listFolder(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsDatasetError(dir, err, 'folder');
  }
}

/**
 * The split files of a folder (top level only): for each split, the first pattern that matches
 * wins; two files matching the same pattern are an error (which one?); files that match a
 * later pattern are ignored with a note. The train split is required.
 */
export async function findSplitFiles(dir: string, spec: SplitFileNames): Promise<SplitFiles> {
  const names = (await listFolder(dir))
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .filter((n) => !n.startsWith('.'))
    .sort();
  const files: Partial<Record<D2TSplit, string>> = {};
  const notes: string[] = [];
  for (const split of D2T_SPLITS) {
    const { patterns, shown } = spec.names[split];
    let chosen: string | undefined;
    for (const re of patterns) {
      const hits = names.filter((n) => re.test(n));
      if (hits.length === 0) continue;
      if (chosen !== undefined) {
        notes.push(`${split}: ignored ${hits.join(', ')} (using ${chosen})`);
        continue;
      }
      if (hits.length > 1) throw new DatasetError(dir, `folder has several ${spec.label} ${split} files (${hits.join(', ')}): keep one, or pass the file itself`);
      chosen = hits[0];
    }
    if (chosen !== undefined) files[split] = join(dir, chosen);
    else if (split === 'train') throw new DatasetError(dir, `folder has no ${spec.label} training file (looked for ${shown})`);
    else notes.push(`no ${split === 'val' ? 'validation' : 'test'} file (looked for ${shown}): the ${split} split is empty`);
  }
  return { files, notes };
}
