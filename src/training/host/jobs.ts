/**
 * The engine host's job slot: training, prediction, evaluation and demo data run as jobs, one at
 * a time (tfjs work is single-threaded; two jobs would only slow each other and blur their
 * memory readings). A job is an engine generator: its events are sent out under the job's id,
 * it ends with exactly one 'done' event (the run driver emits its own; other jobs get one here),
 * and the slot is announced busy/idle around it.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { JobInfo } from '../../shared/api';
import { stamp, type EngineEvent, type EngineEventInput } from '../../shared/events';

export type JobKind = JobInfo['kind'];

export interface JobCallbacks {
  /** One event of a job. */
  event(jobId: string, event: EngineEvent): void;
  /** The slot changed: a job started (with its info) or ended (null). */
  changed(job: JobInfo | null): void;
}

export interface StartedJob<T> {
  info: JobInfo;
  /** Settles when the job ends: its generator's return value, or its error. */
  result: Promise<T>;
}

export interface JobSpec<T> {
  kind: JobKind;
  /** Known up front (predict, evaluate, resume) or taken from the 'started' event (train). */
  runId?: string;
  make(signal: AbortSignal): AsyncGenerator<EngineEvent | EngineEventInput, T, void>;
  /** What the 'done' event of a job without its own carries. */
  summarize?(result: T): Record<string, unknown>;
}

interface Running {
  info: JobInfo;
  abort: AbortController;
}

const isStamped = (e: EngineEvent | EngineEventInput): e is EngineEvent => typeof (e as { time?: unknown }).time === 'string';

export class JobSlot {
  private running: Running | null = null;

  constructor(private readonly cb: JobCallbacks) {}

  get current(): JobInfo | null {
    return this.running ? { ...this.running.info } : null;
  }

  /** Why a new job cannot start now, naming the running one; null when the slot is free. */
  busyReason(): string | null {
    const r = this.running?.info;
    if (!r) return null;
    return `the engine is busy with ${r.kind} job ${r.jobId}${r.runId ? ` (run ${r.runId})` : ''} started at ${r.startedAt}; stop it (jobs:stop) or wait for it to finish`;
  }

  /** Asks the job to stop after its current step; false when no such job is running. */
  stop(jobId: string): boolean {
    if (!this.running || this.running.info.jobId !== jobId) return false;
    this.running.abort.abort();
    return true;
  }

  /**
   * Claims the slot and runs the generator up to its first event before resolving, so errors
   * that come before any work (unknown run, bad config, missing checkpoint) reject the request
   * that started the job instead of surfacing later as a failed job.
   */
  async start<T>(spec: JobSpec<T>): Promise<StartedJob<T>> {
    const busy = this.busyReason();
    if (busy) throw new Error(busy);
    const abort = new AbortController();
    const info: JobInfo = {
      jobId: `${spec.kind}-${randomUUID().slice(0, 8)}`,
      kind: spec.kind,
      ...(spec.runId ? { runId: spec.runId } : {}),
      startedAt: new Date().toISOString(),
    };
    this.running = { info, abort };
    let gen: AsyncGenerator<EngineEvent | EngineEventInput, T, void>;
    let first: IteratorResult<EngineEvent | EngineEventInput, T>;
    try {
      gen = spec.make(abort.signal);
      first = await gen.next();
    } catch (e) {
      this.running = null;
      throw e;
    }
    if (!first.done && first.value.type === 'started') info.runId = first.value.runId;
    this.cb.changed({ ...info });
    const result = this.pump(info, abort.signal, gen, first, spec);
    result.catch(() => undefined); // the caller may not wait for a background job; its 'done' event reports the failure
    return { info: { ...info }, result };
  }

  private async pump<T>(
    info: JobInfo,
    signal: AbortSignal,
    gen: AsyncGenerator<EngineEvent | EngineEventInput, T, void>,
    first: IteratorResult<EngineEvent | EngineEventInput, T>,
    spec: JobSpec<T>,
  ): Promise<T> {
    let sawDone = false;
    const send = (e: EngineEvent | EngineEventInput): void => {
      const ev = isStamped(e) ? e : stamp(e);
      if (ev.type === 'done') sawDone = true;
      this.cb.event(info.jobId, ev);
    };
    try {
      let r = first;
      while (!r.done) {
        send(r.value);
        // A training step awaits only promises that settle as microtasks, so without this turn
        // of the event loop no message (jobs:stop, runs:list) or signal would be read until the
        // job ends: the host would look hung while it trains.
        await nextTurn();
        r = await gen.next();
      }
      if (!sawDone) send({ type: 'done', status: signal.aborted ? 'stopped' : 'completed', step: 0, ...(spec.summarize ? { summary: spec.summarize(r.value) } : {}) });
      return r.value;
    } catch (e) {
      if (!sawDone) send({ type: 'done', status: 'failed', step: 0, error: (e as Error).message });
      throw e;
    } finally {
      this.running = null;
      this.cb.changed(null);
    }
  }
}
