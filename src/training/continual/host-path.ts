/**
 * Whether the continual-learning code takes its typed-array paths (penalty + gradient fusion, SGD,
 * SI's path integral, per-sample importance sums) or plain tfjs ops. Only the cpu backend takes the
 * typed-array paths: there a fused loop over a parameter is ~10× faster than tfjs's elementwise
 * binary ops. On wasm the ops are native SIMD and every typed-array read is a copy out of the wasm
 * heap, so the ops path is the faster one (784→400→400 MLP, batch 64, one SGD update with SI:
 * 41 ms with ops vs 74 ms with typed arrays; with the MAS penalty 40 vs 55 ms; on cpu 641 vs
 * 393 ms the other way round: bench/results/continual.md). Tests force either path to check that
 * both give the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { hostData } from '../nn/host';

let forced: boolean | null = null;

export function useHostPath(): boolean {
  return forced ?? tf.getBackend() === 'cpu';
}

/** Tests only: true/false forces the typed-array/ops path, null restores the automatic choice. */
export function forceHostPath(mode: boolean | null): void {
  forced = mode;
}

export { hostData };
