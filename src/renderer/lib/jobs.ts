/**
 * What the UI knows about a job (train, predict, evaluate, demo-data), derived only from the
 * engine's events and status: a job is 'running' until its done event says how it ended, or until
 * the engine's status shows it gone ('crashed' when the engine crashed, 'ended' when the job
 * vanished without a done event). Pure functions; state/jobs.svelte.ts holds the results.
 */
import type { EngineStatus, JobInfo } from '../../shared/api';
import type { EngineEvent } from '../../shared/events';

type Of<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

export type JobPhase = 'running' | 'stopping' | 'completed' | 'stopped' | 'failed' | 'crashed' | 'ended';

export interface JobView {
  info: JobInfo;
  /** statusTick() when this page learnt of the job (older status reports cannot end it). */
  knownSince: number;
  phase: JobPhase;
  runId?: string;
  error?: string;
  started?: Of<'started'>;
  step?: Of<'step'>;
  validation?: Of<'validation'>;
  bestValidation?: Of<'validation'>;
  progress?: Of<'progress'>;
  checkpoint?: Of<'checkpoint'>;
  dataset?: Of<'dataset'>;
  /** The latest log lines, newest last (bounded). */
  logs: Of<'log'>[];
  summary?: Record<string, unknown>;
  endedAt?: string;
}

const MAX_LOGS = 50;

export function isActive(j: Pick<JobView, 'phase'> | null | undefined): boolean {
  return j?.phase === 'running' || j?.phase === 'stopping';
}

let tick = 0;
/**
 * A page-local clock ordering status reports against jobs: an engine status requested (or
 * received) before the page learnt of a job says nothing about that job.
 */
export function statusTick(): number {
  return ++tick;
}

export function newJob(info: JobInfo, knownSince = statusTick()): JobView {
  return { info, knownSince, phase: 'running', runId: info.runId, logs: [] };
}

export function jobWithEvent(job: JobView, e: EngineEvent): JobView {
  const j: JobView = { ...job };
  switch (e.type) {
    case 'started':
      j.started = e;
      j.runId = e.runId;
      break;
    case 'dataset':
      j.dataset = e;
      break;
    case 'step':
      j.step = e;
      break;
    case 'validation':
      j.validation = e;
      if (e.best) j.bestValidation = e;
      break;
    case 'checkpoint':
      j.checkpoint = e;
      break;
    case 'progress':
      j.progress = e;
      break;
    case 'log':
      j.logs = [...job.logs.slice(-(MAX_LOGS - 1)), e];
      break;
    case 'done':
      j.phase = e.status;
      j.error = e.error;
      j.summary = e.summary;
      j.endedAt = e.time;
      break;
  }
  return j;
}

/**
 * The jobs after an engine status report: a crash ends every active job as 'crashed' with the
 * engine's reason; an active job the engine no longer runs has ended (its done event was lost);
 * the engine's current job is added if unknown (started elsewhere or before this page loaded).
 */
export function jobsWithStatus(
  jobs: Readonly<Record<string, JobView>>,
  status: EngineStatus,
  asOf: number = statusTick(),
): { jobs: Record<string, JobView>; ended: JobView[]; adopted: JobView | null } {
  const next: Record<string, JobView> = { ...jobs };
  const ended: JobView[] = [];
  const now = new Date().toISOString();
  for (const [id, j] of Object.entries(jobs)) {
    if (!isActive(j) || j.knownSince > asOf) continue;
    if (status.state === 'crashed') {
      next[id] = { ...j, phase: 'crashed', error: status.error ?? 'the engine process stopped without saying why', endedAt: now };
      ended.push(next[id]);
    } else if (status.state !== 'starting' && status.job?.jobId !== id) {
      next[id] = { ...j, phase: 'ended', endedAt: now };
      ended.push(next[id]);
    }
  }
  let adopted: JobView | null = null;
  if (status.state !== 'crashed' && status.job && !next[status.job.jobId]) {
    adopted = newJob(status.job, asOf);
    next[status.job.jobId] = adopted;
  }
  return { jobs: next, ended, adopted };
}

export function phaseLabel(phase: JobPhase): string {
  switch (phase) {
    case 'running':
      return 'running';
    case 'stopping':
      return 'stopping (finishing the step, checkpointing)';
    case 'ended':
      return 'ended (outcome not reported; see Runs)';
    case 'crashed':
      return 'crashed with the engine';
    default:
      return phase;
  }
}
