/**
 * Dice overlap as an evaluation metric (numbers out), and a per-region accumulator for
 * validation during training (STYLE.md §8: loss ≠ metric).
 *
 * Dice = 2|P∩G| / (|P| + |G|) on binary masks, with the BraTS conventions for empty masks:
 * both empty → 1 (nothing to find, nothing found), exactly one empty → 0.
 *
 * The counting is shared with the differentiable loss (losses/dice.ts): both reduce to the
 * same three sums, `DiceParts` {intersection Σp·g, predSum Σp, gtSum Σg}. On 0/1 masks these are
 * the voxel counts |P∩G|, |P|, |G|; the loss computes them on sigmoid probabilities
 * (`softDiceParts`) and `diceFromParts(parts, smooth)` is the one formula for both.
 * The metric applies no activation and no threshold: callers pass masks.
 */
import * as tf from '@tensorflow/tfjs';
import { REGIONS, type Region } from '../data/brats/regions';
import { softDiceParts } from '../losses/dice';

/** The three sums Dice is made of. `T` is `number` here, a tensor in the loss. */
export interface DiceParts<T = number> {
  /** Σ p·g — |P∩G| on binary masks. */
  intersection: T;
  /** Σ p — |P|. */
  predSum: T;
  /** Σ g — |G|. */
  gtSum: T;
}

/** Σp·g, Σp, Σg over two equally long arrays (0/1 masks, or soft values for reference checks). */
export function diceParts(pred: ArrayLike<number>, gt: ArrayLike<number>): DiceParts {
  if (pred.length !== gt.length) {
    throw new Error(`metrics/dice: pred has ${pred.length} voxels but gt has ${gt.length}`);
  }
  let intersection = 0;
  let predSum = 0;
  let gtSum = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const g = gt[i];
    intersection += p * g;
    predSum += p;
    gtSum += g;
  }
  return { intersection, predSum, gtSum };
}

/**
 * (2·I + smooth) / (|P| + |G| + smooth). With smooth = 0 (the metric) the BraTS empty convention
 * applies: |P| + |G| = 0 → 1; one empty gives I = 0 → 0 by the formula. The loss uses the same
 * formula with smooth > 0 on tensors (losses/dice.ts `softDiceFromParts`).
 */
export function diceFromParts(parts: DiceParts, smooth = 0): number {
  const den = parts.predSum + parts.gtSum;
  if (smooth === 0 && den === 0) return 1;
  return (2 * parts.intersection + smooth) / (den + smooth);
}

function assertBinary(name: string, xs: ArrayLike<number>): void {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v !== 0 && v !== 1) {
      throw new Error(
        `metrics/dice: ${name}[${i}] = ${v}; Dice takes binary masks (0/1). Threshold probabilities first (the metric applies no activation).`,
      );
    }
  }
}

/** Dice of two binary masks (0/1), BraTS empty conventions (both empty → 1, one empty → 0). */
export function dice(pred: ArrayLike<number>, gt: ArrayLike<number>): number {
  assertBinary('pred', pred);
  assertBinary('gt', gt);
  return diceFromParts(diceParts(pred, gt));
}

/**
 * Per-region Dice of channels-last masks [N, 3] (WT, TC, ET interleaved, the network's layout;
 * see `labelsToRegionsChannelsLast`), without de-interleaving copies.
 */
export function regionDiceChannelsLast(pred: ArrayLike<number>, gt: ArrayLike<number>): Record<Region, number> {
  if (pred.length !== gt.length || pred.length % REGIONS.length !== 0) {
    throw new Error(
      `metrics/dice: channels-last masks must have equal lengths divisible by ${REGIONS.length}, got pred ${pred.length}, gt ${gt.length}`,
    );
  }
  assertBinary('pred', pred);
  assertBinary('gt', gt);
  const c = REGIONS.length;
  const out = {} as Record<Region, number>;
  REGIONS.forEach((region, k) => {
    let intersection = 0;
    let predSum = 0;
    let gtSum = 0;
    for (let i = k; i < pred.length; i += c) {
      intersection += pred[i] * gt[i];
      predSum += pred[i];
      gtSum += gt[i];
    }
    out[region] = diceFromParts({ intersection, predSum, gtSum });
  });
  return out;
}

/**
 * Dice per sample and channel of binary mask tensors [B, D, H, W, C] → number[B][C], with the
 * BraTS empty conventions. The sums run on the tensor backend through the loss's own
 * `softDiceParts`, so metric and loss count identically. Inputs are borrowed; no activation or
 * threshold is applied (pass e.g. `logits.greater(0).cast('float32')`).
 */
export async function diceFromMaskTensors(pred: tf.Tensor5D, gt: tf.Tensor5D): Promise<number[][]> {
  const stacked = tf.tidy(() => {
    const p = softDiceParts(pred, gt);
    return tf.stack([p.intersection, p.predSum, p.gtSum]); // [3, B, C]
  });
  const [, b, c] = stacked.shape;
  const v = await stacked.data();
  stacked.dispose();
  const out: number[][] = [];
  for (let i = 0; i < b; i++) {
    const row: number[] = [];
    for (let j = 0; j < c; j++) {
      const k = i * c + j;
      row.push(diceFromParts({ intersection: v[k], predSum: v[b * c + k], gtSum: v[2 * b * c + k] }));
    }
    out.push(row);
  }
  return out;
}

/**
 * Mean Dice per region over the cases seen since the last reset (update/result/reset, as
 * avalanche and MONAI metrics do). `mean` is the mean of the three region means.
 */
export class RegionDiceMeter {
  private sums: Record<Region, number> = { WT: 0, TC: 0, ET: 0 };
  private n = 0;

  /** Adds one case's per-region Dice. */
  update(perRegion: Record<Region, number>): void {
    for (const r of REGIONS) {
      const v = perRegion[r];
      if (!Number.isFinite(v)) throw new Error(`RegionDiceMeter.update: ${r} Dice is ${v}, expected a finite number`);
    }
    for (const r of REGIONS) this.sums[r] += perRegion[r];
    this.n += 1;
  }

  /** Number of cases accumulated. */
  get count(): number {
    return this.n;
  }

  result(): Record<Region | 'mean', number> {
    if (this.n === 0) throw new Error('RegionDiceMeter.result: no cases since the last reset');
    const out = { WT: this.sums.WT / this.n, TC: this.sums.TC / this.n, ET: this.sums.ET / this.n, mean: 0 };
    out.mean = (out.WT + out.TC + out.ET) / 3;
    return out;
  }

  reset(): void {
    this.sums = { WT: 0, TC: 0, ET: 0 };
    this.n = 0;
  }
}
