// window.frugal (src/preload/bridge.ts): built from the contract, exactly its channels, and no
// path from the bridge back to ipcRenderer.
import { describe, expect, it, vi } from 'vitest';
import { buildBridge, type IpcRendererLike } from '../../src/preload/bridge';
import { API, BRIDGE_KEYS, EVENT_CHANNELS, INVOKE_CHANNELS } from '../../src/shared/api';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpc() {
  const listeners = new Map<string, Set<Listener>>();
  const ipc = {
    invoke: vi.fn(async (channel: string, req: unknown) => ({ echoed: channel, req })),
    // Like ipcRenderer.on, returns the ipc object itself: the bridge must not pass that on.
    on: vi.fn((channel: string, l: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
      return ipc;
    }),
    removeListener: vi.fn((channel: string, l: Listener) => {
      listeners.get(channel)?.delete(l);
      return ipc;
    }),
    emit(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({ sender: ipc, senderId: 0 }, payload);
    },
    count: (channel: string) => listeners.get(channel)?.size ?? 0,
  };
  return ipc;
}

/** Every object or function reachable from `root` through own data properties (closures stay hidden, as in the page). */
function reachable(root: unknown): Set<unknown> {
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key)!;
      if ('value' in d) stack.push(d.value);
    }
  }
  return seen;
}

describe('preload bridge', () => {
  it('exposes exactly BRIDGE_KEYS, one function each', () => {
    const bridge = buildBridge(fakeIpc() as IpcRendererLike);
    expect(Object.keys(bridge).sort()).toEqual([...BRIDGE_KEYS].sort());
    expect(BRIDGE_KEYS.length).toBe(Object.keys(API).length);
    for (const k of BRIDGE_KEYS) expect(typeof (bridge as Record<string, unknown>)[k]).toBe('function');
  });

  it('is frozen (the page cannot swap a method)', () => {
    const bridge = buildBridge(fakeIpc() as IpcRendererLike) as Record<string, unknown>;
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('forwards each invoke channel to ipc.invoke with its channel and payload, returning its result', async () => {
    const ipc = fakeIpc();
    const bridge = buildBridge(ipc as IpcRendererLike) as unknown as Record<string, (req: unknown) => Promise<unknown>>;
    for (const channel of INVOKE_CHANNELS) {
      const req = { probe: channel };
      await expect(bridge[channel](req)).resolves.toEqual({ echoed: channel, req });
      expect(ipc.invoke).toHaveBeenLastCalledWith(channel, req);
    }
    expect(ipc.invoke).toHaveBeenCalledTimes(INVOKE_CHANNELS.length);
    expect(ipc.on).not.toHaveBeenCalled();
  });

  it('subscribes each event channel, hands the listener only the payload, and unsubscribes', () => {
    const ipc = fakeIpc();
    const bridge = buildBridge(ipc as IpcRendererLike) as unknown as Record<string, (l: (p: unknown) => void) => unknown>;
    for (const channel of EVENT_CHANNELS) {
      const got: unknown[][] = [];
      const off = bridge[channel]((...args: unknown[]) => got.push(args));
      expect(typeof off).toBe('function');
      expect(off).not.toBe(ipc);
      expect(ipc.count(channel)).toBe(1);
      ipc.emit(channel, { n: 1 });
      expect(got).toEqual([[{ n: 1 }]]); // the IpcRendererEvent (with `sender`) is dropped
      (off as () => void)();
      expect(ipc.count(channel)).toBe(0);
      ipc.emit(channel, { n: 2 });
      expect(got).toHaveLength(1);
    }
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('keeps two listeners of one channel independent', () => {
    const ipc = fakeIpc();
    const bridge = buildBridge(ipc as IpcRendererLike);
    const a = vi.fn();
    const b = vi.fn();
    const offA = bridge['engine:statusChanged'](a);
    bridge['engine:statusChanged'](b);
    offA();
    ipc.emit('engine:statusChanged', { state: 'idle' });
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledWith({ state: 'idle' });
  });

  it('rejects a listener that is not a function, naming the channel', () => {
    const bridge = buildBridge(fakeIpc() as IpcRendererLike) as unknown as Record<string, (l: unknown) => unknown>;
    expect(() => bridge['engine:event']('nope')).toThrow(/engine:event.*function/);
  });

  it('offers no way to reach the ipc object', async () => {
    const ipc = fakeIpc();
    const bridge = buildBridge(ipc as IpcRendererLike) as unknown as Record<string, (x: unknown) => unknown>;
    const values = reachable(bridge);
    // Results of calling every method (a promise's value, an unsubscribe function) too.
    for (const k of INVOKE_CHANNELS) values.add(await bridge[k]({}));
    for (const k of EVENT_CHANNELS) for (const v of reachable(bridge[k](() => {}))) values.add(v);
    for (const v of [...values]) for (const w of reachable(v)) values.add(w);
    expect(values.has(ipc)).toBe(false);
    for (const fn of [ipc.invoke, ipc.on, ipc.removeListener]) expect(values.has(fn)).toBe(false);
  });
});

describe('preload entry (src/preload/index.ts) with electron mocked', () => {
  it("exposes the bridge as window.frugal, once, and not ipcRenderer", async () => {
    const exposed: [string, unknown][] = [];
    const ipcRenderer = fakeIpc();
    vi.doMock('electron', () => ({ contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.push([k, v]) }, ipcRenderer }));
    await import('../../src/preload/index');
    vi.doUnmock('electron');
    expect(exposed.map(([k]) => k)).toEqual(['frugal']);
    const bridge = exposed[0][1] as Record<string, unknown>;
    expect(bridge).not.toBe(ipcRenderer);
    expect(Object.keys(bridge).sort()).toEqual([...BRIDGE_KEYS].sort());
    expect(reachable(bridge).has(ipcRenderer)).toBe(false);
  });
});
