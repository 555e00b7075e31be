/**
 * The minimal batch source the continual-learning code consumes. The MNIST loaders (data/) build
 * the real ones; `arrayBatches` serves in-memory arrays (tests, synthetic tasks).
 *
 * Ownership: each batch returned by `next()` belongs to the consumer, which disposes it.
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng } from '../core/rng';

export interface Batch {
  readonly x: tf.Tensor; // [B, …features]
  readonly y: tf.Tensor1D; // [B] global class ids, int32
}

export interface BatchIterator {
  /** The next batch, or null when the source is exhausted. */
  next(): Batch | null;
}

export interface ArrayBatchOptions {
  /** Shuffle the sample order with this rng (once per call of arrayBatches). */
  readonly rng?: Rng;
  /** Repeat the data this many times (epochs); default 1. Each epoch is reshuffled when rng is given. */
  readonly epochs?: number;
  /** Keep a final batch smaller than batchSize (default true). */
  readonly keepPartial?: boolean;
}

/** Batches from a row-major [n, features] Float32Array and n labels. */
export function arrayBatches(x: Float32Array, labels: ArrayLike<number>, features: number, batchSize: number, opts: ArrayBatchOptions = {}): BatchIterator {
  const n = labels.length;
  if (!Number.isInteger(features) || features < 1) throw new Error(`arrayBatches: features = ${features} must be an integer ≥ 1`);
  if (x.length !== n * features) throw new Error(`arrayBatches: x has ${x.length} values, expected ${n} samples × ${features} features = ${n * features}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`arrayBatches: batchSize = ${batchSize} must be an integer ≥ 1`);
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`arrayBatches: epochs = ${epochs} must be an integer ≥ 0`);
  const keepPartial = opts.keepPartial ?? true;
  let epoch = 0;
  let pos = 0;
  let order: number[] = [];
  const startEpoch = () => {
    order = Array.from({ length: n }, (_, i) => i);
    if (opts.rng) opts.rng.shuffle(order);
    pos = 0;
  };
  startEpoch();
  return {
    next() {
      for (;;) {
        if (epoch >= epochs) return null;
        const left = n - pos;
        if (left > 0 && (left >= batchSize || keepPartial)) break;
        epoch += 1;
        startEpoch();
      }
      const idx = order.slice(pos, pos + batchSize);
      pos += idx.length;
      const bx = new Float32Array(idx.length * features);
      const by = new Int32Array(idx.length);
      idx.forEach((s, r) => {
        bx.set(x.subarray(s * features, (s + 1) * features), r * features);
        by[r] = labels[s];
      });
      return { x: tf.tensor2d(bx, [idx.length, features]), y: tf.tensor1d(by, 'int32') };
    },
  };
}
