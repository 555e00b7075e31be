/**
 * Seeded mini-batches over a view. The order of epoch e is a Fisher–Yates shuffle drawn from
 * Rng(seed).fork('batches', e), so it depends only on (seed, epoch, n): a resumed run sees the
 * same batches. Pixels are gathered (mapped, scaled to [0, 1]) one batch at a time; nothing is
 * copied per task or per epoch beyond the n-entry index array.
 *
 *   for (const b of iterateBatches(task.train, { batchSize: 64, seed, epoch, head: task.head?.classes })) {
 *     const loss = step(b.x, b.y);   // b.x [64, 784], b.y int32 [64]
 *     tf.dispose([b.x, b.y]);        // the caller owns both tensors
 *   }
 */

import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng';
import { type DatasetView, gatherPixels } from './view';

export interface BatchOptions {
  batchSize: number;
  seed: number;
  /** shuffles differ per epoch; default 0. */
  epoch?: number;
  /** false: view order (evaluation). Default true. */
  shuffle?: boolean;
  /** 'flat': x is [B, h·w·c]; 'nhwc': x is [B, h, w, c]. Default 'flat'. */
  layout?: 'flat' | 'nhwc';
  /**
   * The classes of a multi-head model's head (global ids, e.g. [4, 5] for Split-MNIST task 3): y is
   * then the position in this list (0..len−1). Omitted: y is the global class id.
   */
  head?: readonly number[];
  /** drop a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

export interface Batch {
  /** [B, h·w·c] or [B, h, w, c], float32 in [0, 1]; owned by the caller. */
  x: tf.Tensor;
  /** [B] int32 labels (global ids, or head positions with `head`); owned by the caller. */
  y: tf.Tensor1D;
  /** the same labels on the host. */
  labels: Int32Array;
  /** view rows of this batch. */
  rows: Int32Array;
  size: number;
}

/** The visiting order of epoch `epoch`: 0..n−1 shuffled with Rng(seed).fork('batches', epoch). */
export function epochOrder(n: number, seed: number, epoch: number, shuffle = true): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (!shuffle) return order;
  const rng = new Rng(seed).fork('batches', epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Labels of a batch as y: global ids, or positions in `head`. */
function batchLabels(view: DatasetView, rows: Int32Array, head: readonly number[] | undefined): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const g = view.labels[rows[i]];
    if (!head) {
      out[i] = g;
      continue;
    }
    const h = head.indexOf(g);
    if (h < 0) throw new Error(`batch label ${g} (view row ${rows[i]}) is not one of the head's classes [${head.join(', ')}]`);
    out[i] = h;
  }
  return out;
}

export function numBatches(n: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** One epoch of batches. Tensors are created when a batch is yielded, so stopping early leaks nothing. */
export function* iterateBatches(view: DatasetView, opts: BatchOptions): Generator<Batch> {
  const { batchSize, seed } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`iterateBatches: option 'batchSize' must be a positive integer, got ${batchSize}`);
  if (!Number.isFinite(seed)) throw new Error(`iterateBatches: option 'seed' must be a number, got ${seed}`);
  const order = epochOrder(view.n, seed, opts.epoch ?? 0, opts.shuffle ?? true);
  const size = view.height * view.width * view.channels;
  const count = numBatches(view.n, batchSize, opts.dropRemainder);
  for (let b = 0; b < count; b++) {
    const rows = order.subarray(b * batchSize, Math.min(view.n, (b + 1) * batchSize));
    const B = rows.length;
    const labels = batchLabels(view, rows, opts.head);
    const pixels = gatherPixels(view, rows);
    const shape = opts.layout === 'nhwc' ? [B, view.height, view.width, view.channels] : [B, size];
    const x = tf.tensor(pixels, shape, 'float32');
    const y = tf.tensor1d(labels, 'int32');
    yield { x, y, labels, rows: Int32Array.from(rows), size: B };
  }
}
