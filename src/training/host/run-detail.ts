/**
 * 'runs:list' and 'runs:get' as the app sees them: the run store's listing in the contract's
 * shape, and one run's config, card, summary, stored events (metrics.jsonl) and prediction
 * folders (their manifest, and whether they have been evaluated).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunDetail, RunListItem } from '../../shared/api';
import { EngineEvent } from '../../shared/events';
import type { PredictionManifest } from '../experiments/brats/predict';
import { runPaths } from '../runs/paths';
import { effectiveStatus, listRuns, openRun, readMetrics } from '../runs/store';

const isRecord = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export async function listRunItems(runsRoot: string): Promise<RunListItem[]> {
  return (await listRuns(runsRoot)).map((r) => ({
    id: r.id,
    dir: r.dir,
    experiment: r.experiment,
    status: r.status,
    startedAt: r.startedAt,
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    ...(isRecord(r.summary) ? { summary: r.summary } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  }));
}

async function readJsonRecord(file: string, what: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the run's ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!isRecord(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new Error(`the run's ${what} ${file} is not valid: ${(e as Error).message}`);
  }
}

async function listPredictions(dir: string): Promise<RunDetail['predictions']> {
  const root = runPaths(dir).predictions;
  const names = await readdir(root).catch(() => [] as string[]);
  const out: RunDetail['predictions'] = [];
  for (const name of names.sort()) {
    const folder = join(root, name);
    let m: PredictionManifest;
    try {
      m = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as PredictionManifest;
    } catch {
      continue; // no manifest: a prediction still being written, or one that crashed
    }
    out.push({
      dir: folder,
      name,
      createdAt: m.createdAt,
      data: m.data,
      checkpoint: m.checkpoint,
      cases: m.cases.map((c) => ({ id: c.id, file: c.file, source: c.source })),
      evaluated: existsSync(join(folder, 'evaluation.json')),
    });
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** One run by id, unique id prefix or folder. */
export async function getRunDetail(runsRoot: string, runId: string): Promise<RunDetail> {
  const run = await openRun(runsRoot, runId);
  const paths = runPaths(run.dir);
  let status: RunDetail['status'];
  try {
    status = effectiveStatus(run.readStatus());
  } catch {
    status = 'unreadable';
  }
  // Lines that are not events of the current contract (older runs) are left out, not fatal.
  const events = (await readMetrics(run.dir)).flatMap((raw) => {
    const r = EngineEvent.safeParse(raw);
    return r.success ? [r.data] : [];
  });
  return {
    id: run.id,
    dir: run.dir,
    status,
    config: (await readJsonRecord(paths.config, 'config')) ?? {},
    card: (await readJsonRecord(paths.card, 'card')) ?? {},
    summary: await readJsonRecord(paths.summary, 'summary'),
    events,
    predictions: await listPredictions(run.dir),
  };
}
