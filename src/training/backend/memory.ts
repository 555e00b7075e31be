/**
 * Memory probes: a snapshot of tfjs and process memory, and the peak tensor memory of one
 * function call. The reversible-vs-standard U-Net benchmark and the leak watchdog rest on
 * these numbers, so their meaning is pinned down here and in memory.test.ts.
 *
 * `measurePeak` semantics (ENVIRONMENT.md §4):
 * - tf.profile's `peakBytes` is engine-global (it includes every tensor alive before the call)
 *   and is sampled after each kernel, so we subtract `tf.memory().numBytes` taken before.
 * - Bytes are what the engine tracks: the byte size of each distinct live tensor buffer (a
 *   reshape/clone sharing a buffer counts once). Scratch memory a backend allocates inside one
 *   kernel (e.g. a transpose in a reduction) is not visible to it.
 * - Tensors made without a kernel (tf.tensor, tf.zeros) are seen at the next kernel or, if
 *   they survive, at the end; we fold the end-of-call bytes into the peak for that reason.
 */
import * as tf from '@tensorflow/tfjs';

export interface MemorySnapshot {
  tensors: number; // live tf.Tensors
  bytes: number; // bytes of live tensor buffers (tf.memory().numBytes)
  rss: number; // process resident set size, bytes
  heapUsed: number; // V8 heap in use, bytes
  external: number; // memory of ArrayBuffers etc. outside the V8 heap (the cpu backend's tensors live here)
  gpuBytes?: number; // webgpu/webgl: bytes of live tensors on the GPU (tf.memory().numBytesInGPU), when the backend reports it
  gpuAllocatedBytes?: number; // webgpu: GPU buffers held, including tfjs's free-buffer pool (numBytesAllocatedInGPU)
}

export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  const p = process.memoryUsage();
  const snap: MemorySnapshot = { tensors: m.numTensors, bytes: m.numBytes, rss: p.rss, heapUsed: p.heapUsed, external: p.external };
  if (typeof m.numBytesInGPU === 'number') snap.gpuBytes = m.numBytesInGPU;
  if (typeof m.numBytesAllocatedInGPU === 'number') snap.gpuAllocatedBytes = m.numBytesAllocatedInGPU;
  return snap;
}

export interface PeakMeasurement<T> {
  result: T;
  /** Highest tracked tensor bytes during the call minus the bytes live before it (≥ 0). */
  peakBytes: number;
  /** Tensors alive after the call that were not before (e.g. the returned ones). */
  newTensors: number;
  /** Change in tracked bytes across the call (what the returned/leaked tensors hold). */
  newBytes: number;
  /** Sum of per-kernel times the backend reported; absent if it reported none. */
  kernelMs?: number;
}

/** Run `fn` under tf.profile and report its peak tensor memory above the starting level. */
export async function measurePeak<T>(fn: () => T | Promise<T>): Promise<PeakMeasurement<T>> {
  const before = tf.memory().numBytes;
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(fn as () => tf.TensorContainer | Promise<tf.TensorContainer>);
  } catch (e) {
    // tf.profile leaves the engine in profiling mode when fn throws (every later kernel would
    // be timed and recorded, growing without bound): switch it off before rethrowing.
    const state = (tf.engine() as unknown as { state: { profiling: boolean; activeProfile: { kernels: unknown[] } } }).state;
    state.profiling = false;
    state.activeProfile.kernels = [];
    throw e;
  }
  const after = tf.memory().numBytes;
  // Math.max() over zero kernels is -Infinity in tf.profile: fall back to the end level.
  const peakAbs = Math.max(before, after, Number.isFinite(info.peakBytes) ? info.peakBytes : -Infinity);
  let kernelMs: number | undefined;
  for (const k of info.kernels) {
    const ms = k.kernelTimeMs as unknown;
    if (typeof ms === 'number' && Number.isFinite(ms)) kernelMs = (kernelMs ?? 0) + ms;
  }
  const out: PeakMeasurement<T> = {
    result: info.result as T,
    peakBytes: peakAbs - before,
    newTensors: info.newTensors,
    newBytes: after - before,
  };
  if (kernelMs !== undefined) out.kernelMs = kernelMs;
  return out;
}
