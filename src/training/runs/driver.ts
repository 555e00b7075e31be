/**
 * Runs an experiment as a stored run: resolves and freezes the config (or reopens a run to
 * resume it from its newest checkpoint), writes config/card/status, stamps every event with its
 * time and appends it to metrics.jsonl, keeps the heartbeat, and ends with the final status and
 * summary.json. The CLI, the app's engine host and `frugal serve` all start runs through here.
 *
 * Before the 'started' event: the backend the run trains on (runs/backend.ts: wasm for a
 * matMul-bound experiment on a cpu-only engine, then back to the engine's when the run ends) and
 * the experiment's plan (its number of updates, which may need the data loaded), so 'started'
 * and card.json say the backend that trains and the real total.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stamp, type EngineEvent } from '../../shared/events';
import type { BackendReport } from '../backend/select';
import { listCheckpoints } from '../core/training-state';
import { resolveConfig } from '../experiments/config';
import { getExperiment } from '../experiments/registry';
import type { Experiment, RunPlan } from '../experiments/experiment';
import { runBackend, type RunBackend } from './backend';
import { createRun, openRun, type RunHandle } from './store';

export interface StartRunOptions {
  experimentId: string;
  preset?: string;
  overrides?: Record<string, unknown>;
  runsRoot: string;
  /** The engine's backend; the run may move to another for its experiment (runs/backend.ts). */
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
  const backend = await runBackend(exp.backendPurpose ?? 'conv3d', opts.backend);
  let run: RunHandle;
  try {
    run = await createRun(opts.runsRoot, {
      experiment: exp.id,
      config,
      card: {
        backend: backend.report,
        seed: (config as { seed?: number }).seed,
        preset: opts.preset ?? null,
        ...(data ? { dataset: { path: data, fingerprint: await datasetFingerprint(data) } } : {}),
      },
    });
  } catch (e) {
    await backend.restore();
    throw e;
  }
  return yield* drive(run, exp, config, backend, opts.signal, undefined);
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
  return yield* drive(run, exp, config, await runBackend(exp.backendPurpose ?? 'conv3d', opts.backend), opts.signal, latest);
}

/** epochs × stepsPerEpoch when the config has both (BraTS), else 0 (unknown). */
function configTotalSteps(config: Readonly<Record<string, unknown>>): number {
  const { epochs, stepsPerEpoch } = config;
  return typeof epochs === 'number' && typeof stepsPerEpoch === 'number' ? epochs * stepsPerEpoch : 0;
}

async function* drive(
  run: RunHandle,
  exp: Experiment,
  config: Readonly<Record<string, unknown>>,
  backend: RunBackend,
  signal: AbortSignal,
  resumeFrom: { file: string; step: number } | undefined,
): AsyncGenerator<EngineEvent, RunOutcome, void> {
  try {
    return yield* driveOn(run, exp, config, backend, signal, resumeFrom);
  } finally {
    await backend.restore();
  }
}

async function* driveOn(
  run: RunHandle,
  exp: Experiment,
  config: Readonly<Record<string, unknown>>,
  backend: RunBackend,
  signal: AbortSignal,
  resumeFrom: { file: string; step: number } | undefined,
): AsyncGenerator<EngineEvent, RunOutcome, void> {
  const experimentId = exp.id;
  run.setStatus('running');
  const emit = (e: Parameters<typeof stamp>[0]): EngineEvent => {
    const ev = stamp(e);
    run.appendMetric(ev);
    return ev;
  };
  // A failed plan (e.g. data that cannot be read) is reported after 'started', like a failure in run().
  let plan: RunPlan<unknown> | null = null;
  let planError: unknown = null;
  try {
    plan = exp.plan ? await exp.plan(config) : null;
  } catch (e) {
    planError = e;
  }
  const totalSteps = plan?.totalSteps ?? configTotalSteps(config);
  yield emit({ type: 'started', runId: run.id, runDir: run.dir, experiment: experimentId, backend: backend.report.chosen, startStep: resumeFrom?.step ?? 0, totalSteps, ...(resumeFrom ? { resumedFrom: resumeFrom.file } : {}) });
  let lastStep = resumeFrom?.step ?? 0;
  try {
    if (planError !== null) throw planError;
    if (backend.note) yield emit({ type: 'log', level: 'info', message: backend.note });
    const it = exp.run({ config, run, signal, backend: backend.report, ...(resumeFrom ? { resumeFrom: resumeFrom.file } : {}), ...(plan ? { prepared: plan.prepared } : {}) });
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
