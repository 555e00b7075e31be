/**
 * Soft Dice loss (+ optional binary cross-entropy) for the region channels of the BraTS U-Net
 * (METHODS.md §3: sigmoid per region WT/TC/ET, soft Dice, optionally + BCE).
 *
 * Differentiable scalar out (STYLE.md §8: loss ≠ metric). It shares its counting with the
 * metric (metrics/dice.ts): `softDiceParts` yields the same `DiceParts` {Σp·g, Σp, Σg} that
 * `diceParts` counts on masks, and `softDiceFromParts` is the tensor form of `diceFromParts`.
 * On saturated (hard) predictions 1 − loss equals the metric's mean Dice (tested).
 *
 * Layout: channels-last [B, D, H, W, C]; Dice is per sample and per channel (sums over D, H, W),
 * then averaged over B and C.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiceParts } from '../metrics/dice';

export interface SoftDiceLossOptions {
  /**
   * Added to numerator and denominator: dice = (2I + smooth) / (ΣP + ΣG + smooth). Default 1.
   * Why 1 and not 1e-5: sigmoid never reaches 0, so an empty target channel (ET is absent from
   * many patches) meets a "confident" empty prediction with ΣP = N·σ(−20) ≈ 128³·2.1e-9 ≈ 4.3e-3,
   * which swamps 1e-5 (dice ≈ 0.002, loss ≈ 1 for a correct answer), while smooth = 1 gives
   * dice = 1/(1 + 4.3e-3) ≈ 0.996 and a loss P/(P+1) that still penalises false-positive mass.
   * For a tumour region of ≥ 1000 voxels, smooth = 1 moves Dice by < 1e-3.
   * A perfect prediction gives exactly 1 for any smooth (same term on both sides).
   */
  smooth?: number;
  /** Weight of the mean binary cross-entropy added to the Dice loss. Default 0 (Dice only). */
  bceWeight?: number;
}

function assertSameShape5D(where: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank !== 5 || b.rank !== 5 || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(
      `losses/dice ${where}: expected two [B, D, H, W, C] tensors of the same shape, got [${a.shape}] and [${b.shape}]`,
    );
  }
}

/**
 * Σp·g, Σp, Σg per sample and channel: each [B, C]. `probs` are probabilities (or 0/1 masks when
 * the metric calls it), `target` 0/1. Inputs borrowed; outputs belong to the caller.
 */
export function softDiceParts(probs: tf.Tensor5D, target: tf.Tensor5D): DiceParts<tf.Tensor2D> {
  assertSameShape5D('softDiceParts', probs, target);
  return tf.tidy(() => {
    const axes = [1, 2, 3]; // D, H, W
    return {
      intersection: tf.sum(tf.mul(probs, target), axes) as tf.Tensor2D, // [B, C]
      predSum: tf.sum(probs, axes) as tf.Tensor2D, // [B, C]
      gtSum: tf.sum(target, axes) as tf.Tensor2D, // [B, C]
    };
  });
}

/** (2I + smooth) / (ΣP + ΣG + smooth) elementwise: the tensor twin of `diceFromParts`. */
export function softDiceFromParts(parts: DiceParts<tf.Tensor2D>, smooth: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf.div(
      tf.add(tf.mul(parts.intersection, 2), smooth),
      tf.add(tf.add(parts.predSum, parts.gtSum), smooth),
    ) as tf.Tensor2D, // [B, C]
  );
}

/**
 * Mean binary cross-entropy from logits, computed stably as softplus(x) − x·t
 * (= −t·log σ(x) − (1−t)·log(1−σ(x)) without forming log σ, which is −∞ in float32 once
 * σ(x) underflows). Its gradient is σ(x) − t, correct also at x = 0, unlike the
 * relu(x) − x·t + log1p(exp(−|x|)) form whose relu/abs subgradients vanish there.
 */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (logits.shape.length !== target.shape.length || logits.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`losses/dice bceWithLogits: logits [${logits.shape}] and target [${target.shape}] differ in shape`);
  }
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, target))) as tf.Scalar);
}

/**
 * 1 − mean over batch and channels of the per-sample, per-channel soft Dice of σ(logits), plus
 * `bceWeight` × mean BCE. logits, target: [B, D, H, W, C] (target 0/1). Returns a scalar owned
 * by the caller; inputs are borrowed.
 */
export function softDiceLoss(logits: tf.Tensor5D, target: tf.Tensor5D, opts: SoftDiceLossOptions = {}): tf.Scalar {
  const smooth = opts.smooth ?? 1;
  const bceWeight = opts.bceWeight ?? 0;
  // smooth = 0 would give 0/0 = NaN once σ underflows to 0 on an empty target channel.
  if (!(smooth > 0) || !Number.isFinite(smooth)) throw new Error(`losses/dice softDiceLoss: smooth must be finite and > 0, got ${smooth}`);
  if (!(bceWeight >= 0) || !Number.isFinite(bceWeight)) throw new Error(`losses/dice softDiceLoss: bceWeight must be finite and ≥ 0, got ${bceWeight}`);
  assertSameShape5D('softDiceLoss', logits, target);
  return tf.tidy(() => {
    const probs = tf.sigmoid(logits) as tf.Tensor5D; // [B, D, H, W, C]
    const perSampleChannel = softDiceFromParts(softDiceParts(probs, target), smooth); // [B, C]
    const diceLoss = tf.sub(1, tf.mean(perSampleChannel)) as tf.Scalar; // []
    if (bceWeight === 0) return diceLoss;
    return tf.add(diceLoss, tf.mul(bceWithLogits(logits, target), bceWeight)) as tf.Scalar;
  });
}
