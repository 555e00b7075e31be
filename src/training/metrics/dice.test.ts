import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dice, diceFromMaskTensors, diceFromParts, diceParts, RegionDiceMeter, regionDiceChannelsLast } from './dice';

describe('dice (metric)', () => {
  it('matches hand-computed values on small masks', () => {
    // P = {0,1,4}, G = {0,3,4}: |P∩G| = 2, |P| = 3, |G| = 3 → 2·2/(3+3) = 2/3.
    expect(dice([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toBeCloseTo(2 / 3, 15);
    // P = {0..3}, G = {0}: 2·1/(4+1) = 0.4.
    expect(dice(Uint8Array.from([1, 1, 1, 1, 0]), Uint8Array.from([1, 0, 0, 0, 0]))).toBeCloseTo(0.4, 15);
    // Identical non-empty masks → 1; disjoint → 0.
    expect(dice([0, 1, 1], [0, 1, 1])).toBe(1);
    expect(dice([1, 0, 0], [0, 1, 1])).toBe(0);
  });

  it('BraTS empty conventions: both empty → 1, exactly one empty → 0', () => {
    expect(dice([0, 0, 0], [0, 0, 0])).toBe(1);
    expect(dice([0, 1, 0], [0, 0, 0])).toBe(0);
    expect(dice([0, 0, 0], [1, 1, 0])).toBe(0);
  });

  it('diceParts counts and diceFromParts applies the smoothing formula', () => {
    expect(diceParts([1, 1, 0, 1], [1, 0, 1, 1])).toEqual({ intersection: 2, predSum: 3, gtSum: 3 });
    // (2·2 + 1)/(3 + 3 + 1) = 5/7.
    expect(diceFromParts({ intersection: 2, predSum: 3, gtSum: 3 }, 1)).toBeCloseTo(5 / 7, 15);
    // Empty with smoothing: (0 + 1)/(0 + 1) = 1, as the loss sees it.
    expect(diceFromParts({ intersection: 0, predSum: 0, gtSum: 0 }, 1)).toBe(1);
  });

  it('applies no activation: probabilities are rejected, not thresholded', () => {
    expect(() => dice([0.7, 0], [1, 0])).toThrow(/pred\[0\] = 0.7.*binary/);
    expect(() => dice([1, 0], [1, 0, 0])).toThrow(/2 voxels but gt has 3/);
  });

  it('regionDiceChannelsLast reads interleaved WT/TC/ET channels', () => {
    // Voxels × [WT, TC, ET]. WT: P {0,1,2}, G {0,1} → 4/5; TC: P {0}, G {0,1} → 2/3; ET: both empty → 1.
    const pred = [1, 1, 0, 1, 0, 0, 1, 0, 0];
    const gt = [1, 1, 0, 1, 1, 0, 0, 0, 0];
    const r = regionDiceChannelsLast(pred, gt);
    expect(r.WT).toBeCloseTo(0.8, 15);
    expect(r.TC).toBeCloseTo(2 / 3, 15);
    expect(r.ET).toBe(1);
  });

  it('diceFromMaskTensors agrees with the array metric per sample and channel, without leaking', async () => {
    // [B=2, D=1, H=1, W=3, C=2]; values listed voxel-major with channels innermost.
    const p = [1, 0, 1, 0, 0, 0, /* sample 2 */ 1, 1, 1, 1, 0, 0];
    const g = [1, 0, 0, 0, 0, 0, /* sample 2 */ 1, 0, 1, 1, 1, 0];
    const before = tf.memory().numTensors;
    const pt = tf.tensor5d(p, [2, 1, 1, 3, 2]);
    const gt = tf.tensor5d(g, [2, 1, 1, 3, 2]);
    const d = await diceFromMaskTensors(pt, gt);
    pt.dispose();
    gt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Sample 1 ch0: P {0,1}, G {0} → 2/3; ch1: both empty → 1. Sample 2 ch0: P {0,1}, G {0,1,2} → 4/5; ch1: P {0,1}, G {1} → 2/3.
    expect(d[0][0]).toBeCloseTo(2 / 3, 6);
    expect(d[0][1]).toBe(1);
    expect(d[1][0]).toBeCloseTo(0.8, 6);
    expect(d[1][1]).toBeCloseTo(2 / 3, 6);
  });
});

describe('RegionDiceMeter', () => {
  it('averages per region over cases; mean is the mean of region means; reset clears', () => {
    const m = new RegionDiceMeter();
    expect(() => m.result()).toThrow(/no cases/);
    m.update({ WT: 0.9, TC: 0.8, ET: 1 });
    m.update({ WT: 0.7, TC: 0.6, ET: 0 });
    const r = m.result();
    // WT (0.9+0.7)/2 = 0.8, TC (0.8+0.6)/2 = 0.7, ET (1+0)/2 = 0.5; mean (0.8+0.7+0.5)/3 = 2/3.
    expect(r.WT).toBeCloseTo(0.8, 15);
    expect(r.TC).toBeCloseTo(0.7, 15);
    expect(r.ET).toBeCloseTo(0.5, 15);
    expect(r.mean).toBeCloseTo(2 / 3, 15);
    expect(m.count).toBe(2);
    m.reset();
    expect(m.count).toBe(0);
    m.update({ WT: 0.5, TC: 0.5, ET: 0.5 });
    expect(m.result().WT).toBe(0.5);
    expect(() => m.update({ WT: NaN, TC: 1, ET: 1 })).toThrow(/WT Dice is NaN/);
  });
});
