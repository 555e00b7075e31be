// Main's IPC router (src/main/ipc.ts) with fake ipcMain, supervisor and door handlers: every
// invoke channel is registered once, payloads are validated before any handler runs, door
// channels go to the door and engine channels to the supervisor.
import { describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { registerIpc, sendEvent, type EngineInvoker, type IpcMainLike } from '../../src/main/ipc';
import { DOOR_CHANNELS, ENGINE_CHANNELS, INVOKE_CHANNELS, type DoorChannel, type DoorHandlers, type InvokeChannel, type RequestOf } from '../../src/shared/api';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

function setup(opts: { allowSender?: (e: IpcMainInvokeEvent) => boolean } = {}) {
  const handlers = new Map<string, Handler>();
  const registrations: string[] = [];
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      registrations.push(channel);
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`); // as Electron does
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const engine = { invoke: vi.fn(async (channel: string, req: unknown) => ({ from: 'engine', channel, req })) };
  const doorFn = (channel: string) => vi.fn(async (req: unknown) => ({ from: 'door', channel, req }));
  const fakes = Object.fromEntries(DOOR_CHANNELS.map((c) => [c, doorFn(c)])) as Record<DoorChannel, ReturnType<typeof doorFn>>;
  const door = fakes as unknown as DoorHandlers;
  const onEngineResult = vi.fn();
  const unregister = registerIpc({ ipcMain, door, engine: engine as unknown as EngineInvoker, onEngineResult, ...opts });
  const event = { sender: {}, senderFrame: { url: 'file:///app/index.html' } } as unknown as IpcMainInvokeEvent;
  const call = (channel: string, payload: unknown) => handlers.get(channel)!(event, payload);
  const doorCalls = () => DOOR_CHANNELS.reduce((n, c) => n + fakes[c].mock.calls.length, 0);
  return { handlers, registrations, engine, door: fakes, doorCalls, call, onEngineResult, unregister };
}

// A valid request per channel (the fewest fields each schema needs). Typed over every invoke
// channel, so a channel added to the contract without an entry here fails the type check.
const VALID: { [K in InvokeChannel]: RequestOf<K> } = {
  'app:info': {},
  'experiments:list': {},
  'runs:list': {},
  'engine:status': {},
  'engine:restart': {},
  'dialog:openFolder': {},
  'runs:getEvaluation': { runId: 'r1', predictions: '/runs/r1/predictions/p' },
  'experiments:estimateMemory': { experiment: 'brats', config: {} },
  'experiments:memoryLedger': { experiment: 'revbifpn-classify', config: {} },
  'datasets:scan': { root: '/data/brats' },
  'datasets:createDemo': { out: '/data/demo' },
  'datasets:writeDemo': { kind: 'text', out: '/data/demo-text' },
  'files:url': { path: '/data/brats/a.nii.gz' },
  'train:start': { experiment: 'brats', config: {} },
  'train:resume': { runId: 'r1' },
  'jobs:stop': { jobId: 'j1' },
  'runs:get': { runId: 'r1' },
  'runs:predict': { runId: 'r1', data: '/data/brats' },
  'runs:evaluate': { runId: 'r1' },
  'runs:getDetections': { runId: 'r1' },
};
const valid = (c: InvokeChannel) => VALID[c];

describe('ipc router', () => {
  it('registers every invoke channel exactly once, and nothing else', () => {
    const { registrations } = setup();
    expect([...registrations].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(new Set(registrations).size).toBe(registrations.length);
  });

  it('unregisters them all', () => {
    const { handlers, unregister } = setup();
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('sends door channels to the door and engine channels to the supervisor, with the parsed request', async () => {
    const { call, engine, door, doorCalls } = setup();
    for (const c of DOOR_CHANNELS) {
      await expect(call(c, valid(c))).resolves.toMatchObject({ from: 'door', channel: c });
      expect(door[c]).toHaveBeenCalledTimes(1);
    }
    expect(engine.invoke).not.toHaveBeenCalled();
    for (const c of ENGINE_CHANNELS) {
      await expect(call(c, valid(c))).resolves.toMatchObject({ from: 'engine', channel: c });
      expect(engine.invoke).toHaveBeenLastCalledWith(c, expect.anything());
    }
    expect(engine.invoke).toHaveBeenCalledTimes(ENGINE_CHANNELS.length);
    expect(doorCalls()).toBe(DOOR_CHANNELS.length);
  });

  it('hands handlers the parsed request, defaults applied', async () => {
    const { call, engine, door } = setup();
    await call('datasets:createDemo', { out: '/d' });
    expect(engine.invoke).toHaveBeenLastCalledWith('datasets:createDemo', { out: '/d', cases: 6, size: 48, seed: 0 });
    await call('dialog:openFolder', undefined);
    expect(door['dialog:openFolder']).toHaveBeenLastCalledWith({ title: 'Open folder' });
  });

  it('rejects a bad payload naming the channel and field, before any handler runs', async () => {
    const { call, engine, doorCalls } = setup();
    await expect(call('datasets:scan', { root: 42 })).rejects.toThrow(/datasets:scan: invalid request: root/);
    await expect(call('runs:get', {})).rejects.toThrow(/runs:get: invalid request: runId/);
    await expect(call('files:url', { path: '' })).rejects.toThrow(/files:url: invalid request: path/);
    await expect(call('app:info', { extra: 1 })).rejects.toThrow(/app:info: invalid request/); // strict: unknown keys refused
    await expect(call('datasets:createDemo', { out: '/d', cases: 1000 })).rejects.toThrow(/cases/);
    expect(engine.invoke).not.toHaveBeenCalled();
    expect(doorCalls()).toBe(0);
  });

  it('refuses senders other than the app window when a sender check is given', async () => {
    const { call, engine } = setup({ allowSender: () => false });
    await expect(call('runs:list', {})).rejects.toThrow(/runs:list: refused/);
    expect(engine.invoke).not.toHaveBeenCalled();
  });

  it('tells onEngineResult of engine answers only, after they succeed', async () => {
    const { call, engine, onEngineResult } = setup();
    await call('datasets:scan', { root: '/data/brats' });
    expect(onEngineResult).toHaveBeenCalledWith('datasets:scan', { root: '/data/brats' }, expect.objectContaining({ from: 'engine' }));
    await call('files:url', valid('files:url'));
    expect(onEngineResult).toHaveBeenCalledTimes(1);
    engine.invoke.mockRejectedValueOnce(new Error('no such folder'));
    await expect(call('datasets:scan', { root: '/nope' })).rejects.toThrow('no such folder');
    expect(onEngineResult).toHaveBeenCalledTimes(1);
  });

  it('passes a door or engine error through to the caller', async () => {
    const { call, door } = setup();
    door['files:url'].mockRejectedValueOnce(new Error('files:url: /etc/passwd is outside the folders the app may read'));
    await expect(call('files:url', { path: '/etc/passwd' })).rejects.toThrow(/outside/);
  });
});

describe('sendEvent', () => {
  it('sends to a live window and drops events for a destroyed or missing one', () => {
    const send = vi.fn();
    sendEvent({ isDestroyed: () => false, send }, 'app:menu', { command: 'open-dataset' });
    expect(send).toHaveBeenCalledWith('app:menu', { command: 'open-dataset' });
    sendEvent({ isDestroyed: () => true, send }, 'app:menu', { command: 'open-dataset' });
    sendEvent(null, 'app:menu', { command: 'open-dataset' });
    expect(send).toHaveBeenCalledTimes(1);
  });
});
