/**
 * The app and its engine as the status bar shows them: versions and the backend report
 * ('app:info'), the engine process (state, job, crash reason) from 'engine:status' and every
 * 'engine:statusChanged', the latest memory sample (step events are newer than status), and the
 * link to the server in a browser tab. Refreshed on every (re)connection, since events sent while
 * disconnected are lost.
 */
import { createContext } from 'svelte';
import type { AppInfo, EngineStatus, FrugalApi } from '../../shared/api';
import type { MemoryStats } from '../../shared/events';
import { type ConnectionStatus, isConnectionAware } from '../lib/connection';
import { errorMessage } from '../lib/errors';
import { statusTick } from '../lib/jobs';

export type Compute = 'GPU' | 'CPU';

/** GPU or CPU from a tfjs backend name and its device description. */
export function computeOf(backend: string | null | undefined, device: string | null | undefined): Compute | null {
  if (!backend && !device) return null;
  // webgpu on a software adapter (forced, for tests) says "CPU emulating a GPU ...".
  if (backend === 'webgpu' || backend === 'webgl') return /^CPU\b/.test(device ?? '') ? 'CPU' : 'GPU';
  if (backend === 'cpu' || backend === 'wasm') return 'CPU';
  return /gpu|cuda|metal|vulkan/i.test(device ?? '') && !/\bno gpu\b|cpu only/i.test(device ?? '') ? 'GPU' : 'CPU';
}

export class EngineState {
  info = $state.raw<AppInfo | null>(null);
  infoError = $state<string | null>(null);
  status = $state.raw<EngineStatus | null>(null);
  statusError = $state<string | null>(null);
  memory = $state.raw<MemoryStats | null>(null);
  connection = $state.raw<ConnectionStatus>({ state: 'open', attempts: 0 });
  restarting = $state(false);
  restartError = $state<string | null>(null);

  crashed = $derived(this.status?.state === 'crashed');
  backendName = $derived(this.status?.backend ?? this.info?.backend.chosen ?? null);
  device = $derived(this.status?.device ?? this.info?.backend.device ?? null);
  compute = $derived(computeOf(this.backendName, this.device));

  private readonly listeners = new Set<(s: EngineStatus, asOf: number) => void>();

  constructor(private readonly api: FrugalApi) {}

  /** Subscribes to the engine's events and loads the first state; returns the unsubscribe. */
  connect(): () => void {
    const offs = [
      this.api.on('engine:statusChanged', (s) => this.setStatus(s, statusTick())),
      this.api.on('engine:event', ({ event }) => {
        if (event.type === 'step') this.memory = event.memory;
      }),
    ];
    if (isConnectionAware(this.api)) {
      const api = this.api;
      this.connection = api.connection;
      offs.push(
        api.onConnectionChange((c) => {
          const reopened = c.state === 'open' && this.connection.state !== 'open';
          this.connection = c;
          if (reopened) void this.refresh();
        }),
      );
    }
    void this.refresh();
    return () => offs.forEach((off) => off());
  }

  /**
   * Called with every status, from events, refreshes and restarts (JobsState listens), with the
   * statusTick() of when it was asked for: an answer to an older request says nothing about
   * jobs started since.
   */
  onStatus(listener: (s: EngineStatus, asOf: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** statusTick() of the status shown: an answer to an older request must not replace it. */
  private statusAsOf = -1;

  setStatus(s: EngineStatus, asOf: number): void {
    // 'engine:status' asked while the engine was starting can be answered after the
    // 'engine:statusChanged' that says it is idle: the older answer is stale, drop it.
    if (asOf < this.statusAsOf) return;
    this.statusAsOf = asOf;
    this.status = s;
    this.statusError = null;
    // An idle engine without a memory report has no current numbers: show none, not the last step's.
    if (s.memory) this.memory = s.memory;
    else if (s.state !== 'busy') this.memory = null;
    for (const l of this.listeners) l(s, asOf);
  }

  async refresh(): Promise<void> {
    const asOf = statusTick();
    // Each answer is applied as it arrives: 'app:info' waits for the engine to be ready, the
    // status does not.
    await Promise.all([
      this.api.invoke('app:info', {}).then(
        (info) => {
          this.info = info;
          this.infoError = null;
        },
        (e: unknown) => (this.infoError = errorMessage(e)),
      ),
      this.api.invoke('engine:status', {}).then(
        (status) => this.setStatus(status, asOf),
        (e: unknown) => (this.statusError = errorMessage(e)),
      ),
    ]);
  }

  async restart(): Promise<void> {
    this.restarting = true;
    this.restartError = null;
    try {
      const asOf = statusTick();
      this.setStatus(await this.api.invoke('engine:restart', {}), asOf);
      const info = await this.api.invoke('app:info', {});
      this.info = info;
    } catch (e) {
      this.restartError = errorMessage(e);
    } finally {
      this.restarting = false;
    }
  }
}

export const [getEngine, setEngine] = createContext<EngineState>();
