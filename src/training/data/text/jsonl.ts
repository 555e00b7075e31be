/**
 * Prompt → completion pairs as JSON Lines, for any text-to-text task without an official format:
 * one JSON object per line, blank lines skipped,
 *
 *   {"prompt": "name[Alimentum], area[city centre]", "completion": "Alimentum is in the city centre."}
 *   {"prompt": "…", "completions": ["first reference", "second reference"]}
 *
 * source = `prompt` (as written); references = [`completion`] or `completions` (exactly one of the
 * two; non-empty strings). Other keys are ignored. Folder files: train.jsonl; val.jsonl |
 * valid.jsonl | dev.jsonl | validation.jsonl; test.jsonl. Errors name the file, the line (1-based,
 * counting blank lines) and the field.
 */

import { basename } from 'node:path';
import { z } from 'zod';
import { DatasetError } from '../images/errors';
import { type D2TExample, type SplitFileNames, describeZodIssue } from './d2t-example';
import { readUtf8File } from './text-file';

export const JSONL_FILES: SplitFileNames = {
  label: 'JSONL',
  names: {
    train: { patterns: [/^train\.jsonl$/i], shown: 'train.jsonl' },
    val: { patterns: [/^val\.jsonl$/i, /^valid\.jsonl$/i, /^dev\.jsonl$/i, /^validation\.jsonl$/i], shown: 'val.jsonl, valid.jsonl, dev.jsonl or validation.jsonl' },
    test: { patterns: [/^test\.jsonl$/i], shown: 'test.jsonl' },
  },
};

const nonEmpty = z.string().refine((s) => s.trim() !== '', { error: 'is an empty string' });
const recordSchema = z.object({
  prompt: nonEmpty,
  completion: nonEmpty.optional(),
  completions: z.array(nonEmpty).min(1, { error: 'must hold at least one completion' }).optional(),
});


/** Parse JSONL text (`path` names the file in errors). */
export function parseJsonl(text: string, path: string): D2TExample[] {
  const file = basename(path);
  const out: D2TExample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(path, `${where}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new DatasetError(path, `${where}: expected a JSON object {"prompt": …, "completion": …}`);
    const parsed = recordSchema.safeParse(obj);
    if (!parsed.success) throw new DatasetError(path, `${where}: ${describeZodIssue(parsed.error)}`);
    const { prompt, completion, completions } = parsed.data;
    if ((completion === undefined) === (completions === undefined)) {
      throw new DatasetError(path, `${where}: needs exactly one of the fields 'completion' (a string) and 'completions' (a list of strings)`);
    }
    out.push({ id: `${file}:${i + 1}`, source: prompt, references: completions ?? [completion as string] });
  });
  if (out.length === 0) throw new DatasetError(path, 'holds no records (every line is blank)');
  return out;
}

export async function readJsonlFile(path: string): Promise<D2TExample[]> {
  return parseJsonl(await readUtf8File(path), path);
}
