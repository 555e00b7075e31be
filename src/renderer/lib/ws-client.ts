/**
 * FrugalApi over a WebSocket to `frugal serve` (the browser door), speaking src/shared/wire.ts:
 * `invoke` messages carry an id, `result` messages answer that id, `event` messages fan out to
 * subscribers. The socket reconnects by itself with backoff; subscriptions survive reconnects.
 * No invoke ever hangs on a dead link: one sent before a drop rejects when the socket closes, one
 * made while disconnected waits for the next connection attempt and rejects if that fails.
 */
import type { EventChannel, FrugalApi, InvokeChannel, PayloadOf, RequestOf, ResponseOf } from '../../shared/api';
import { RemoteError, WireMessage } from '../../shared/wire';
import type { ConnectionAware, ConnectionStatus } from './connection';

/** The part of the DOM WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WsClientOptions {
  url: string;
  /** Shown in errors instead of the URL (which carries the token). */
  displayUrl?: string;
  socket?: (url: string) => SocketLike;
  /** Delays between reconnection attempts; the last one repeats. */
  backoffMs?: readonly number[];
  /** Appended to connection errors, e.g. how to get a token. */
  hint?: string;
}

interface Pending {
  channel: string;
  text: string;
  sent: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

const OPEN = 1;

export function describeClose(code: number, reason: string): string {
  const why = reason ? `: ${reason}` : '';
  if (code === 1000) return `closed normally${why}`;
  if (code === 1001) return `the server went away${why}`;
  if (code === 1006) return `the connection dropped or was refused (code 1006)${why}`;
  if (code === 1008 || code === 4401 || code === 4403) return `the server refused this tab (code ${code})${why}`;
  return `closed with code ${code}${why}`;
}

export class WsClient implements FrugalApi, ConnectionAware {
  connection: ConnectionStatus;
  private ws: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly connectionListeners = new Set<(s: ConnectionStatus) => void>();
  private everOpened = false;
  private disposed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly backoff: readonly number[];
  private readonly makeSocket: (url: string) => SocketLike;
  private readonly where: string;

  constructor(private readonly opts: WsClientOptions) {
    this.backoff = opts.backoffMs?.length ? opts.backoffMs : [500, 1000, 2000, 5000];
    this.makeSocket = opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.where = opts.displayUrl ?? opts.url;
    this.connection = { state: 'connecting', url: this.where, attempts: 0 };
    this.connect();
  }

  invoke<K extends InvokeChannel>(channel: K, req: RequestOf<K>): Promise<ResponseOf<K>> {
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      if (this.disposed) return reject(new Error(`${channel}: the connection to the Frugal server was closed by the page`));
      const id = this.nextId++;
      const text = JSON.stringify({ type: 'invoke', id, channel, payload: req ?? {} });
      const p: Pending = { channel, text, sent: false, resolve: resolve as (v: unknown) => void, reject };
      this.pending.set(id, p);
      if (this.ws?.readyState === OPEN) this.send(p);
    });
  }

  on<K extends EventChannel>(channel: K, listener: (payload: PayloadOf<K>) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  onConnectionChange(listener: (s: ConnectionStatus) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Closes the socket for good and rejects whatever is still waiting. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.rejectAll(() => true, (p) => `${p.channel}: the connection to the Frugal server was closed by the page`);
    this.ws?.close(1000, 'page closed');
    this.ws = null;
  }

  private setConnection(patch: Partial<ConnectionStatus>): void {
    this.connection = { ...this.connection, ...patch };
    for (const l of this.connectionListeners) l(this.connection);
  }

  private send(p: Pending): void {
    p.sent = true;
    this.ws!.send(p.text);
  }

  private rejectAll(which: (p: Pending) => boolean, message: (p: Pending) => string): void {
    for (const [id, p] of this.pending) {
      if (!which(p)) continue;
      this.pending.delete(id);
      p.reject(new Error(message(p)));
    }
  }

  private connect(): void {
    this.timer = null;
    if (this.disposed) return;
    const attempts = this.connection.attempts + 1;
    this.setConnection({ state: this.everOpened ? 'reconnecting' : 'connecting', attempts });
    let ws: SocketLike;
    try {
      ws = this.makeSocket(this.opts.url);
    } catch (e) {
      this.failed(`cannot open a WebSocket to ${this.where}: ${(e as Error).message}`, false);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.everOpened = true;
      this.setConnection({ state: 'open', attempts: 0 });
      for (const p of this.pending.values()) if (!p.sent) this.send(p);
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = () => {
      /* onclose follows with the code */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failed(describeClose(ev.code, ev.reason), opened);
    };
  }

  private failed(why: string, wasOpen: boolean): void {
    if (this.disposed) return;
    const hint = this.opts.hint ? ` ${this.opts.hint}` : '';
    if (wasOpen) {
      this.rejectAll(
        (p) => p.sent,
        (p) => `${p.channel}: the connection to the Frugal server at ${this.where} closed before it answered (${why}); reconnecting`,
      );
    }
    // Invokes that were waiting for this attempt fail with it rather than wait forever.
    this.rejectAll(
      (p) => !p.sent,
      (p) => `${p.channel}: not connected to the Frugal server at ${this.where} (${why}).${hint}`,
    );
    const delay = this.backoff[Math.min(this.connection.attempts - 1, this.backoff.length - 1)] ?? 5000;
    this.setConnection({ state: this.everOpened ? 'reconnecting' : 'connecting', lastError: `${why}.${hint}`.trim() });
    this.timer = setTimeout(() => this.connect(), wasOpen ? 0 : delay);
  }

  private receive(data: unknown): void {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      console.error(`frugal: ignoring a WebSocket message that is not JSON: ${String(data).slice(0, 200)}`);
      return;
    }
    const parsed = WireMessage.safeParse(raw);
    if (!parsed.success) {
      console.error('frugal: ignoring a WebSocket message outside the wire format', parsed.error.issues);
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new RemoteError(msg.error.channel || p.channel, msg.error.message, msg.error.name));
    } else if (msg.type === 'event') {
      for (const l of this.listeners.get(msg.channel) ?? []) {
        try {
          l(msg.payload);
        } catch (e) {
          console.error(`frugal: a listener of ${msg.channel} threw`, e);
        }
      }
    }
  }
}
