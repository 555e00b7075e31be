// The browser door's client: wire format, results and errors, events, and what happens to
// invokes when the socket is not (or no longer) connected.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RemoteError } from '../../src/shared/wire';
import { type SocketLike, WsClient } from '../../src/renderer/lib/ws-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  reply(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

let sockets: FakeSocket[];
const last = (): FakeSocket => sockets[sockets.length - 1];
const client = (): WsClient => new WsClient({ url: 'ws://h/api?token=secret', displayUrl: 'ws://h/api', socket: (u) => (sockets.push(new FakeSocket(u)), last()), backoffMs: [100, 200] });

beforeEach(() => {
  sockets = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('WsClient', () => {
  it('sends invokes in the wire format once open, and resolves with the matching result', async () => {
    const c = client();
    expect(last().url).toBe('ws://h/api?token=secret');
    expect(c.connection.state).toBe('connecting');
    const a = c.invoke('runs:list', {});
    const b = c.invoke('runs:get', { runId: 'r1' });
    expect(last().sent).toEqual([]); // queued until the socket opens
    last().open();
    expect(last().sent).toEqual([
      { type: 'invoke', id: 1, channel: 'runs:list', payload: {} },
      { type: 'invoke', id: 2, channel: 'runs:get', payload: { runId: 'r1' } },
    ]);
    last().reply({ type: 'result', id: 2, ok: true, result: { id: 'r1' } });
    last().reply({ type: 'result', id: 1, ok: true, result: [] });
    await expect(b).resolves.toEqual({ id: 'r1' });
    await expect(a).resolves.toEqual([]);
  });

  it('rejects a failed invoke with a RemoteError carrying the server message and channel', async () => {
    const c = client();
    last().open();
    const p = c.invoke('datasets:scan', { root: '/nope' });
    last().reply({ type: 'result', id: 1, ok: false, error: { message: 'datasets:scan: /nope: no such folder', channel: 'datasets:scan', name: 'Error' } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).channel).toBe('datasets:scan');
    expect((err as Error).message).toBe('datasets:scan: /nope: no such folder');
  });

  it('delivers events to every subscriber of the channel until unsubscribed', () => {
    const c = client();
    last().open();
    const got: unknown[] = [];
    const off = c.on('engine:statusChanged', (s) => got.push(s.state));
    c.on('engine:event', () => got.push('wrong channel'));
    last().reply({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'busy' } });
    off();
    last().reply({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'idle' } });
    expect(got).toEqual(['busy']);
  });

  it('ignores messages outside the wire format instead of throwing', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const c = client();
    last().open();
    const p = c.invoke('runs:list', {});
    last().onmessage?.({ data: 'not json' });
    last().reply({ type: 'result', id: 'x' });
    last().reply({ type: 'result', id: 1, ok: true, result: [1] });
    expect(errors).toHaveBeenCalledTimes(2);
    errors.mockRestore();
    return expect(p).resolves.toEqual([1]);
  });

  it('rejects sent invokes when the socket drops, naming the channel, then reconnects and keeps subscriptions', async () => {
    const c = client();
    last().open();
    const states: string[] = [];
    c.onConnectionChange((s) => states.push(s.state));
    const events: unknown[] = [];
    c.on('engine:statusChanged', (s) => events.push(s.state));
    const p = c.invoke('train:start', { experiment: 'brats', config: {} });
    last().drop(1006);
    await expect(p).rejects.toThrow(/^train:start: the connection to the Frugal server at ws:\/\/h\/api closed before it answered \(.*1006.*\); reconnecting$/);
    expect(c.connection.state).toBe('reconnecting');
    expect(c.connection.lastError).toMatch(/1006/);
    vi.advanceTimersByTime(0);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(states.at(-1)).toBe('open');
    last().reply({ type: 'event', channel: 'engine:statusChanged', payload: { state: 'idle' } });
    expect(events).toEqual(['idle']);
    // The token is never shown in errors.
    expect(JSON.stringify(c.connection)).not.toContain('secret');
  });

  it('fails an invoke made while disconnected with the next failed attempt, and retries with backoff', async () => {
    const c = new WsClient({ url: 'ws://h/api', socket: (u) => (sockets.push(new FakeSocket(u)), last()), backoffMs: [100, 200], hint: 'Open the URL with #token=….' });
    const p = c.invoke('app:info', {});
    last().drop(1006);
    await expect(p).rejects.toThrow(/^app:info: not connected to the Frugal server at ws:\/\/h\/api \(.*\)\. Open the URL with #token=…\.$/);
    expect(c.connection.state).toBe('connecting'); // never opened yet
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().drop(1006);
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    const q = c.invoke('app:info', {});
    last().reply({ type: 'result', id: 2, ok: true, result: 'ok' });
    await expect(q).resolves.toBe('ok');
    expect(c.connection.attempts).toBe(0);
  });

  it('dispose rejects what is pending and stops reconnecting', async () => {
    const c = client();
    const p = c.invoke('runs:list', {});
    c.dispose();
    await expect(p).rejects.toThrow(/closed by the page/);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
  });
});
