/**
 * Every job this page knows of (started here, or found running in the engine), kept current from
 * 'engine:event' and the engine's status only: a stopped, failed or crashed job shows as such as
 * soon as the engine says so (lib/jobs.ts). Training jobs carry live curves.
 */
import { createContext } from 'svelte';
import type { EngineStatus, FrugalApi, JobInfo } from '../../shared/api';
import type { EngineEvent } from '../../shared/events';
import { errorMessage } from '../lib/errors';
import { isActive, type JobView, jobsWithStatus, jobWithEvent, newJob } from '../lib/jobs';
import { LiveCurves } from './curves.svelte';
import type { EngineState } from './engine.svelte';

// Events of a job not known yet (they can beat the invoke's answer); bounded.
const MAX_EARLY_EVENTS = 2000;

export class JobsState {
  jobs = $state.raw<Record<string, JobView>>({});
  stopError = $state<string | null>(null);

  /** The engine runs one job at a time: the active one, if any. */
  active = $derived(Object.values(this.jobs).find(isActive) ?? null);
  /** The newest training job (what the Train view shows). */
  latestTrain = $derived(
    Object.values(this.jobs)
      .filter((j) => j.info.kind === 'train')
      .sort((a, b) => b.info.startedAt.localeCompare(a.info.startedAt))[0] ?? null,
  );

  private readonly curves = new Map<string, LiveCurves>();
  private readonly early = new Map<string, EngineEvent[]>();
  private readonly endedListeners = new Set<(j: JobView) => void>();

  constructor(
    private readonly api: FrugalApi,
    private readonly engine: EngineState,
  ) {}

  connect(): () => void {
    const offs = [
      this.api.on('engine:event', ({ jobId, event }) => this.apply(jobId, event)),
      this.engine.onStatus((s, asOf) => this.applyStatus(s, asOf)),
    ];
    if (this.engine.status) this.applyStatus(this.engine.status, 0);
    return () => offs.forEach((off) => off());
  }

  /** Called once per job when it stops being active (done, crashed or vanished). */
  onEnded(listener: (j: JobView) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  curvesOf(jobId: string | null | undefined): LiveCurves | null {
    return (jobId && this.curves.get(jobId)) || null;
  }

  jobOfRun(runId: string): JobView | null {
    return Object.values(this.jobs).find((j) => j.runId === runId && isActive(j)) ?? null;
  }

  /** A job this page started (the invoke's answer), or the engine's current one. */
  track(info: JobInfo): JobView {
    const known = this.jobs[info.jobId];
    if (known) {
      if (!known.runId && info.runId) this.jobs = { ...this.jobs, [info.jobId]: { ...known, runId: info.runId } };
      return this.jobs[info.jobId];
    }
    this.add(newJob(info));
    return this.jobs[info.jobId];
  }

  async stop(jobId: string): Promise<void> {
    this.stopError = null;
    try {
      const { stopping } = await this.api.invoke('jobs:stop', { jobId });
      const j = this.jobs[jobId];
      if (stopping && j && j.phase === 'running') this.jobs = { ...this.jobs, [jobId]: { ...j, phase: 'stopping' } };
      if (!stopping) await this.engine.refresh(); // not running any more: let the status say how it ended
    } catch (e) {
      this.stopError = errorMessage(e);
    }
  }

  private add(job: JobView): void {
    const id = job.info.jobId;
    if (job.info.kind === 'train') {
      const c = new LiveCurves();
      this.curves.set(id, c);
      // Resumed runs and jobs found running bring their earlier steps along.
      if (job.runId) void c.loadHistory(() => this.history(id, job.runId!));
    }
    let j = job;
    const early = this.early.get(id) ?? [];
    this.early.delete(id);
    for (const e of early) {
      j = jobWithEvent(j, e);
      this.curves.get(id)?.push(e);
    }
    this.jobs = { ...this.jobs, [id]: j };
    if (!isActive(j)) this.ended(j);
  }

  /** The run's stored events; also fills in the job's fields that live events have not. */
  private async history(jobId: string, runId: string): Promise<readonly EngineEvent[]> {
    const detail = await this.api.invoke('runs:get', { runId });
    const current = this.jobs[jobId];
    if (current) {
      // 'done' events in the history belong to earlier segments of a resumed run.
      let past: JobView = { ...newJob(current.info, current.knownSince), runId };
      for (const e of detail.events) if (e.type !== 'done') past = jobWithEvent(past, e);
      const defined = Object.fromEntries(Object.entries(current).filter(([, v]) => v !== undefined));
      const merged: JobView = { ...past, ...defined, logs: [...past.logs, ...current.logs].slice(-50) } as JobView;
      this.jobs = { ...this.jobs, [jobId]: merged };
    }
    return detail.events;
  }

  private apply(jobId: string, event: EngineEvent): void {
    const j = this.jobs[jobId];
    if (!j) {
      const list = this.early.get(jobId) ?? [];
      if (list.length < MAX_EARLY_EVENTS) list.push(event);
      this.early.set(jobId, list);
      return;
    }
    const wasActive = isActive(j);
    const next = jobWithEvent(j, event);
    this.jobs = { ...this.jobs, [jobId]: next };
    this.curves.get(jobId)?.push(event);
    if (wasActive && !isActive(next)) this.ended(next);
  }

  private applyStatus(s: EngineStatus, asOf: number): void {
    const { jobs, ended, adopted } = jobsWithStatus(this.jobs, s, asOf);
    if (adopted) {
      const { [adopted.info.jobId]: _, ...rest } = jobs;
      this.jobs = rest;
      this.add(adopted);
    } else this.jobs = jobs;
    for (const j of ended) this.ended(j);
  }

  private ended(j: JobView): void {
    for (const l of this.endedListeners) l(j);
  }
}

export const [getJobs, setJobs] = createContext<JobsState>();
