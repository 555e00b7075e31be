/**
 * The BraTS model as the experiment uses it: the U-Net from a run's config, its named parameters,
 * the loss of one batch, and region probabilities for a whole preprocessed case (sliding window).
 */
import * as tf from '@tensorflow/tfjs';
import { disposeParams, flattenParams } from '../../core/params';
import { Rng } from '../../core/rng';
import type { PreparedCase } from '../../data/brats/preprocess';
import { slidingWindowPredict } from '../../infer/sliding-window';
import { softDiceLoss } from '../../losses/dice';
import { applyRevUnet3d, initRevUnet3d, sizeMultiple, type RevUnet3dConfig, type RevUnet3dParams } from '../../models/rev-unet3d';
import { unetConfigOf, type BratsConfig } from './config';

export interface BratsModel {
  readonly unet: RevUnet3dConfig;
  readonly params: RevUnet3dParams<tf.Variable>;
  readonly named: Map<string, tf.Variable>;
  dispose(): void;
}

export function createBratsModel(c: BratsConfig): BratsModel {
  const unet = unetConfigOf(c);
  const m = sizeMultiple(unet);
  if (c.patchSize.some((s) => s % m !== 0)) {
    throw new Error(`patchSize ${c.patchSize.join('×')}: each edge must be divisible by ${m} for a ${unet.widths.length}-level U-Net`);
  }
  const params = initRevUnet3d(unet, new Rng(c.seed).fork('init'));
  return { unet, params, named: flattenParams(params), dispose: () => disposeParams(params) };
}

/** Loss of a batch: soft Dice (+ BCE) of the region logits against the region targets. */
export function batchLoss(model: BratsModel, image: tf.Tensor5D, target: tf.Tensor5D, bceWeight: number): tf.Scalar {
  return softDiceLoss(applyRevUnet3d(model.params, image, model.unet), target, { bceWeight });
}

/** Region probabilities [D, H, W, 3] over a preprocessed (cropped) case. */
export async function predictCaseProbs(model: BratsModel, c: PreparedCase, cfg: Pick<BratsConfig, 'patchSize' | 'overlap' | 'inferBatch'>): Promise<Float32Array> {
  return slidingWindowPredict(c.image, c.shapeDHW, 4, 3, (x) => tf.sigmoid(applyRevUnet3d(model.params, x, model.unet)) as tf.Tensor5D, {
    patch: cfg.patchSize,
    overlap: cfg.overlap,
    batchSize: cfg.inferBatch,
  });
}
