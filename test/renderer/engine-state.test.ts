// EngineState: status from refreshes and events, memory from step events, restart, reconnect.
import { describe, expect, it } from 'vitest';
import type { AppInfo, EngineStatus } from '../../src/shared/api';
import type { ConnectionAware, ConnectionStatus } from '../../src/renderer/lib/connection';
import { computeOf, EngineState } from '../../src/renderer/state/engine.svelte';
import { ev, flush, idle, TestApi } from './fake-api';

const info = { app: { name: 'f', version: '1' }, versions: {}, backend: { chosen: 'tensorflow', device: 'GPU 0: NVIDIA RTX 3060 (CUDA 11.2)', candidates: [], tfjsVersion: '4.22.0', versions: {}, threads: null }, runsRoot: '/runs', door: 'serve' } satisfies AppInfo;

class ReconnectingApi extends TestApi implements ConnectionAware {
  connection: ConnectionStatus = { state: 'open', attempts: 0 };
  private cbs = new Set<(s: ConnectionStatus) => void>();
  onConnectionChange(l: (s: ConnectionStatus) => void): () => void {
    this.cbs.add(l);
    return () => this.cbs.delete(l);
  }
  setConnection(s: ConnectionStatus): void {
    this.connection = s;
    this.cbs.forEach((l) => l(s));
  }
}

describe('EngineState', () => {
  it('loads info and status, then follows status events and step memory', async () => {
    const api = new TestApi().handle('app:info', () => info).handle('engine:status', () => ({ ...idle, backend: null, device: null }));
    const e = new EngineState(api);
    e.connect();
    await flush();
    expect(e.compute).toBe('GPU'); // from the backend report while the engine has not said
    expect(e.backendName).toBe('tensorflow');
    api.emit('engine:event', { jobId: 'j', event: ev.step(5) });
    expect(e.memory?.tensors).toBe(15);
    api.emit('engine:statusChanged', { ...idle, state: 'crashed', error: 'boom' });
    expect(e.crashed).toBe(true);
  });

  it('keeps a newer status event over an older status answer that arrives later', async () => {
    // The engine is starting: 'engine:status' answers "starting" at once, but its answer is
    // delivered only after the engine's "idle" event (app:info waits for the engine).
    let answer!: (s: EngineStatus) => void;
    const api = new TestApi().handle('app:info', () => info).handle('engine:status', () => new Promise<EngineStatus>((r) => (answer = r)));
    const e = new EngineState(api);
    e.connect();
    api.emit('engine:statusChanged', idle);
    expect(e.status?.state).toBe('idle');
    answer({ ...idle, state: 'starting', backend: null, device: null });
    await flush();
    expect(e.status?.state).toBe('idle');
  });

  it('restart replaces the crashed status with the new one', async () => {
    const api = new TestApi().handle('app:info', () => info).handle('engine:status', (): EngineStatus => ({ ...idle, state: 'crashed', error: 'x' })).handle('engine:restart', () => idle);
    const e = new EngineState(api);
    e.connect();
    await flush();
    expect(e.crashed).toBe(true);
    await e.restart();
    expect(e.crashed).toBe(false);
    expect(e.restartError).toBeNull();
  });

  it('refreshes after a reconnection (events sent meanwhile are lost)', async () => {
    const api = new ReconnectingApi();
    let n = 0;
    api.handle('app:info', () => info).handle('engine:status', () => (n++, idle));
    const e = new EngineState(api);
    e.connect();
    await flush();
    api.setConnection({ state: 'reconnecting', attempts: 1, lastError: 'dropped' });
    expect(e.connection.state).toBe('reconnecting');
    api.setConnection({ state: 'open', attempts: 0 });
    await flush();
    expect(n).toBe(2);
  });

  it('names GPU or CPU from the backend', () => {
    expect(computeOf('cpu', 'CPU')).toBe('CPU');
    expect(computeOf('wasm', null)).toBe('CPU');
    expect(computeOf('webgpu', null)).toBe('GPU');
    expect(computeOf('webgpu', 'GPU (WebGPU on apple metal-3 (Apple M2), Metal)')).toBe('GPU');
    expect(computeOf('webgpu', 'CPU emulating a GPU (WebGPU on google swiftshader (SwiftShader driver 5.0.0), Vulkan)')).toBe('CPU');
    expect(computeOf('tensorflow', 'CPU (libtensorflow, 8 threads)')).toBe('CPU');
    expect(computeOf(null, null)).toBeNull();
  });
});
