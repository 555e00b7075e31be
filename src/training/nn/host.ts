/**
 * Host backends keep tensor data in JavaScript memory ('cpu') or a wasm heap ('wasm'), so a
 * `dataSync()` costs nothing (cpu) or one copy (wasm), and the typed-array kernels in this folder
 * beat tfjs's own per-element loops there. On GPU backends the same read would be a blocking
 * device-to-host copy, so layers take their tfjs-op paths instead.
 */
import * as tf from '@tensorflow/tfjs';

const HOST_BACKENDS = new Set(['cpu', 'wasm']);

export function isHostBackend(backend: string = tf.getBackend()): boolean {
  return HOST_BACKENDS.has(backend);
}

/** A float32 tensor's values on the host (the cpu backend's own buffer: treat as read-only). */
export function hostData(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}
