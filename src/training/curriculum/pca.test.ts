import { describe, expect, it } from 'vitest';
import { pca2d, symmetricEigen } from './pca';

describe('pca2d', () => {
  it('projects points on a line onto its direction (hand-worked)', () => {
    // (1,2), (2,4), (3,6): mean (2,4), centred (−1,−2), (0,0), (1,2).
    // Covariance /(n−1 = 2): xx 2/2 = 1, xy 4/2 = 2, yy 8/2 = 4 → eigenvalues 5 and 0,
    // PC1 = (1, 2)/√5; projections (−1·1 − 2·2)/√5 = −√5 = −2.23607, 0, +√5; PC2 coordinates 0.
    const r = pca2d(Float32Array.from([1, 2, 2, 4, 3, 6]), 2);
    expect(r.variances[0]).toBeCloseTo(5, 10);
    expect(r.variances[1]).toBeCloseTo(0, 10);
    expect(r.explained).toEqual([expect.closeTo(1, 10), expect.closeTo(0, 10)]);
    expect(Array.from(r.components[0])).toEqual([expect.closeTo(1 / Math.sqrt(5), 10), expect.closeTo(2 / Math.sqrt(5), 10)]);
    expect(r.points.map((p) => p[0])).toEqual([-Math.sqrt(5), 0, Math.sqrt(5)].map((v) => expect.closeTo(v, 6)));
    expect(r.points.every((p) => Math.abs(p[1]) < 1e-6)).toBe(true);
  });

  it('keeps the two largest axes of a 3-D cloud, with the explained variance', () => {
    // (±2,0,0), (0,±1,0): mean 0, covariance /(n−1 = 3) = diag(8/3, 2/3, 0) → PC1 = e1, PC2 = e2,
    // explained (8/3)/(10/3) = 0.8 and 0.2.
    const r = pca2d([2, 0, 0, -2, 0, 0, 0, 1, 0, 0, -1, 0], 3);
    expect(r.variances).toEqual([expect.closeTo(8 / 3, 10), expect.closeTo(2 / 3, 10)]);
    expect(r.explained).toEqual([expect.closeTo(0.8, 10), expect.closeTo(0.2, 10)]);
    expect(r.points).toEqual([[2, 0], [-2, 0], [0, 1], [0, -1]].map(([a, b]) => [expect.closeTo(a, 10), expect.closeTo(b, 10)]));
  });

  it('handles one dimension and one point; rejects bad input naming it', () => {
    expect(pca2d([3, 1, 2], 1).points).toEqual([[expect.closeTo(1, 10), 0], [expect.closeTo(-1, 10), 0], [expect.closeTo(0, 10), 0]]);
    expect(pca2d([5, 5], 2).points).toEqual([[0, 0]]);
    expect(() => pca2d([1, 2, 3], 2)).toThrow(/3 values are not rows of 2/);
    expect(() => pca2d([1, NaN], 2)).toThrow(/point 0 is not finite/);
  });
});

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('[[2,1],[1,2]] → 3 along (1,1)/√2, 1 along (1,−1)/√2', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(values)).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    const s = Math.SQRT1_2;
    expect(Array.from(vectors[0])).toEqual([expect.closeTo(s, 12), expect.closeTo(s, 12)]);
    expect(Array.from(vectors[1])).toEqual([expect.closeTo(s, 12), expect.closeTo(-s, 12)]);
  });

  it('reconstructs a random symmetric 6×6 matrix as V·diag(λ)·Vᵀ', () => {
    const d = 6;
    const m = new Float64Array(d * d);
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) m[i * d + j] = m[j * d + i] = rand();
    const { values, vectors } = symmetricEigen(m, d);
    for (let i = 1; i < d; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += vectors[k][i] * values[k] * vectors[k][j];
        expect(s).toBeCloseTo(m[i * d + j], 10);
      }
    }
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric at \(0, 1\)/);
  });
});
