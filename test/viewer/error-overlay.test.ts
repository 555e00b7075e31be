import { describe, expect, it } from 'vitest';
import { ERROR_CLASS, computeErrorOverlay } from '../../src/renderer/viewer/error-overlay';

const { tn, tp, fp, fn } = ERROR_CLASS;

describe('computeErrorOverlay', () => {
  //               voxel:  0  1  2  3  4  5  6
  const gt = Uint8Array.from([0, 1, 2, 4, 4, 0, 2]);
  const pred = Uint8Array.from([0, 1, 4, 2, 0, 1, 2]);

  it('WT: any tumour label counts', () => {
    const e = computeErrorOverlay(gt, pred, 'WT', 4);
    expect([...e.classes]).toEqual([tn, tp, tp, tp, fn, fp, tp]);
    // TP 4, FP 1, FN 1 → Dice 8 / 10
    expect(e.counts).toEqual({ tp: 4, fp: 1, fn: 1, dice: 0.8 });
  });

  it('TC = {1, 4}: oedema does not count', () => {
    const e = computeErrorOverlay(gt, pred, 'TC', 4);
    // v2: gt ED (out), pred ET (in) → FP; v3: gt ET (in), pred ED (out) → FN; v4 FN; v5 FP
    expect([...e.classes]).toEqual([tn, tp, fp, fn, fn, fp, tn]);
    expect(e.counts.tp).toBe(1);
    expect(e.counts.dice).toBeCloseTo(2 / (2 + 2 + 2)); // 2·1 / (2·1 + 2 + 2)
  });

  it('ET under the 2023 convention uses label 3, and 4 is then not ET', () => {
    const g = Uint8Array.from([3, 3, 4, 0]);
    const p = Uint8Array.from([3, 0, 4, 3]);
    const e = computeErrorOverlay(g, p, 'ET', 3);
    expect([...e.classes]).toEqual([tp, fn, tn, fp]);
  });

  it('two empty masks score Dice 1 (BraTS convention); an empty prediction of a present region scores 0', () => {
    expect(computeErrorOverlay(new Uint8Array(5), new Uint8Array(5), 'ET', 4).counts.dice).toBe(1);
    expect(computeErrorOverlay(Uint8Array.from([4, 4]), new Uint8Array(2), 'ET', 4).counts).toEqual({ tp: 0, fp: 0, fn: 2, dice: 0 });
  });

  it('rejects volumes of different sizes', () => {
    expect(() => computeErrorOverlay(new Uint8Array(3), new Uint8Array(4), 'WT', 4)).toThrow(/3 voxels, prediction 4/);
  });
});
