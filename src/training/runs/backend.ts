/**
 * The backend a run trains on. tfjs has one active backend per process, and one engine process
 * (the app's engine host, `frugal serve`) runs experiments of different kinds one after another:
 * the engine picks its backend once at start for the 3D U-Net, where wasm is refused, but an
 * experiment whose `backendPurpose` is 'matmul' (MLPs, LeNets) trains several times faster on
 * wasm than on the cpu backend. So before a run starts, `runBackend` moves it to wasm when the
 * engine settled on cpu automatically, and `restore` moves the engine back when the run ends: a
 * BraTS run after a continual run is on the engine's backend again. The report it returns is what
 * the run's card, its 'started' event and its context say.
 *
 * Left alone: a forced backend (FRUGAL_BACKEND, --backend: the user's choice wins), a native or
 * GPU backend (better than wasm), an engine that already chose wasm (the CLI selects with the
 * experiment's purpose up front), and a wasm the engine already found unusable.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendReport, type CandidateOutcome } from '../backend/select';
import type { BackendPurpose } from '../experiments/experiment';

export interface RunBackend {
  /** The backend this run trains on, as its card and 'started' event record it. */
  readonly report: BackendReport;
  /** Why it differs from the engine's (for the run's log); absent when it is the engine's. */
  readonly note?: string;
  /** Back to the engine's backend (the run's tensors must be disposed first). */
  restore(): Promise<void>;
}

/** The moved-to report while a moved run is active (what the engine's status should say). */
let moved: BackendReport | null = null;

/** The backend in use now: a running run's, if it moved, else the engine's. */
export function currentBackend(engine: BackendReport): BackendReport {
  return moved && tf.getBackend() === moved.chosen ? moved : engine;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n').join(' ');

export async function runBackend(purpose: BackendPurpose, engine: BackendReport, select: typeof selectBackend = selectBackend): Promise<RunBackend> {
  // Whatever an earlier run left active, this one starts from the engine's backend.
  if (tf.getBackend() !== engine.chosen) await tf.setBackend(engine.chosen);
  const stay: RunBackend = { report: engine, restore: async () => undefined };
  if (purpose !== 'matmul' || engine.forcedBy || engine.chosen !== 'cpu') return stay;
  const tried = engine.candidates.find((c) => c.name === 'wasm');
  if (tried && (tried.status === 'unavailable' || tried.status === 'failed')) return stay;

  const back = async (): Promise<void> => {
    moved = null;
    if (tf.getBackend() !== engine.chosen) await tf.setBackend(engine.chosen);
  };
  let wasm: BackendReport;
  try {
    wasm = await select({ prefer: 'wasm', env: {} });
  } catch (e) {
    await back();
    const why = firstLine(e);
    const candidates = engine.candidates.map((c): CandidateOutcome => (c.name === 'wasm' ? { ...c, status: 'failed', reason: `wanted for this matMul-bound experiment but could not be started: ${why}` } : c));
    return { report: { ...engine, candidates }, note: `backend: cpu, because wasm could not be started (${why})`, restore: async () => undefined };
  }
  const outcome = wasm.candidates.find((c) => c.name === 'wasm');
  const candidates = engine.candidates.map((c): CandidateOutcome => {
    if (c.name === 'wasm') return { ...c, status: 'chosen', reason: `${outcome?.reason ?? wasm.device}; chosen for this matMul-bound experiment` };
    if (c.name === 'cpu') return { ...c, status: 'skipped', reason: 'not used: wasm runs this matMul-bound experiment several times faster' };
    return c;
  });
  const { forcedBy: _forced, ...rest } = wasm; // selected by name here, not forced by the user
  const report: BackendReport = { ...rest, candidates, versions: { ...engine.versions, ...wasm.versions }, ...(engine.adapter ? { adapter: engine.adapter } : {}) };
  moved = report;
  return {
    report,
    note: `backend: ${report.chosen} (${report.device}) instead of the engine's cpu: this experiment is matMul-bound, where wasm is several times faster`,
    restore: back,
  };
}
