import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { edt, edtSquared } from './edt';

type S3 = [number, number, number];

/** O(N·F) reference: min over features of Σ (spacing·Δ)², summed in the EDT's pass order W, H, D. */
function bruteSquared(features: Uint8Array, [nd, nh, nw]: S3, [sd, sh, sw]: S3): Float64Array {
  const feats: S3[] = [];
  for (let d = 0; d < nd; d++) for (let h = 0; h < nh; h++) for (let w = 0; w < nw; w++) {
    if (features[w + nw * (h + nh * d)]) feats.push([d, h, w]);
  }
  const out = new Float64Array(nd * nh * nw).fill(Infinity);
  for (let d = 0; d < nd; d++) for (let h = 0; h < nh; h++) for (let w = 0; w < nw; w++) {
    let best = Infinity;
    for (const [fd, fh, fw] of feats) {
      const v = sw * sw * (w - fw) * (w - fw) + sh * sh * (h - fh) * (h - fh) + sd * sd * (d - fd) * (d - fd);
      if (v < best) best = v;
    }
    out[w + nw * (h + nh * d)] = best;
  }
  return out;
}

describe('edtSquared (Felzenszwalb-Huttenlocher, anisotropic)', () => {
  it('matches brute force exactly on random small volumes', () => {
    const rng = new Rng(7);
    // Spacings are dyadic fractions so every squared distance is exact in float64: equality is exact.
    const cases: [S3, S3, number][] = [
      [[5, 7, 6], [1, 1, 1], 0.05],
      [[6, 5, 9], [2, 0.5, 1.5], 0.03],
      [[3, 11, 4], [3, 1.25, 0.75], 0.1],
      [[8, 8, 8], [1, 1, 4], 0.01],
      [[1, 13, 17], [5, 1, 1], 0.02],
      [[9, 1, 1], [1, 2, 3], 0.2],
    ];
    for (const [shape, spacing, density] of cases) {
      for (let rep = 0; rep < 5; rep++) {
        const n = shape[0] * shape[1] * shape[2];
        const f = new Uint8Array(n);
        for (let i = 0; i < n; i++) f[i] = rng.bernoulli(density) ? 1 : 0;
        f[rng.int(n)] = 1; // at least one feature
        expect(edtSquared(f, shape, spacing)).toEqual(bruteSquared(f, shape, spacing));
      }
    }
  });

  it('single feature: squared distances follow the spacing per axis', () => {
    // Feature at (d,h,w) = (0,0,0) in a [2,2,3] volume, spacing DHW = [3, 2, 1] mm.
    const f = new Uint8Array(12);
    f[0] = 1;
    const g = edtSquared(f, [2, 2, 3], [3, 2, 1]);
    expect(g[2]).toBe(4); // (0,0,2): (1·2)² = 4
    expect(g[3]).toBe(4); // (0,1,0): (2·1)² = 4
    expect(g[6]).toBe(9); // (1,0,0): (3·1)² = 9
    expect(g[11]).toBe(9 + 4 + 4); // (1,1,2): 3² + 2² + 2² = 17
    expect(edt(f, [2, 2, 3], [3, 2, 1])[11]).toBeCloseTo(Math.sqrt(17), 12);
  });

  it('no feature gives +∞ everywhere; all features give 0', () => {
    expect(Array.from(edtSquared(new Uint8Array(24), [2, 3, 4], [1, 1, 1])).every((v) => v === Infinity)).toBe(true);
    expect(Array.from(edtSquared(new Uint8Array(24).fill(1), [2, 3, 4], [1, 1, 1])).every((v) => v === 0)).toBe(true);
  });

  it('rejects a shape that does not match the array', () => {
    expect(() => edtSquared(new Uint8Array(10), [2, 3, 4], [1, 1, 1])).toThrow(/10 voxels but shapeDHW \[2,3,4\] holds 24/);
    expect(() => edtSquared(new Uint8Array(24), [2, 3, 4], [1, 0, 1])).toThrow(/spacingDHW/);
  });
});
