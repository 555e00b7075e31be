/**
 * The GPT as both SPDF experiments hold it: config, parameters, the sparsity masks (empty when the
 * model trains dense), the AdamW update with clipping and mask re-application, and checkpoint
 * save/restore. Checkpoint names: 'param/<name>', 'opt/m|v/<name>', 'mask/<name>' (U8).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../core/adam';
import { clipByGlobalNorm } from '../../core/clip';
import type { CheckpointTensor } from '../../core/checkpoint';
import { disposeParams, flattenParams, gradsByParamName } from '../../core/params';
import { Rng } from '../../core/rng';
import { readTrainingState, restoreOptimizer, restoreParams, type LoadedTrainingState } from '../../core/training-state';
import { gptLoss, initGpt, sparseWeightNames, type GptConfig, type GptParams } from '../../models/gpt';
import { disposeMasks, makeMasks, maskCheckpointTensors, masksFromCheckpoint, reapplyMasks, zeroFractions, type Masks } from '../../sparsity/masks';

/** The sparse matrices of a block, in the order of the 'sparsity' event's columns. */
export const MATRIX_COLUMNS = ['q', 'k', 'v', 'o', 'fc', 'proj'] as const;

export interface SpdfModel {
  readonly cfg: GptConfig;
  readonly params: GptParams<tf.Variable>;
  readonly named: Map<string, tf.Variable>;
  /** Masks by parameter name; empty = dense. */
  readonly masks: Masks;
  dispose(): void;
}

/** A fresh model (seeded), with masks at `sparsity` applied to the initial weights (none when 0). */
export function createSpdfModel(cfg: GptConfig, seed: number, sparsity: number): SpdfModel {
  const params = initGpt(cfg, new Rng(seed).fork('gpt'));
  const named = flattenParams(params);
  const masks = sparsity > 0 ? makeMasks(named, sparseWeightNames(cfg), sparsity, seed) : new Map<string, tf.Tensor>();
  reapplyMasks(named, masks);
  return { cfg, params, named, masks, dispose: () => (disposeParams(params), disposeMasks(masks)) };
}

/** AdamW over the model; weight decay on matrices and embeddings only (biases and LayerNorms are 1-D). */
export function spdfOptimizer(model: SpdfModel, o: { weightDecay: number; beta2: number }): Adam {
  const matrices = new Set([...model.named].filter(([, v]) => v.rank >= 2).map(([n]) => n));
  return new Adam(model.named, { beta1: 0.9, beta2: o.beta2, epsilon: 1e-8, weightDecay: o.weightDecay, decays: (n) => matrices.has(n) });
}

/** The model's loss on windows [B, T+1], masked when the model is sparse. */
export function modelLoss(model: SpdfModel, windows: tf.Tensor2D, lossMask?: tf.Tensor2D): tf.Scalar {
  return gptLoss(model.params, windows, model.cfg, { ...(model.masks.size ? { masks: model.masks } : {}), ...(lossMask ? { lossMask } : {}) });
}

/**
 * One update: gradients of `loss`, clipped to `clip` (0 = off), AdamW at `lr`, then W := W ⊙ M.
 * Returns the loss (the caller disposes it) and the gradient norm before clipping.
 */
export function trainStep(model: SpdfModel, optimizer: Adam, loss: () => tf.Scalar, lr: number, clip: number): { loss: tf.Scalar; gradNorm: number } {
  const { value, grads } = tf.tidy(() => tf.variableGrads(loss, [...model.named.values()]));
  const byName = gradsByParamName(model.named, grads);
  let gradNorm = NaN;
  let used = byName;
  if (clip > 0) {
    const clipped = clipByGlobalNorm(byName, clip);
    gradNorm = clipped.norm;
    used = clipped.grads;
  }
  optimizer.apply(used, lr);
  if (used !== byName) tf.dispose([...used.values()]);
  tf.dispose(grads);
  reapplyMasks(model.named, model.masks);
  return { loss: value, gradNorm };
}

/** [layer][matrix] fraction of weights exactly 0, columns MATRIX_COLUMNS. */
export async function layerZeroFractions(model: SpdfModel): Promise<number[][]> {
  const names = sparseWeightNames(model.cfg);
  const z = await zeroFractions(model.named, names);
  const cols = names.length / model.cfg.nLayer;
  return Array.from({ length: model.cfg.nLayer }, (_, l) => names.slice(l * cols, (l + 1) * cols).map((n) => z.get(n)!));
}

/** Everything a checkpoint holds, by checkpoint name (parameters and moments borrowed; masks copied to U8). */
export function checkpointTensors(model: SpdfModel, optimizer: Adam): Map<string, tf.Tensor | CheckpointTensor> {
  const out = new Map<string, tf.Tensor | CheckpointTensor>();
  for (const [n, v] of model.named) out.set(`param/${n}`, v);
  for (const [n, t] of optimizer.stateTensors()) out.set(`opt/${n}`, t);
  for (const [n, t] of maskCheckpointTensors(model.masks)) out.set(n, t);
  return out;
}

/** Parameters (and, when given, AdamW state) from a read checkpoint; the masks it saved replace the model's. */
export function restoreSpdf(state: LoadedTrainingState, file: string, model: SpdfModel, optimizer?: Adam): void {
  restoreParams(state, model.named, file);
  if (optimizer) restoreOptimizer(state, optimizer, file);
  const saved = masksFromCheckpoint(state.tensors, model.named, file);
  disposeMasks(model.masks);
  for (const [n, m] of saved) model.masks.set(n, m);
}

export { readTrainingState };
