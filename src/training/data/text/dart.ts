/**
 * DART (Nan et al. 2021, "DART: Open-Domain Structured Data Record to Text Generation";
 * github.com/Yale-LILY/dart, data/v1.1.1/): a JSON list of entries
 *
 *   [{ "tripleset": [["Mars Hill College", "JOINED", "1973"], …],
 *      "subtree_was_extended": false,
 *      "annotations": [{ "source": "WikiTableQuestions_mturk", "text": "A school from Mars Hill …" }, …] }, …]
 *
 * - source = the triples, `s | p | o` joined with ' && ' (the same linearisation as WebNLG,
 *   ./d2t-example.ts); references = the annotations' `text` (empty texts are skipped; an entry
 *   left with none is an error). Other fields are ignored.
 * - Folder files, first match per split: dart-*-train.json | train.json, dart-*-dev.json |
 *   dev.json | val.json | valid.json, dart-*-test.json | test.json (the release names are
 *   dart-v1.1.1-full-{train,dev,test}.json).
 * Errors name the file, the entry (0-based index, as in the JSON list) and the field.
 */

import { basename } from 'node:path';
import { z } from 'zod';
import { DatasetError } from '../images/errors';
import { type D2TExample, type SplitFileNames, collapse, describeZodIssue, lineariseTriples } from './d2t-example';
import { readUtf8File } from './text-file';

export const DART_FILES: SplitFileNames = {
  label: 'DART',
  names: {
    train: { patterns: [/^dart.*-train\.json$/i, /^train\.json$/i], shown: 'dart-v1.1.1-full-train.json (dart-*-train.json) or train.json' },
    val: { patterns: [/^dart.*-dev\.json$/i, /^(dev|val|valid)\.json$/i], shown: 'dart-v1.1.1-full-dev.json (dart-*-dev.json), dev.json, val.json or valid.json' },
    test: { patterns: [/^dart.*-test\.json$/i, /^test\.json$/i], shown: 'dart-v1.1.1-full-test.json (dart-*-test.json) or test.json' },
  },
};

const entrySchema = z.object({
  tripleset: z.array(z.array(z.string()).length(3, { error: 'a triple must be [subject, predicate, object]' })).min(1, { error: 'must hold at least one triple' }),
  annotations: z.array(z.object({ text: z.string() })),
});


/** Parse a DART JSON file's text (`path` names it in errors). */
export function parseDartJson(text: string, path: string): D2TExample[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(path, `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(data)) throw new DatasetError(path, `expected a JSON list of entries (DART), got ${data === null ? 'null' : typeof data}`);
  if (data.length === 0) throw new DatasetError(path, 'the list of entries is empty');
  const file = basename(path);
  return data.map((raw, i) => {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) throw new DatasetError(path, `entry ${i}: ${describeZodIssue(parsed.error)}`);
    const references = parsed.data.annotations.map((a) => collapse(a.text)).filter((t) => t !== '');
    if (references.length === 0) throw new DatasetError(path, `entry ${i}: field 'annotations' has no non-empty text`);
    return { id: `${file}#${i}`, source: lineariseTriples(parsed.data.tripleset), references };
  });
}

export async function readDartFile(path: string): Promise<D2TExample[]> {
  return parseDartJson(await readUtf8File(path), path);
}
