/**
 * Runs an experiment as a stored run: resolves and freezes the config (or reopens a run to
 * resume it from its newest checkpoint), writes config/card/status, stamps every event with its
 * time and appends it to metrics.jsonl, keeps the heartbeat, and ends with the final status and
 * summary.json. The CLI, the app's engine host and `frugal serve` all start runs through here.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stamp, type EngineEvent } from '../../shared/events';
import type { BackendReport } from '../backend/select';
import { listCheckpoints } from '../core/training-state';
import { resolveConfig } from '../experiments/config';
import { getExperiment } from '../experiments/registry';
import { createRun, openRun, type RunHandle } from './store';

export interface StartRunOptions {
  experimentId: string;
  preset?: string;
  overrides?: Record<string, unknown>;
  runsRoot: string;
  backend: BackendReport;
  signal: AbortSignal;
}

export interface ResumeRunOptions {
  /** Run id, unique id prefix, or folder. */
  run: string;
  runsRoot: string;
  backend: BackendReport;
  signal: AbortSignal;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  status: 'completed' | 'stopped' | 'failed';
  summary: Record<string, unknown>;
}

/** sha256 over the relative paths and sizes of the files under `dir` (two levels deep). */
export async function datasetFingerprint(dir: string): Promise<string | null> {
  const lines: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 2) await walk(p, depth + 1);
      else if (e.isFile()) lines.push(`${relative(dir, p)}\t${(await stat(p)).size}`);
    }
  };
  await walk(dir, 0);
  return lines.length ? `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex')}` : null;
}

export async function* startRun(opts: StartRunOptions): AsyncGenerator<EngineEvent, RunOutcome, void> {
  const exp = getExperiment(opts.experimentId);
  const config = resolveConfig(exp, { preset: opts.preset, overrides: opts.overrides });
  const data = typeof (config as { data?: unknown }).data === 'string' ? (config as { data: string }).data : undefined;
  const run = await createRun(opts.runsRoot, {
    experiment: exp.id,
    config,
    card: {
      backend: opts.backend,
      seed: (config as { seed?: number }).seed,
      preset: opts.preset ?? null,
      ...(data ? { dataset: { path: data, fingerprint: await datasetFingerprint(data) } } : {}),
    },
  });
  return yield* drive(run, exp.id, config, opts.backend, opts.signal, undefined);
}

export async function* resumeRun(opts: ResumeRunOptions): AsyncGenerator<EngineEvent, RunOutcome, void> {
  const run = await openRun(opts.runsRoot, opts.run);
  const status = run.readStatus();
  if (status.status === 'completed') throw new Error(`run ${run.id} already completed; nothing to resume`);
  const exp = getExperiment(status.experiment);
  const config = resolveConfig(exp, { overrides: JSON.parse(await readFile(join(run.dir, 'config.json'), 'utf8')) as Record<string, unknown> });
  // The newest checkpoint by step; at equal steps a regular one (it may be newer than a best).
  const ckpts = await listCheckpoints(run.checkpointsDir);
  const latest = [...ckpts].sort((a, b) => a.step - b.step || (a.kind === 'step' ? 1 : -1)).pop();
  if (!latest) throw new Error(`run ${run.id} has no checkpoint to resume from (it stopped before its first one); start a new run`);
  return yield* drive(run, exp.id, config, opts.backend, opts.signal, latest);
}

async function* drive(
  run: RunHandle,
  experimentId: string,
  config: Readonly<Record<string, unknown>>,
  backend: BackendReport,
  signal: AbortSignal,
  resumeFrom: { file: string; step: number } | undefined,
): AsyncGenerator<EngineEvent, RunOutcome, void> {
  const exp = getExperiment(experimentId);
  run.setStatus('running');
  const emit = (e: Parameters<typeof stamp>[0]): EngineEvent => {
    const ev = stamp(e);
    run.appendMetric(ev);
    return ev;
  };
  const totalSteps = (config.epochs as number | undefined) !== undefined && (config.stepsPerEpoch as number | undefined) !== undefined ? (config.epochs as number) * (config.stepsPerEpoch as number) : 0;
  yield emit({ type: 'started', runId: run.id, runDir: run.dir, experiment: experimentId, backend: backend.chosen, startStep: resumeFrom?.step ?? 0, totalSteps, ...(resumeFrom ? { resumedFrom: resumeFrom.file } : {}) });
  let lastStep = resumeFrom?.step ?? 0;
  try {
    const it = exp.run({ config, run, signal, backend, ...(resumeFrom ? { resumeFrom: resumeFrom.file } : {}) });
    let r = await it.next();
    while (!r.done) {
      if (r.value.type === 'step') {
        lastStep = r.value.step;
        run.heartbeat();
      }
      yield emit(r.value);
      r = await it.next();
    }
    const summary = { ...((r.value as Record<string, unknown> | undefined) ?? {}) };
    const status = summary.status === 'stopped' ? 'stopped' : 'completed';
    await run.writeSummary({ experiment: experimentId, ...summary, status });
    run.setStatus(status);
    yield emit({ type: 'done', status, step: lastStep, summary });
    return { runId: run.id, runDir: run.dir, status, summary };
  } catch (e) {
    const message = (e as Error).message;
    run.setStatus('failed', { error: message });
    yield emit({ type: 'done', status: 'failed', step: lastStep, error: message });
    throw e;
  }
}
