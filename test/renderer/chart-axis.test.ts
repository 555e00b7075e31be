// The x axis of LineChart (lib/chart-axis.ts) when the data give it no width: one value, or none.
import { describe, expect, it } from 'vitest';
import { WHOLE_INCRS, wholeNumbers, xDomain, xRange } from '../../src/renderer/lib/chart-axis';

describe('line chart x axis', () => {
  it('centres a single value in a unit-wide domain (a one-epoch run), instead of uPlot’s [0, 2v]', () => {
    expect(xDomain([0])).toEqual([-0.5, 0.5]);
    expect(xDomain([7, 7])).toEqual([6.5, 7.5]);
    // uPlot proposes [0, 14] for the lone epoch 7 and [0, 100] for epoch 0; the hook overrides both.
    expect(xRange([7], 0, 14)).toEqual([6.5, 7.5]);
    expect(xRange([0], 0, 100)).toEqual([-0.5, 0.5]);
  });

  it('draws no points over [0, 1]', () => {
    expect(xDomain([])).toEqual([0, 1]);
    expect(xRange([], null, null)).toEqual([0, 1]);
    expect(xDomain([Number.NaN])).toEqual([0, 1]);
  });

  it('keeps the data’s extent, or a zoom, when the data have a width', () => {
    expect(xDomain([3, 1, 9])).toEqual([1, 9]);
    expect(xRange([1, 5, 9], 1, 9)).toEqual([1, 9]);
    expect(xRange([1, 5, 9], 2, 4)).toEqual([2, 4]); // dragged zoom
    expect(xRange([1, 5, 9], null, null)).toEqual([1, 9]);
  });

  it('whole-number axes tick at whole numbers only', () => {
    expect(wholeNumbers([0, 1, 2])).toBe(true);
    expect(wholeNumbers([])).toBe(true);
    expect(wholeNumbers([0.5, 1])).toBe(false);
    expect(WHOLE_INCRS.slice(0, 7)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(WHOLE_INCRS.every((v) => Number.isInteger(v) && v >= 1)).toBe(true);
  });
});
