/**
 * The door's side of the engine host process (used by Electron main and `frugal serve`; imports
 * no tfjs, so the door stays light). It starts the engine through an injected spawner, forwards
 * invokes with ids and matches their results, relays the engine's events, and keeps the engine's
 * status (starting / idle / busy / crashed, the job, backend, memory from the last step).
 *
 * When the engine process dies (killed, out of memory, a native crash), every invoke in flight
 * rejects saying so, the status becomes 'crashed' with the exit code or signal and the tail of the
 * engine's stderr, the running job gets a final 'done' (failed) event, and its run is left as it
 * is: the run store reports a 'running' run whose process is gone as 'interrupted', and it can be
 * resumed from its newest checkpoint. 'engine:restart' starts a fresh engine.
 *
 * Spawners: `nodeEngineSpawner()` (node-spawner.ts) forks entry.ts for `frugal serve`; the
 * desktop app supplies one around Electron's utilityProcess.fork (see EngineProcessSpawner).
 */
import type { DoorHandlers, EngineChannel, EngineStatus, EventChannel, InvokeChannel, ParsedRequestOf, PayloadOf, ResponseOf } from '../../shared/api';
import { EventMessage, RemoteError, ResultMessage, type WireMessage } from '../../shared/wire';

export interface EngineExit {
  code: number | null;
  signal: string | null;
}

/** One running engine process, as the supervisor needs it. */
export interface EngineProcess {
  readonly pid: number | undefined;
  /** Sends one wire message (a JSON-serialisable object) to the engine. */
  send(msg: WireMessage): void;
  /** Every message the engine sends (unvalidated: the supervisor checks them). */
  onMessage(cb: (msg: unknown) => void): void;
  /** Called once when the process has ended, however it ended. */
  onExit(cb: (exit: EngineExit) => void): void;
  /** The engine's stderr text, if the spawner captures it (kept for crash reports). */
  onStderr?(cb: (text: string) => void): void;
  /** 'SIGTERM' (default): the engine stops its job with a checkpoint, then exits. 'SIGKILL': now. */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): void;
}

/**
 * Starts the engine host (src/training/host/entry.ts, or its bundled build) with these extra
 * environment variables (FRUGAL_RUNS, FRUGAL_BACKEND) and returns it.
 *
 * Electron main implements it around utilityProcess.fork(entryJs, [], {env: {...process.env,
 * ...env}, stdio: 'pipe', serviceName: 'Frugal engine'}): send → child.postMessage(msg),
 * onMessage → child.on('message', cb) (the utility side posts through process.parentPort),
 * onExit → child.on('exit', code => cb({code, signal: null})), onStderr → child.stderr,
 * kill('SIGTERM') → child.kill(), kill('SIGKILL') → process.kill(child.pid, 'SIGKILL').
 */
export type EngineProcessSpawner = (opts: { env: Record<string, string> }) => EngineProcess;

export interface SupervisorOptions {
  spawn: EngineProcessSpawner;
  door: 'electron' | 'serve';
  /** Runs root for the engine (FRUGAL_RUNS); default: the engine's default. */
  runsRoot?: string;
  /** Forced tfjs backend (FRUGAL_BACKEND); default: the engine chooses. */
  backend?: string;
  /** How long the engine may take to say it is ready (tfjs and native backends load slowly). */
  startTimeoutMs?: number;
}

type Listener = <K extends EventChannel>(channel: K, payload: PayloadOf<K>) => void;

interface Pending {
  channel: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const STDERR_TAIL_CHARS = 4000;

function describeExit(e: EngineExit): string {
  if (e.signal) return `was killed by signal ${e.signal}${e.signal === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''}`;
  return `exited with code ${e.code}`;
}

export class EngineSupervisor {
  private proc: EngineProcess | null = null;
  private state: EngineStatus = { state: 'starting', job: null, backend: null, device: null, memory: null };
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<Listener>();
  private nextId = 1;
  private ready: Promise<void> = Promise.resolve();
  private stderrTail = '';
  private lastStep = 0;
  /** Exits we asked for (restart, shutdown) are not crashes. */
  private expectingExit = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  status(): EngineStatus {
    return structuredClone(this.state);
  }

