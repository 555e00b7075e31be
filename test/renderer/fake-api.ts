/**
 * A FrugalApi for the renderer's unit tests: invoke answers come from per-channel handlers (or
 * reject naming the channel), every call is recorded, and tests emit events by hand.
 */
import type { EventChannel, FrugalApi, InvokeChannel, PayloadOf, RequestOf, ResponseOf } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';

type Handler<K extends InvokeChannel> = (req: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>;

export class TestApi implements FrugalApi {
  calls: { channel: string; req: unknown }[] = [];
  private handlers: Partial<{ [K in InvokeChannel]: Handler<K> }> = {};
  private listeners = new Map<string, Set<(p: unknown) => void>>();

  handle<K extends InvokeChannel>(channel: K, h: Handler<K>): this {
    (this.handlers as Record<string, unknown>)[channel] = h;
    return this;
  }

  async invoke<K extends InvokeChannel>(channel: K, req: RequestOf<K>): Promise<ResponseOf<K>> {
    this.calls.push({ channel, req });
    const h = this.handlers[channel] as Handler<K> | undefined;
    if (!h) throw new Error(`${channel}: no handler in this test`);
    return h(req);
  }

  on<K extends EventChannel>(channel: K, listener: (payload: PayloadOf<K>) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener as (p: unknown) => void);
    return () => set.delete(listener as (p: unknown) => void);
  }

  emit<K extends EventChannel>(channel: K, payload: PayloadOf<K>): void {
    for (const l of this.listeners.get(channel) ?? []) l(payload);
  }

  listenerCount(channel: EventChannel): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  callsTo(channel: InvokeChannel): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.req);
  }
}

const T = '2025-01-01T00:00:00.000Z';

/** Engine events with a fixed time, typed. */
export const ev = {
  started: (runId: string, startStep = 0, totalSteps = 100): EngineEvent => ({ type: 'started', time: T, runId, runDir: `/runs/${runId}`, experiment: 'brats', backend: 'cpu', startStep, totalSteps }),
  step: (step: number, loss = 1 / step, totalSteps = 100): EngineEvent => ({
    type: 'step',
    time: T,
    step,
    totalSteps,
    epoch: step / 10,
    loss,
    lr: 1e-3,
    stepMs: 100,
    etaSec: totalSteps - step,
    memory: { tensors: 10 + step, tensorBytes: 1000 * step, rssBytes: 1e6 },
  }),
  validation: (step: number, metrics: Record<string, number>, best = false): EngineEvent => ({ type: 'validation', time: T, step, epoch: step / 10, on: '2 validation cases, full volume', metrics, best }),
  done: (status: 'completed' | 'stopped' | 'failed', step: number, error?: string): EngineEvent => ({ type: 'done', time: T, status, step, ...(error ? { error } : {}) }),
  progress: (done: number, total: number): EngineEvent => ({ type: 'progress', time: T, task: 'predict', done, total }),
};

export const idle = { state: 'idle', job: null, backend: 'cpu', device: 'CPU', memory: null } as const;

export function flush(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
