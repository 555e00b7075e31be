/**
 * The MLPs of continual learning are matMul-bound, and the wasm backend runs them 3-4.5× faster
 * than the pure-JavaScript cpu backend with the same losses to 1e-7 (bench/results/continual.md;
 * their path has no gather, hence no UnsortedSegmentSum, which wasm lacks: ENVIRONMENT.md §2).
 * The engine picks one backend per process for the 3D U-Net, where wasm is refused (its Conv3D
 * input gradient is wrong), so a run of this experiment moves to wasm itself when the engine
 * settled on cpu automatically, and moves back when it ends. A forced backend (FRUGAL_BACKEND,
 * --backend) and the native/GPU backends are left alone.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendReport } from '../../backend/select';

export interface RunBackend {
  /** The backend this run trains on (tf.getBackend()). */
  readonly name: string;
  /** Why, in words, for the run's log. */
  readonly reason: string;
  /** Back to the engine's backend (tensors made here must be disposed first). */
  restore(): Promise<void>;
}

export async function useMatmulBackend(engine: BackendReport, select: typeof selectBackend = selectBackend): Promise<RunBackend> {
  const before = tf.getBackend();
  const stay = (reason: string): RunBackend => ({ name: before, reason, restore: async () => undefined });
  if (engine.forcedBy) return stay(`${before}: forced by ${engine.forcedBy}`);
  if (before !== 'cpu') return stay(`${before}: the engine's choice (${engine.device})`);
  try {
    const r = await select({ prefer: 'wasm', env: {} });
    return {
      name: r.chosen,
      reason: `${r.chosen} (${r.device}) instead of the engine's cpu: this MLP is matMul-bound, where wasm is several times faster`,
      restore: async () => {
        await tf.setBackend(before);
      },
    };
  } catch (e) {
    await tf.setBackend(before);
    return stay(`cpu: wasm could not be started (${(e as Error).message.split('\n').join(' ')})`);
  }
}
