/**
 * Whether the continual-learning code takes its typed-array paths (penalty + gradient fusion, SGD,
 * SI's path integral, per-sample importance sums) or plain tfjs ops. Host backends (cpu, wasm;
 * nn/host.ts) take the typed-array paths: there a fused loop over a parameter is ~10× faster than
 * tfjs's elementwise binary ops. Tests force either path to check that both give the same numbers.
 */
import { hostData, isHostBackend } from '../nn/host';

let forced: boolean | null = null;

export function useHostPath(): boolean {
  return forced ?? isHostBackend();
}

/** Tests only: true/false forces the typed-array/ops path, null restores the automatic choice. */
export function forceHostPath(mode: boolean | null): void {
  forced = mode;
}

export { hostData };
