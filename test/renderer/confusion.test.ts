import { describe, expect, it } from 'vitest';
import { confusionView } from '../../src/renderer/lib/confusion';

describe('confusionView', () => {
  it('row-normalises, gives recall per class and overall accuracy', () => {
    // 3 classes: a has 4 images (3 right, 1 as b), b has 2 (both right), c has none.
    const v = confusionView({ classes: ['a', 'b', 'c'], confusion: [[3, 1, 0], [0, 2, 0], [0, 0, 0]] })!;
    expect(v.total).toBe(6);
    expect(v.accuracy).toBeCloseTo(5 / 6, 12);
    expect(v.fractions[0]).toEqual([0.75, 0.25, 0]);
    expect(v.recall).toEqual([0.75, 1, null]);
    expect(v.fractions[2]).toEqual([0, 0, 0]);
  });
  it('is null without a matrix or with a malformed one', () => {
    expect(confusionView(undefined)).toBeNull();
    expect(confusionView({ classes: ['a'] })).toBeNull();
    expect(confusionView({ classes: ['a', 'b'], confusion: [[1, 0]] })).toBeNull();
    expect(confusionView({ classes: ['a', 'b'], confusion: [[1, 0], [0, -1]] })).toBeNull();
  });
});