  /** Events to forward to the door's clients ('engine:event', 'engine:statusChanged'). */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<K extends EventChannel>(channel: K, payload: PayloadOf<K>): void {
    for (const l of this.listeners) l(channel, payload);
  }

  private setStatus(next: EngineStatus): void {
    this.state = next;
    this.emit('engine:statusChanged', this.status());
  }

  /** Starts the engine process and resolves once it reports ready (or rejects if it dies first). */
  async start(): Promise<EngineStatus> {
    if (this.proc) throw new Error('engine supervisor: the engine is already running');
    const env: Record<string, string> = {};
    if (this.opts.runsRoot) env.FRUGAL_RUNS = this.opts.runsRoot;
    if (this.opts.backend) env.FRUGAL_BACKEND = this.opts.backend;
    this.stderrTail = '';
    this.expectingExit = false;
    this.setStatus({ state: 'starting', job: null, backend: null, device: null, memory: null });
    const proc = this.opts.spawn({ env });
    this.proc = proc;
    let markReady!: () => void;
    let failStart!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      markReady = res;
      failStart = rej;
    });
    this.ready.catch(() => undefined);
    let resolveExited!: () => void;
    this.exited = new Promise((r) => (resolveExited = r));

    const timeoutMs = this.opts.startTimeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      if (this.state.state !== 'starting' || this.proc !== proc) return;
      this.stderrTail += `\n(no ready message within ${timeoutMs / 1000} s)`;
      proc.kill('SIGKILL');
    }, timeoutMs);
    timer.unref?.();

    proc.onStderr?.((text) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    proc.onMessage((raw) => {
      if (this.proc !== proc) return;
      this.onMessage(raw, () => {
        clearTimeout(timer);
        markReady();
      });
    });
    proc.onExit((exit) => {
      clearTimeout(timer);
      const wasStarting = this.state.state === 'starting';
      if (this.proc === proc) this.onExit(exit);
      if (wasStarting) failStart(new Error(this.state.error ?? `engine process ${describeExit(exit)} while starting`));
      resolveExited();
    });
    await this.ready;
    return this.status();
  }

  private onMessage(raw: unknown, onReady: () => void): void {
    const result = ResultMessage.safeParse(raw);
    if (result.success) {
      const r = result.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.result);
      else p.reject(new RemoteError(r.error.channel, r.error.message, r.error.name));
      return;
    }
    const ev = EventMessage.safeParse(raw);
    if (!ev.success) {
      this.stderrTail = (this.stderrTail + `\n(unexpected message from the engine: ${JSON.stringify(raw)?.slice(0, 200)})`).slice(-STDERR_TAIL_CHARS);
      return;
    }
    const { channel, payload } = ev.data;
    if (channel === 'engine:statusChanged') {
      const s = payload as EngineStatus;
      if (s.job?.jobId !== this.state.job?.jobId) this.lastStep = 0;
      this.setStatus({ state: s.state, job: s.job, backend: s.backend, device: s.device, memory: s.memory });
      onReady();
      return;
    }
    if (channel === 'engine:event') {
      const { event } = payload as PayloadOf<'engine:event'>;
      if (event.type === 'step') {
        this.state.memory = { ...event.memory };
        this.lastStep = event.step;
      }
    }
    this.emit(channel as EventChannel, payload as never);
  }

  private onExit(exit: EngineExit): void {
    const job = this.state.job;
    this.proc = null;
    const tail = this.stderrTail.trim().split('\n').slice(-8).join('\n');
    const wasStarting = this.state.state === 'starting';
    const why = `engine process ${describeExit(exit)}${wasStarting ? ' while starting' : ''}`;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new RemoteError(p.channel, `${p.channel}: ${why} before answering`, 'EngineCrashed'));
    }
    if (this.expectingExit) {
      // Asked for (restart, shutdown): not a crash to report; requests are refused until a start.
      this.state = { state: 'crashed', job: null, backend: this.state.backend, device: this.state.device, memory: null, error: 'the engine was stopped' };
      return;
    }
    const jobNote = job ? `; ${job.kind} job ${job.jobId}${job.runId ? ` (run ${job.runId}) is left interrupted: resume it from its newest checkpoint` : ' was lost'}` : '';
    const error = `${why}${jobNote}${tail ? `\n${tail}` : ''}`;
    if (job) {
      // The job's event stream ends like every other, so views waiting for 'done' are released.
      this.emit('engine:event', { jobId: job.jobId, event: { type: 'done', time: new Date().toISOString(), status: 'failed', step: this.lastStep, error } });
    }
    this.setStatus({ state: 'crashed', job: null, backend: this.state.backend, device: this.state.device, memory: null, error });
  }

  /** Forwards an engine request; rejects with the engine's error, or when the engine dies first. */
  async invoke<K extends EngineChannel>(channel: K, req: ParsedRequestOf<K>): Promise<ResponseOf<K>> {
    if (this.state.state === 'starting') await this.ready.catch(() => undefined);
    return this.send(channel, req);
  }

  private send<K extends InvokeChannel>(channel: K, req: unknown, timeoutMs?: number): Promise<ResponseOf<K>> {
    const proc = this.proc;
    if (!proc || this.state.state === 'crashed') {
      return Promise.reject(new RemoteError(channel, `${channel}: the engine is not running (${this.state.error?.split('\n')[0] ?? 'stopped'}); restart it (engine:restart)`, 'EngineNotRunning'));
    }
    const id = this.nextId++;
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => timer && clearTimeout(timer);
      this.pending.set(id, {
        channel,
        resolve: (v) => {
          done();
          resolve(channel === 'app:info' ? ({ ...(v as object), door: this.opts.door } as ResponseOf<K>) : (v as ResponseOf<K>));
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RemoteError(channel, `${channel}: no answer from the engine within ${timeoutMs} ms`, 'Timeout'));
        }, timeoutMs);
      }
      try {
        proc.send({ type: 'invoke', id, channel, payload: req });
      } catch (e) {
        this.pending.delete(id);
        done();
        reject(new RemoteError(channel, `${channel}: cannot reach the engine: ${(e as Error).message}`, 'EngineNotRunning'));
      }
    });
  }

  /** 'engine:status': the supervisor's view, with fresh memory numbers from the engine when it is idle. */
  async engineStatus(): Promise<EngineStatus> {
    if (this.state.state === 'idle' && this.proc) {
      try {
        const s = await this.send('engine:status', {}, 2000);
        if (this.state.state === 'idle') this.state = { ...this.state, backend: s.backend, device: s.device, memory: s.memory };
      } catch {
        // busy or slow: the last known numbers will do
      }
    }
    return this.status();
  }

  /** Ends the engine process: SIGTERM (it stops its job with a checkpoint), SIGKILL after `graceMs`. */
  private async terminate(graceMs: number): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.expectingExit = true;
    proc.kill('SIGTERM');
    const killed = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref?.())]);
    if (!killed) {
      proc.kill('SIGKILL');
      await this.exited;
    }
  }

  /** 'engine:restart': a fresh engine after a crash (or when idle). Refuses while a job runs. */
  async restart(): Promise<EngineStatus> {
    const job = this.state.job;
    if (this.state.state === 'busy' && job) throw new Error(`engine:restart: the engine is busy with ${job.kind} job ${job.jobId}; stop it first (jobs:stop)`);
    await this.terminate(5000);
    return this.start();
  }

  /**
   * Shuts the engine down: the running job is asked to stop (training writes a 'stop'
   * checkpoint) and given `jobGraceMs` to finish, then the process is ended.
   */
  async shutdown(opts: { jobGraceMs?: number } = {}): Promise<void> {
    if (!this.proc) return;
    this.expectingExit = true;
    const job = this.state.job;
    if (job && this.state.state === 'busy') {
      const idle = new Promise<void>((resolve) => {
        const off = this.on((channel, payload) => {
          if (channel === 'engine:statusChanged' && (payload as EngineStatus).state !== 'busy') {
            off();
            resolve();
          }
        });
      });
      await this.send('jobs:stop', { jobId: job.jobId }).catch(() => undefined);
      await Promise.race([idle, this.exited, new Promise((r) => setTimeout(r, opts.jobGraceMs ?? 120_000).unref?.())]);
    }
    await this.terminate(5000);
  }

  /** The door channels the supervisor answers. */
  readonly doorHandlers: Pick<DoorHandlers, 'engine:status' | 'engine:restart'> = {
    'engine:status': () => this.engineStatus(),
    'engine:restart': () => this.restart(),
  };
}
