import { describe, expect, it } from 'vitest';
import { argmaxRows, confusionMatrix, topKAccuracy } from './classification';

describe('classification metrics', () => {
  // 3 rows × 4 classes. Row 0: label 2 has the largest logit (top-1 hit). Row 1: label 0 is 3rd
  // largest (0.5 < 0.9, 0.7): top-1 miss, top-2 miss, top-3 hit. Row 2: label 3 ties the max (a hit).
  const logits = [0.1, 0.2, 0.9, 0.0, 0.5, 0.9, 0.1, 0.7, 0.3, 0.3, 0.1, 0.3];
  const labels = [2, 0, 3];
  it('top-k counts a label among the k largest logits', () => {
    expect(topKAccuracy(logits, labels, 4, 1)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy(logits, labels, 4, 2)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy(logits, labels, 4, 3)).toBe(1);
    expect(topKAccuracy(logits, labels, 4, 5)).toBe(1); // k clipped to 4 classes
  });
  it('argmax takes the lowest index on ties; the confusion matrix counts true × predicted', () => {
    const pred = argmaxRows(logits, 3, 4);
    expect([...pred]).toEqual([2, 1, 0]);
    const m = confusionMatrix(pred, labels, 4);
    expect(m[2][2]).toBe(1);
    expect(m[0][1]).toBe(1);
    expect(m[3][0]).toBe(1);
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(3);
  });
  it('rejects mismatched shapes and labels out of range', () => {
    expect(() => topKAccuracy([1, 2, 3], [0], 2, 1)).toThrow(/3 logits are not 1 rows of 2/);
    expect(() => topKAccuracy([1, 2], [5], 2, 1)).toThrow(/label 5 of row 0/);
  });
});
