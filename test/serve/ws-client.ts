/**
 * A minimal client of `frugal serve`'s WebSocket API for tests: invoke with ids, collect events,
 * wait for an event that matches.
 */
import { WebSocket } from 'ws';
import type { EngineStatus, EventChannel, InvokeChannel, PayloadOf, RequestOf, ResponseOf } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import type { EventMessage, ResultMessage } from '../../src/shared/wire';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly channel: string,
  ) {
    super(message);
  }
}

export interface TestClient {
  invoke<K extends InvokeChannel>(channel: K, req: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Every event received so far, in order. */
  readonly events: EventMessage[];
  /** Resolves with the first event (from now on, or already received after `since`) that matches. */
  waitFor<K extends EventChannel>(channel: K, pred: (p: PayloadOf<K>) => boolean, timeoutMs?: number, since?: number): Promise<PayloadOf<K>>;
  jobEvents(jobId: string): EngineEvent[];
  statuses(): EngineStatus[];
  close(): Promise<void>;
}

/** Connects; rejects with the HTTP status text when the server refuses the upgrade. */
export function connect(wsUrl: string, opts: { origin?: string } = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, opts.origin ? { origin: opts.origin } : {});
    const events: EventMessage[] = [];
    const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
    const waiters = new Set<() => void>();
    let nextId = 1;
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ResultMessage | EventMessage;
      if (msg.type === 'result') {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.result);
        else p?.reject(new ApiError(msg.error.message, msg.error.channel));
      } else {
        events.push(msg);
        for (const w of [...waiters]) w();
      }
    });
    ws.on('open', () =>
      resolve({
        events,
        invoke(channel, req) {
          const id = nextId++;
          return new Promise((res, rej) => {
            pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
            ws.send(JSON.stringify({ type: 'invoke', id, channel, payload: req }));
          });
        },
        waitFor(channel, pred, timeoutMs = 30_000, since = events.length) {
          return new Promise((res, rej) => {
            let seen = since;
            const check = () => {
              for (; seen < events.length; seen++) {
                const e = events[seen];
                if (e.channel === channel && pred(e.payload as never)) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  res(e.payload as never);
                  return;
                }
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`no ${channel} event matched within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        jobEvents: (jobId) => events.filter((e) => e.channel === 'engine:event' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { event: EngineEvent }).event),
        statuses: () => events.filter((e) => e.channel === 'engine:statusChanged').map((e) => e.payload as EngineStatus),
        close: () =>
          new Promise<void>((res) => {
            if (ws.readyState === WebSocket.CLOSED) return res();
            ws.once('close', () => res());
            ws.close();
          }),
      }),
    );
  });
}
