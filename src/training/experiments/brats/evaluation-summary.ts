/**
 * Records an evaluation in the run's summary.json: the existing summary (training numbers) is
 * kept and `evaluation` (which predictions, n, mean and median Dice/HD95) is replaced. One
 * function for every door (CLI `frugal evaluate`, the app's 'runs:evaluate').
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunHandle } from '../../runs/store';
import type { EvaluationResult } from './evaluate';

async function readSummary(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'summary.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {}; // no summary yet (a run that never finished): the evaluation starts one
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); not overwriting it with the evaluation`);
  }
}

/** Merges the evaluation into summary.json and returns the new summary. */
export async function recordEvaluation(run: Pick<RunHandle, 'dir' | 'writeSummary'>, result: EvaluationResult): Promise<Record<string, unknown>> {
  const summary = {
    ...(await readSummary(run.dir)),
    evaluation: { predictions: result.predictions, n: result.summary.n, mean: result.summary.mean, median: result.summary.median },
  };
  await run.writeSummary(summary);
  return summary;
}
