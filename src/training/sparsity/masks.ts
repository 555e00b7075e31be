/**
 * SPDF's static sparsity masks (METHODS.md §1 [C `init_method: random`]): for each sparse matrix
 * W with n entries, exactly round(s·n) positions picked uniformly at random (a partial
 * Fisher–Yates shuffle, seeded per matrix) are 0 and stay 0 for the whole of pre-training.
 *
 *   init:      W := W ⊙ M
 *   each step: the forward pass uses W ⊙ M, so g ⊙ M = g (masked gradients are exactly 0 and so
 *              are their AdamW moments); after the update W := W ⊙ M again (`reapplyMasks`), which
 *              keeps the invariant even if something else (a restore, weight decay on a non-zero
 *              value) touched a masked entry.
 *
 * Masks are 0/1 float32 tensors keyed by the parameter names of models/gpt.ts
 * (`sparseWeightNames`); checkpoints store them as U8 under 'mask/<name>' (`maskCheckpointTensors`).
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointTensor, LoadedTensor } from '../core/checkpoint';
import { Rng } from '../core/rng';

export type Masks = Map<string, tf.Tensor>;

/** Number of zeros a matrix of n entries gets at sparsity s. */
export function maskedCount(n: number, sparsity: number): number {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`sparsity = ${sparsity} must be in [0, 1)`);
  return Math.round(sparsity * n);
}

/** A 0/1 mask of n entries with exactly round(s·n) zeros at uniformly random positions. */
export function randomMaskValues(n: number, sparsity: number, rng: Rng): Uint8Array {
  const zeros = maskedCount(n, sparsity);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  const mask = new Uint8Array(n).fill(1);
  // The first `zeros` slots of a partial Fisher–Yates shuffle are a uniform random subset.
  for (let i = 0; i < zeros; i++) {
    const j = i + rng.int(n - i);
    const t = index[i];
    index[i] = index[j];
    index[j] = t;
    mask[index[i]] = 0;
  }
  return mask;
}

/** Masks for `names` (each shaped like its parameter), seeded per name: the same seed gives the same masks. */
export function makeMasks(params: ReadonlyMap<string, tf.Tensor>, names: readonly string[], sparsity: number, seed: number): Masks {
  const out: Masks = new Map();
  const rng = new Rng(seed).fork('spdf-masks');
  for (const name of names) {
    const w = params.get(name);
    if (!w) throw new Error(`sparsity mask: no parameter '${name}'`);
    const values = randomMaskValues(w.size, sparsity, rng.fork(name));
    out.set(name, tf.tensor(Float32Array.from(values), w.shape, 'float32'));
  }
  return out;
}

/** W := W ⊙ M for every masked parameter. */
export function reapplyMasks(params: ReadonlyMap<string, tf.Variable>, masks: Masks): void {
  tf.tidy(() => {
    for (const [name, m] of masks) {
      const w = params.get(name);
      if (!w) throw new Error(`sparsity mask: no parameter '${name}'`);
      w.assign(tf.mul(w, m));
    }
  });
}

/** Fraction of entries exactly 0, per named parameter (one host read per tensor). */
export async function zeroFractions(params: ReadonlyMap<string, tf.Tensor>, names: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of names) {
    const w = params.get(name);
    if (!w) throw new Error(`zero fraction: no parameter '${name}'`);
    const v = (await w.data()) as Float32Array;
    let z = 0;
    for (let i = 0; i < v.length; i++) if (v[i] === 0) z++;
    out.set(name, z / v.length);
  }
  return out;
}

/** Masks as U8 checkpoint tensors 'mask/<name>'. */
export function maskCheckpointTensors(masks: Masks): Map<string, CheckpointTensor> {
  const out = new Map<string, CheckpointTensor>();
  for (const [name, m] of masks) out.set(`mask/${name}`, { data: Uint8Array.from(m.dataSync() as Float32Array), shape: m.shape });
  return out;
}

/** Masks back from a checkpoint's tensors ('mask/<name>'); empty when it holds none (a dense model). */
export function masksFromCheckpoint(tensors: ReadonlyMap<string, LoadedTensor>, params: ReadonlyMap<string, tf.Tensor>, file: string): Masks {
  const out: Masks = new Map();
  for (const [key, t] of tensors) {
    if (!key.startsWith('mask/')) continue;
    const name = key.slice(5);
    const w = params.get(name);
    if (!w) throw new Error(`checkpoint ${file}: mask '${name}' has no parameter in this model`);
    if (t.shape.join(',') !== w.shape.join(',')) throw new Error(`checkpoint ${file}: mask '${name}' has shape [${t.shape}], its parameter [${w.shape}]`);
    for (const v of t.data) if (v !== 0 && v !== 1) throw new Error(`checkpoint ${file}: mask '${name}' holds ${v}; masks are 0/1`);
    out.set(name, tf.tensor(Float32Array.from(t.data), t.shape, 'float32'));
  }
  return out;
}

export function disposeMasks(masks: Masks): void {
  for (const m of masks.values()) m.dispose();
  masks.clear();
}
