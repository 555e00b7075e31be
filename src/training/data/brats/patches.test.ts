import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { makeNiftiHeader } from '../nifti';
import { batchPatches, samplePatch, tumourVoxels } from './patches';
import type { PreparedCase, Vec3 } from './preprocess';

const idx = (s: Vec3, d: number, h: number, w: number): number => (d * s[1] + h) * s[2] + w;

/** A prepared case whose channel c at (d,h,w) holds 1000c + 100d + 10h + w + 1 (never 0). */
function makeCase(s: Vec3, labelAt: [Vec3, number][] = []): PreparedCase {
  const n = s[0] * s[1] * s[2];
  const image = new Float32Array(n * 4);
  for (let d = 0; d < s[0]; d++)
    for (let h = 0; h < s[1]; h++)
      for (let w = 0; w < s[2]; w++)
        for (let c = 0; c < 4; c++) image[idx(s, d, h, w) * 4 + c] = 1000 * c + 100 * d + 10 * h + w + 1;
  const labels = new Uint8Array(n);
  for (const [[d, h, w], l] of labelAt) labels[idx(s, d, h, w)] = l;
  return {
    id: 'P',
    box: { start: [0, 0, 0], end: s },
    shapeDHW: s,
    image,
    labels,
    etLabel: 4,
    source: { header: makeNiftiHeader([s[2], s[1], s[0]]), shapeDHW: s, spacingDHW: [1, 1, 1] },
  };
}

const plain = { tumourProbability: 0, flip: false };

