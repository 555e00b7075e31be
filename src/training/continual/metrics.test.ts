import { describe, expect, it } from 'vitest';
import { averageAccuracy, backwardTransfer, continualSummary, forgetting } from './metrics';

// R[i][j] = accuracy on task j after training task i (3 tasks, lower triangle).
const R = [
  [0.9],
  [0.92, 0.95], // task 0 improved after task 1: its best earlier accuracy is 0.92, not the diagonal 0.9
  [0.5, 0.8, 0.97],
];

describe('continual metrics on a hand-made accuracy matrix', () => {
  it('average accuracy per row', () => {
    // A_0 = 0.9; A_1 = (0.92 + 0.95)/2 = 0.935; A_2 = (0.5 + 0.8 + 0.97)/3 = 2.27/3 = 0.756667
    expect(averageAccuracy(R, 0)).toBeCloseTo(0.9, 10);
    expect(averageAccuracy(R, 1)).toBeCloseTo(0.935, 10);
    expect(averageAccuracy(R)).toBeCloseTo(0.756667, 6);
  });

  it('forgetting = best earlier accuracy − final, per task before the last', () => {
    // task 0: max(0.9, 0.92) − 0.5 = 0.42; task 1: 0.95 − 0.8 = 0.15
    const f = forgetting(R);
    expect(f).toHaveLength(2);
    expect(f[0]).toBeCloseTo(0.42, 10);
    expect(f[1]).toBeCloseTo(0.15, 10);
  });

  it('backward transfer = mean of final − just-learned accuracy', () => {
    // ((0.5 − 0.9) + (0.8 − 0.95))/2 = (−0.4 − 0.15)/2 = −0.275 (≠ −mean forgetting −0.285: the diagonal, not the max)
    expect(backwardTransfer(R)).toBeCloseTo(-0.275, 10);
    expect(backwardTransfer([[0.8]])).toBeNull();
  });

  it('summarises as plain JSON-safe numbers', () => {
    const s = continualSummary(R);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.tasks).toBe(3);
    expect(s.meanForgetting).toBeCloseTo(0.285, 10);
    expect(s.finalAverageAccuracy).toBeCloseTo(0.756667, 6);
    expect(s.averageAccuracy.map((v) => +v.toFixed(6))).toEqual([0.9, 0.935, 0.756667]);
    expect(continualSummary([[0.7, 0.1]])).toEqual({ tasks: 1, averageAccuracy: [0.7], finalAverageAccuracy: 0.7, forgetting: [], meanForgetting: null, backwardTransfer: null });
  });

  it('names a bad matrix entry', () => {
    expect(() => averageAccuracy([])).toThrow(/at least one row/);
    expect(() => forgetting([[0.9], [0.8]])).toThrow(/row 1 must hold tasks 0..1 \(2 values\), got 1/);
    expect(() => forgetting([[0.9], [1.2, 0.5]])).toThrow(/R\[1\]\[0\] = 1.2 must be an accuracy in \[0, 1\]/);
    expect(() => averageAccuracy(R, 3)).toThrow(/after = 3/);
  });
});
