/**
 * Forward-only passes over many images, a chunk at a time (so 60 000 images never become one
 * 188 MB tensor): embeddings for k-means and the embedding plot, per-sample cross-entropy and
 * predictions for the self-paced ranking and the test accuracy. One `await data()` per chunk.
 */
import * as tf from '@tensorflow/tfjs';
import { type DatasetView, gatherPixels } from '../../data/images/view';

/** x [B, H, W, C] → [B, K] (embedding or logits); must not dispose x. */
export type ForwardFn = (x: tf.Tensor4D) => tf.Tensor2D;

function chunkInput(view: DatasetView, rows: ArrayLike<number>, start: number, n: number): tf.Tensor4D {
  const part = Array.prototype.slice.call(rows, start, start + n) as number[];
  return tf.tensor4d(gatherPixels(view, part), [n, view.height, view.width, view.channels]);
}

function checkChunk(chunk: number): void {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`forward pass: chunk = ${chunk} must be an integer ≥ 1`);
}

/** Outputs of `forward` for the given view rows, as a host [rows·K] array and K. */
export async function forwardRows(forward: ForwardFn, view: DatasetView, rows: ArrayLike<number>, chunk: number): Promise<{ values: Float32Array; dim: number }> {
  checkChunk(chunk);
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let s = 0; s < rows.length; s += chunk) {
    const n = Math.min(chunk, rows.length - s);
    const y = tf.tidy(() => {
      const x = chunkInput(view, rows, s, n); // [n, H, W, C]
      return forward(x); // [n, K]
    });
    dim = y.shape[1];
    parts.push((await y.data()) as Float32Array);
    y.dispose();
  }
  const values = new Float32Array(rows.length * dim);
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.length;
  }
  return { values, dim };
}

/** Per-sample cross-entropy (nats) of logits [B, K] against int32 labels [B]: −log softmax(z)_y. */
export function perSampleCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), 1)) as tf.Tensor1D);
}

export interface Scores {
  readonly ce: Float32Array; // per-sample cross-entropy (nats)
  readonly correct: Uint8Array; // 1 where argmax(logits) = label
  readonly accuracy: number;
  readonly meanCe: number;
}

/** Cross-entropy and correctness of a classifier on the given view rows. */
export async function scoreRows(logitsOf: ForwardFn, view: DatasetView, rows: ArrayLike<number>, chunk: number): Promise<Scores> {
  checkChunk(chunk);
  const ce = new Float32Array(rows.length);
  const correct = new Uint8Array(rows.length);
  for (let s = 0; s < rows.length; s += chunk) {
    const n = Math.min(chunk, rows.length - s);
    const labels = Int32Array.from({ length: n }, (_, i) => view.labels[rows[s + i]]);
    const [c, hit] = tf.tidy(() => {
      const x = chunkInput(view, rows, s, n);
      const y = tf.tensor1d(labels, 'int32');
      const z = logitsOf(x); // [n, K]
      return [perSampleCrossEntropy(z, y), tf.equal(tf.argMax(z, 1), y)];
    });
    const [cv, hv] = await Promise.all([c.data(), hit.data()]);
    tf.dispose([c, hit]);
    ce.set(cv as Float32Array, s);
    for (let i = 0; i < n; i++) correct[s + i] = hv[i] ? 1 : 0;
  }
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    hits += correct[i];
    sum += ce[i];
  }
  return { ce, correct, accuracy: rows.length ? hits / rows.length : 0, meanCe: rows.length ? sum / rows.length : 0 };
}

/** 0..n−1 as an Int32Array. */
export const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