describe('samplePatch', () => {
  it('returns [pd,ph,pw,4] image and [pd,ph,pw,3] target copied from the window', () => {
    const c = makeCase([6, 7, 8], [[[3, 3, 3], 1]]);
    const p = samplePatch(c, [4, 3, 5], new Rng(1), plain);
    expect(p.image.length).toBe(4 * 3 * 5 * 4);
    expect(p.target.length).toBe(4 * 3 * 5 * 3);
    const [sd, sh, sw] = p.startDHW;
    // in range: start ∈ [0, size − patch]
    expect(sd >= 0 && sd <= 2 && sh >= 0 && sh <= 4 && sw >= 0 && sw <= 3).toBe(true);
    // patch voxel (1,2,3) channel 2 = case voxel (sd+1, sh+2, sw+3) channel 2
    expect(p.image[idx([4, 3, 5], 1, 2, 3) * 4 + 2]).toBe(2000 + 100 * (sd + 1) + 10 * (sh + 2) + sw + 3 + 1);
  });

  it('is deterministic for the same rng seed and differs for another', () => {
    const c = makeCase([10, 10, 10], [[[5, 5, 5], 4]]);
    const opts = { tumourProbability: 0.5, flip: true, intensity: { scale: 0.1, shift: 0.1 } };
    const a = samplePatch(c, [4, 4, 4], new Rng(42), opts);
    const b = samplePatch(c, [4, 4, 4], new Rng(42), opts);
    expect(b.image).toEqual(a.image);
    expect(b.target).toEqual(a.target);
    const others = [43, 44, 45].map((s) => samplePatch(c, [4, 4, 4], new Rng(s), opts).image);
    expect(others.some((o) => o.some((v, i) => v !== a.image[i]))).toBe(true);
  });

  it('pads with zeros where the case is smaller than the patch and keeps all of the case', () => {
    const s: Vec3 = [3, 4, 5];
    const c = makeCase(s, [[[0, 0, 0], 2]]);
    const ps: Vec3 = [6, 6, 6];
    for (let seed = 0; seed < 5; seed++) {
      const p = samplePatch(c, ps, new Rng(seed), { tumourProbability: 0.5, flip: false });
      const [sd, sh, sw] = p.startDHW;
      // start ∈ [size − patch, 0]: the whole case lies in the window
      expect(sd >= -3 && sd <= 0 && sh >= -2 && sh <= 0 && sw >= -1 && sw <= 0).toBe(true);
      let nonZero = 0;
      for (let i = 0; i < p.image.length; i += 4) if (p.image[i] !== 0) nonZero++;
      expect(nonZero).toBe(3 * 4 * 5); // 60 case voxels, 216 − 60 = 156 padding voxels
      // case voxel (2,3,4) sits at patch (2−sd, 3−sh, 4−sw)
      expect(p.image[idx(ps, 2 - sd, 3 - sh, 4 - sw) * 4]).toBe(100 * 2 + 10 * 3 + 4 + 1);
      expect(p.target[idx(ps, -sd, -sh, -sw) * 3]).toBe(1); // the label-2 voxel: WT only
      expect(p.target.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it('flips image and target together (a marked voxel moves with its label)', () => {
    const s: Vec3 = [8, 8, 8];
    const mark: Vec3 = [2, 3, 5];
    const c = makeCase(s, [
      [mark, 4],
      [[6, 1, 1], 1],
    ]);
    const seen = new Set<string>();
    for (let seed = 0; seed < 64 && seen.size < 8; seed++) {
      const p = samplePatch(c, s, new Rng(seed), { tumourProbability: 0, flip: true });
      seen.add(p.flips.join());
      const pos = mark.map((v, a) => (p.flips[a] ? 7 - v : v)) as Vec3;
      const i = idx(s, ...pos);
      expect([...p.target.subarray(3 * i, 3 * i + 3)]).toEqual([1, 1, 1]); // label 4: WT, TC, ET
      expect(p.image[4 * i + 1]).toBe(1000 + 100 * 2 + 10 * 3 + 5 + 1); // channel 1 of the mark
      const j = idx(s, ...([6, 1, 1].map((v, a) => (p.flips[a] ? 7 - v : v)) as Vec3));
      expect([...p.target.subarray(3 * j, 3 * j + 3)]).toEqual([1, 1, 0]); // label 1: WT, TC
      expect(p.target.reduce((a, b) => a + b, 0)).toBe(5);
    }
    expect(seen.size).toBe(8); // every flip combination was exercised
  });

  it('applies per-channel scale and shift to brain voxels only', () => {
    const s: Vec3 = [4, 4, 4];
    const c = makeCase(s, [[[1, 1, 1], 2]]);
    for (let i = 0; i < 16 * 4; i++) c.image[i] = 0; // slice d=0 is background
    const base = samplePatch(c, s, new Rng(9), plain);
    const aug = samplePatch(c, s, new Rng(9), { ...plain, intensity: { scale: 0.1, shift: 0.1 } });
    expect(aug.startDHW).toEqual(base.startDHW);
    for (let ch = 0; ch < 4; ch++) {
      // Solve y = a·x + b from two brain voxels, then check every brain voxel against it.
      const [i0, i1] = [16, 63];
      const a = (aug.image[4 * i1 + ch] - aug.image[4 * i0 + ch]) / (base.image[4 * i1 + ch] - base.image[4 * i0 + ch]);
      const b = aug.image[4 * i0 + ch] - a * base.image[4 * i0 + ch];
      expect(a).toBeGreaterThanOrEqual(0.9 - 1e-4);
      expect(a).toBeLessThanOrEqual(1.1 + 1e-4);
      expect(Math.abs(b)).toBeLessThanOrEqual(0.1 + 0.05); // float32 rounding at values ~4000
      for (let v = 0; v < 64; v++) {
        const x = base.image[4 * v + ch];
        if (v < 16) expect(aug.image[4 * v + ch]).toBe(0);
        else expect(aug.image[4 * v + ch]).toBeCloseTo(a * x + b, 1);
      }
    }
  });

  it('tumour oversampling raises the tumour fraction as predicted', () => {
    // 32³ case with a ball of radius 3 at (16,16,16); 8³ patches; start ∈ [0, 24] per axis.
    const s: Vec3 = [32, 32, 32];
    const ball: [Vec3, number][] = [];
    for (let d = 13; d <= 19; d++)
      for (let h = 13; h <= 19; h++)
        for (let w = 13; w <= 19; w++) if ((d - 16) ** 2 + (h - 16) ** 2 + (w - 16) ** 2 <= 9) ball.push([[d, h, w], 2]);
    const c = makeCase(s, ball);
    const T = ball.length; // 123 voxels
    expect(tumourVoxels(c).length).toBe(T);
    // Uniform windows: a voxel with 7 ≤ coord ≤ 24 on every axis is covered by 8 of 25 starts
    // per axis, so E[fraction] = T·(8/25)³/512 = 123·0.032768/512 ≈ 0.00787.
    const f0 = (T * (8 / 25) ** 3) / 512;
    // Tumour-centred windows: start = clamp(centre − 4, 0, 24); average the overlap over centres.
    let f1 = 0;
    for (const [[d, h, w]] of ball) {
      const st = [d - 4, h - 4, w - 4];
      f1 += ball.filter(([[a, b, e]]) => a >= st[0] && a < st[0] + 8 && b >= st[1] && b < st[1] + 8 && e >= st[2] && e < st[2] + 8).length / 512;
    }
    f1 /= T; // ≈ 0.18
    const measure = (p: number): number => {
      const rng = new Rng(123);
      let sum = 0;
      const N = 3000;
      for (let k = 0; k < N; k++) {
        const { target } = samplePatch(c, [8, 8, 8], rng, { tumourProbability: p, flip: true });
        for (let i = 0; i < target.length; i += 3) sum += target[i];
      }
      return sum / (N * 512);
    };
    const m0 = measure(0);
    const m1 = measure(1);
    const mHalf = measure(0.5);
    expect(m0).toBeGreaterThan(0.8 * f0);
    expect(m0).toBeLessThan(1.2 * f0);
    expect(m1).toBeCloseTo(f1, 2);
    expect(mHalf).toBeGreaterThan(0.9 * 0.5 * (f0 + f1));
    expect(mHalf).toBeLessThan(1.1 * 0.5 * (f0 + f1));
    expect(m1 / m0).toBeGreaterThan(15);
  });

  it('refuses cases without labels', () => {
    const c = makeCase([4, 4, 4]);
    delete c.labels;
    expect(() => samplePatch(c, [2, 2, 2], new Rng(0), plain)).toThrow(/case P has no segmentation/);
  });
});

describe('batchPatches', () => {
  it('stacks one patch per case, equal to sampling them in turn from the same rng', () => {
    const a = makeCase([6, 6, 6], [[[2, 2, 2], 4]]);
    const b = makeCase([5, 7, 9], [[[1, 1, 1], 1]]);
    const opts = { tumourProbability: 0.5, flip: true, intensity: { scale: 0.1, shift: 0.1 } };
    const batch = batchPatches([a, b, a], [4, 4, 4], new Rng(5), opts);
    expect(batch.n).toBe(3);
    expect(batch.image.length).toBe(3 * 64 * 4);
    expect(batch.target.length).toBe(3 * 64 * 3);
    const rng = new Rng(5);
    const singles = [a, b, a].map((c) => samplePatch(c, [4, 4, 4], rng, opts));
    singles.forEach((p, k) => {
      expect(batch.image.subarray(k * 256, (k + 1) * 256)).toEqual(p.image);
      expect(batch.target.subarray(k * 192, (k + 1) * 192)).toEqual(p.target);
    });
  });
});
