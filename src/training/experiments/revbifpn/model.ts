/**
 * The RevBiFPN model as the two experiments hold it: config, parameters (trainable, what the
 * optimiser updates), BN running statistics (checkpointed, never optimised), image normalisation,
 * and checkpoint save/restore of all three plus the optimiser.
 *
 * Checkpoint names: 'param/<name>' for parameters (and the detection head's, under 'fcos.'),
 * 'param/bnstats.<name>' for running statistics, 'opt/…' for AdamW's moments.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adam } from '../../core/adam';
import { disposeParams, flattenParams, gradsByParamName, type ParamTree } from '../../core/params';
import { Rng } from '../../core/rng';
import { readTrainingState, restoreOptimizer, restoreParams, type TrainingCounters } from '../../core/training-state';
import { initRevBifpn, type RevBifpnConfig, type RevBifpnParams, type RevBifpnStats } from '../../models/revbifpn';

/** ImageNet channel statistics (timm's IMAGENET_DEFAULT_MEAN / STD), as the paper's models were trained. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

export interface RevBifpnModel {
  readonly cfg: RevBifpnConfig;
  readonly params: RevBifpnParams<tf.Variable>;
  readonly stats: RevBifpnStats;
  /** Trainable: the backbone/neck/head and any `extra` tree (e.g. the FCOS head under 'fcos'). */
  readonly named: Map<string, tf.Variable>;
  /** Running statistics, 'bnstats.<name>'. */
  readonly namedStats: Map<string, tf.Variable>;
  dispose(): void;
}

/** Initialises the model (seeded); `extra` trees are added to the trainable set under their key. */
export function createRevBifpnModel(cfg: RevBifpnConfig, seed: number, extra: Record<string, ParamTree> = {}): RevBifpnModel {
  const { params, stats } = initRevBifpn(cfg, new Rng(seed).fork('model'));
  const named = flattenParams(params);
  for (const [key, tree] of Object.entries(extra)) for (const [n, v] of flattenParams(tree, key)) named.set(n, v);
  const namedStats = flattenParams(stats, 'bnstats');
  return {
    cfg,
    params,
    stats,
    named,
    namedStats,
    dispose: () => {
      disposeParams(params);
      disposeParams(stats);
      for (const tree of Object.values(extra)) disposeParams(tree);
    },
  };
}

/** uint8 RGB pixels [n,S,S,3] (or floats in [0,1]) → normalised network input. */
export function normaliseImages(pixels: Uint8Array | Float32Array, n: number, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const raw = tf.tensor4d(pixels instanceof Uint8Array ? Float32Array.from(pixels) : pixels, [n, size, size, 3]);
    const scaled = pixels instanceof Uint8Array ? tf.div(raw, 255) : raw;
    return tf.div(tf.sub(scaled, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD)) as tf.Tensor4D; // [n,S,S,3]
  });
}

/** The trainer's validateEvery in steps: every `epochs` epochs, or (0) only at the start and the end. */
export function validationSteps(hasValidation: boolean, epochs: number, stepsPerEpoch: number, totalSteps: number): number {
  if (!hasValidation) return 0;
  return epochs > 0 ? epochs * stepsPerEpoch : totalSteps;
}

/** One AdamW update of the model's trainable parameters on `loss`; returns the loss (the caller disposes it). */
export function updateOn(model: RevBifpnModel, optimizer: Adam, loss: () => tf.Scalar, lr: number): tf.Scalar {
  const { value, grads } = tf.tidy(() => tf.variableGrads(loss, [...model.named.values()]));
  optimizer.apply(gradsByParamName(model.named, grads), lr);
  tf.dispose(grads);
  return value;
}

/** Everything a checkpoint holds, by checkpoint name (borrowed tensors). */
export function checkpointTensors(model: RevBifpnModel, optimizer: Adam): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [n, v] of model.named) out.set(`param/${n}`, v);
  for (const [n, v] of model.namedStats) out.set(`param/${n}`, v);
  for (const [n, t] of optimizer.stateTensors()) out.set(`opt/${n}`, t);
  return out;
}

/** Restores parameters, running statistics and optimiser state from a checkpoint file. */
export async function restoreRevBifpn(file: string, model: RevBifpnModel, optimizer: Adam): Promise<{ counters: TrainingCounters; metadata: Record<string, unknown> }> {
  const state = await readTrainingState(file);
  restoreParams(state, new Map([...model.named, ...model.namedStats]), file);
  restoreOptimizer(state, optimizer, file);
  return { counters: state.counters, metadata: state.metadata };
}
