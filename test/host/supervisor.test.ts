/**
 * The engine supervisor against a scripted fake engine process (no child process, no tfjs):
 * ids and results, the door's app:info, status from the engine's events, and what a crash does
 * to requests in flight, to the running job and to the status; restart.
 */
import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/shared/api';
import type { WireMessage } from '../../src/shared/wire';
import { EngineSupervisor, type EngineExit, type EngineProcess } from '../../src/training/host/supervisor';

class FakeEngine implements EngineProcess {
  static count = 0;
  readonly pid = 1000 + FakeEngine.count++;
  readonly sent: WireMessage[] = [];
  private message?: (m: unknown) => void;
  private exit?: (e: EngineExit) => void;
  private stderr?: (s: string) => void;
  killedWith: string | null = null;

  send(msg: WireMessage): void {
    this.sent.push(msg);
  }
  onMessage(cb: (m: unknown) => void): void {
    this.message = cb;
  }
  onExit(cb: (e: EngineExit) => void): void {
    this.exit = cb;
  }
  onStderr(cb: (s: string) => void): void {
    this.stderr = cb;
  }
  kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): void {
    this.killedWith = signal;
    queueMicrotask(() => this.die({ code: null, signal }));
  }
  // --- driving the fake
  post(m: unknown): void {
    this.message?.(m);
  }
  writeStderr(s: string): void {
    this.stderr?.(s);
  }
  die(e: EngineExit): void {
    this.exit?.(e);
  }
  ready(extra: Partial<EngineStatus> = {}): void {
    this.post({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'idle', job: null, backend: 'cpu', device: 'CPU', memory: null, ...extra } });
  }
  lastInvoke(): { id: number; channel: string; payload: unknown } {
    const m = this.sent.filter((s) => s.type === 'invoke').pop();
    if (!m || m.type !== 'invoke') throw new Error('no invoke sent');
    return m;
  }
}

async function started(): Promise<{ sup: EngineSupervisor; engines: FakeEngine[]; events: { channel: string; payload: unknown }[] }> {
  const engines: FakeEngine[] = [];
  const envs: Record<string, string>[] = [];
  const sup = new EngineSupervisor({
    spawn: ({ env }) => {
      envs.push(env);
      const e = new FakeEngine();
      engines.push(e);
      queueMicrotask(() => e.ready());
      return e;
    },
    door: 'electron',
    runsRoot: '/runs',
    backend: 'cpu',
  });
  const events: { channel: string; payload: unknown }[] = [];
  sup.on((channel, payload) => events.push({ channel, payload }));
  await sup.start();
  expect(envs[0]).toEqual({ FRUGAL_RUNS: '/runs', FRUGAL_BACKEND: 'cpu' });
  return { sup, engines, events };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const job = { jobId: 'train-1', kind: 'train' as const, runId: 'run-A', startedAt: '2026-01-01T00:00:00Z' };

describe('EngineSupervisor', () => {
  it('forwards invokes with ids, matches results, and fills in the door of app:info', async () => {
    const { sup, engines } = await started();
    const e = engines[0];
    const a = sup.invoke('runs:list', {});
    const b = sup.invoke('app:info', {});
    const [ia, ib] = e.sent.map((m) => (m as { id: number }).id);
    expect(ia).not.toBe(ib);
    e.post({ type: 'result', id: ib, ok: true, result: { door: 'serve', runsRoot: '/runs' } });
    e.post({ type: 'result', id: ia, ok: false, error: { message: 'runs:list: broken', channel: 'runs:list', name: 'Error' } });
    expect(await b).toMatchObject({ door: 'electron', runsRoot: '/runs' });
    await expect(a).rejects.toThrow('runs:list: broken');
  });

  it('tracks busy/idle and memory from the engine, and refuses a restart while busy', async () => {
    const { sup, engines, events } = await started();
    const e = engines[0];
    e.post({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'busy', job, backend: 'cpu', device: 'CPU', memory: null } });
    const memory = { tensors: 5, tensorBytes: 1000, rssBytes: 2e8 };
    e.post({ type: 'event', channel: 'engine:event', payload: { jobId: 'train-1', event: { type: 'step', time: 't', step: 7, totalSteps: 10, epoch: 0.7, loss: 1, lr: 1, stepMs: 1, etaSec: 1, memory } } });
    const s = await sup.engineStatus();
    expect(s).toMatchObject({ state: 'busy', job, memory });
    await expect(sup.restart()).rejects.toThrow('busy with train job train-1');
    expect(events.filter((x) => x.channel === 'engine:event')).toHaveLength(1);
  });

  it('on a crash: rejects requests in flight, ends the job, reports crashed with the reason, and restarts', async () => {
    const { sup, engines, events } = await started();
    const e = engines[0];
    e.post({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'busy', job, backend: 'cpu', device: 'CPU', memory: null } });
    const inflight = sup.invoke('runs:list', {});
    e.writeStderr('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    e.die({ code: null, signal: 'SIGKILL' });
    await expect(inflight).rejects.toThrow('runs:list: engine process was killed by signal SIGKILL (out of memory, or killed from outside) before answering');
    const s = sup.status();
    expect(s.state).toBe('crashed');
    expect(s.job).toBeNull();
    expect(s.error).toContain('train job train-1 (run run-A) is left interrupted');
    expect(s.error).toContain('heap out of memory');
    const done = events.find((x) => x.channel === 'engine:event' && (x.payload as { event: { type: string } }).event.type === 'done');
    expect(done?.payload).toMatchObject({ jobId: 'train-1', event: { type: 'done', status: 'failed' } });
    await expect(sup.invoke('runs:list', {})).rejects.toThrow('the engine is not running');

    const restarted = await sup.doorHandlers['engine:restart']({});
    expect(restarted.state).toBe('idle');
    expect(engines).toHaveLength(2);
    expect(sup.pid).toBe(engines[1].pid);
    const p = sup.invoke('runs:list', {});
    engines[1].post({ type: 'result', id: engines[1].lastInvoke().id, ok: true, result: [] });
    expect(await p).toEqual([]);
  });

  it('fails start when the engine dies before it is ready, naming the exit and its stderr', async () => {
    const sup = new EngineSupervisor({
      spawn: () => {
        const e = new FakeEngine();
        queueMicrotask(() => {
          e.writeStderr("engine host: no usable tfjs backend: FRUGAL_BACKEND=webgpu: backend 'webgpu' cannot be used\n");
          e.die({ code: 3, signal: null });
        });
        return e;
      },
      door: 'serve',
    });
    await expect(sup.start()).rejects.toThrow(/exited with code 3 while starting[\s\S]*webgpu/);
    expect(sup.status().state).toBe('crashed');
  });

  it('shuts down: asks the running job to stop, waits for idle, then ends the process', async () => {
    const { sup, engines } = await started();
    const e = engines[0];
    e.post({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'busy', job, backend: 'cpu', device: 'CPU', memory: null } });
    const closing = sup.shutdown();
    await tick();
    const stop = e.lastInvoke();
    expect(stop).toMatchObject({ channel: 'jobs:stop', payload: { jobId: 'train-1' } });
    expect(e.killedWith).toBeNull(); // not before the job has stopped
    e.post({ type: 'result', id: stop.id, ok: true, result: { stopping: true } });
    e.post({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'idle', job: null, backend: 'cpu', device: 'CPU', memory: null } });
    await closing;
    expect(e.killedWith).toBe('SIGTERM');
  });
});
