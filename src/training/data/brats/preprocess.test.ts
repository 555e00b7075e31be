import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { makeNiftiHeader } from '../nifti';
import { type Box, type Vec3, boxShape, brainBoundingBox, brainMask, cropToBox, maskedMeanStd, preprocessCase, uncropToFull, zscoreInBrain } from './preprocess';
import type { LoadedCase } from './validate';

const idx = (s: Vec3, d: number, h: number, w: number): number => (d * s[1] + h) * s[2] + w;

describe('brainMask / brainBoundingBox', () => {
  it('marks voxels where any modality is non-zero', () => {
    const a = Float32Array.from([0, 1, 0, 0]);
    const b = Float32Array.from([0, 0, -2, 0]);
    expect([...brainMask([a, b])]).toEqual([0, 1, 1, 0]);
  });

  it('gives the tight box, grows it by the margin and clips to the volume', () => {
    const s: Vec3 = [4, 5, 6];
    const mask = new Uint8Array(4 * 5 * 6);
    mask[idx(s, 1, 2, 3)] = 1;
    mask[idx(s, 2, 4, 1)] = 1;
    // d ∈ {1,2} → [1,3); h ∈ {2,4} → [2,5); w ∈ {1,3} → [1,4)
    expect(brainBoundingBox(mask, s)).toEqual({ start: [1, 2, 1], end: [3, 5, 4] });
    // margin 1: [0,4), [1,6)→clipped to [1,5), [0,5)
    expect(brainBoundingBox(mask, s, 1)).toEqual({ start: [0, 1, 0], end: [4, 5, 5] });
    expect(brainBoundingBox(new Uint8Array(120), s)).toEqual({ start: [0, 0, 0], end: [4, 5, 6] });
  });
});

describe('cropToBox / uncropToFull', () => {
  it('crops by hand-checked indices', () => {
    const s: Vec3 = [2, 3, 4];
    const vol = Float32Array.from({ length: 24 }, (_, i) => i);
    // (d=1, h=1..2, w=1..2): (1·3+1)·4+1 = 17, 18; (1·3+2)·4+1 = 21, 22
    const out = cropToBox(vol, s, { start: [1, 1, 1], end: [2, 3, 3] });
    expect(out).toBeInstanceOf(Float32Array);
    expect([...out]).toEqual([17, 18, 21, 22]);
  });

  it('round-trips exactly, with channels and for uint8', () => {
    const rng = new Rng(3);
    const s: Vec3 = [7, 9, 11];
    const C = 4;
    const vol = rng.fill(7 * 9 * 11 * C, (r) => r.normal());
    const box: Box = { start: [2, 0, 5], end: [6, 9, 10] };
    const crop = cropToBox(vol, s, box, C);
    expect(crop.length).toBe(4 * 9 * 5 * C);
    const full = uncropToFull(crop, box, s, C);
    let wrong = 0;
    for (let d = 0; d < 7; d++)
      for (let h = 0; h < 9; h++)
        for (let w = 0; w < 11; w++) {
          const inside = d >= 2 && d < 6 && w >= 5 && w < 10;
          for (let c = 0; c < C; c++) {
            const i = idx(s, d, h, w) * C + c;
            if (full[i] !== (inside ? vol[i] : 0)) wrong++;
          }
        }
    expect(wrong).toBe(0);
    expect(cropToBox(full, s, box, C)).toEqual(crop);

    const labels = Uint8Array.from({ length: 7 * 9 * 11 }, (_, i) => i % 5);
    const lc = cropToBox(labels, s, box);
    expect(lc).toBeInstanceOf(Uint8Array);
    const back = uncropToFull(lc, box, s, 1, 9);
    expect(back[idx(s, 0, 0, 0)]).toBe(9); // outside the box: fill value
    expect(back[idx(s, 3, 4, 7)]).toBe(labels[idx(s, 3, 4, 7)]);
  });

  it('rejects boxes that do not fit and arrays of the wrong length', () => {
    expect(() => cropToBox(new Float32Array(8), [2, 2, 2], { start: [0, 0, 0], end: [3, 2, 2] })).toThrow(/does not fit a 2×2×2 volume/);
    expect(() => cropToBox(new Float32Array(7), [2, 2, 2], { start: [0, 0, 0], end: [1, 1, 1] })).toThrow(/7 values but shape 2×2×2 needs 8/);
  });
});

describe('zscoreInBrain', () => {
  it('normalises over brain voxels only (hand-computed)', () => {
    // brain values 2, 4, 6: mean 4, variance (4+0+4)/3 = 8/3, std 1.63299
    const out = zscoreInBrain(Float32Array.from([100, 2, 4, 6]), Uint8Array.from([0, 1, 1, 1]));
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6); // −1.224745
    expect(out[2]).toBeCloseTo(0, 6);
    expect(out[3]).toBeCloseTo(1.224745, 5);
  });

  it('gives mean 0 and std 1 over the brain and exactly 0 outside, at scanner intensities', () => {
    const rng = new Rng(7);
    const n = 20000;
    const mask = Uint8Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 1 : 0));
    const vol = Float32Array.from(mask, (m) => (m ? 1500 + 300 * rng.normal() : 0));
    const z = zscoreInBrain(vol, mask);
    const { mean, std } = maskedMeanStd(z, mask);
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(std).toBeCloseTo(1, 5);
    let nonZeroOutside = 0;
    for (let i = 0; i < n; i++) if (!mask[i] && z[i] !== 0) nonZeroOutside++;
    expect(nonZeroOutside).toBe(0);
  });

  it('only centres a constant brain (std 0) instead of dividing by zero', () => {
    const z = zscoreInBrain(Float32Array.from([0, 5, 5]), Uint8Array.from([0, 1, 1]));
    expect([...z]).toEqual([0, 0, 0]);
  });
});

describe('preprocessCase', () => {
  it('crops to the brain box, z-scores each modality and interleaves channels-last', () => {
    const s: Vec3 = [5, 6, 7];
    const n = 5 * 6 * 7;
    const rng = new Rng(11);
    // Brain: d 1..3, h 2..4, w 1..5 (a 3×3×5 block); modality m has mean ~ 100(m+1).
    const inBrain = (d: number, h: number, w: number): boolean => d >= 1 && d <= 3 && h >= 2 && h <= 4 && w >= 1 && w <= 5;
    const modalities = [0, 1, 2, 3].map((m) => {
      const v = new Float32Array(n);
      for (let d = 0; d < 5; d++) for (let h = 0; h < 6; h++) for (let w = 0; w < 7; w++) if (inBrain(d, h, w)) v[idx(s, d, h, w)] = 100 * (m + 1) + 10 * rng.normal();
      return v;
    });
    const labels = new Uint8Array(n);
    labels[idx(s, 2, 3, 3)] = 4;
    labels[idx(s, 1, 2, 1)] = 2;
    const header = makeNiftiHeader([7, 6, 5], [1, 1, 2], { datatype: 'int16' });
    const c: LoadedCase = { id: 'X', header, shapeDHW: s, spacingDHW: [2, 1, 1], modalities, labels, etLabel: 4 };
    const p = preprocessCase(c);

    expect(p.box).toEqual({ start: [1, 2, 1], end: [4, 5, 6] });
    expect(p.shapeDHW).toEqual([3, 3, 5]);
    expect(p.image.length).toBe(3 * 3 * 5 * 4);
    expect(p.source).toEqual({ header, shapeDHW: [5, 6, 7], spacingDHW: [2, 1, 1] });
    // Channel m of the image equals zscoreInBrain of modality m, cropped.
    const mask = brainMask(modalities);
    for (let m = 0; m < 4; m++) {
      const expected = cropToBox(zscoreInBrain(modalities[m], mask), s, p.box);
      for (let i = 0; i < expected.length; i++) expect(p.image[4 * i + m]).toBeCloseTo(expected[i], 5);
    }
    // Labels follow the crop: (2,3,3) → (1,1,2); (1,2,1) → (0,0,0).
    const cs = p.shapeDHW;
    expect(p.labels![idx(cs, 1, 1, 2)]).toBe(4);
    expect(p.labels![0]).toBe(2);
    expect(p.labels!.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('keeps labels that lie outside the brain mask inside the crop', () => {
    const s: Vec3 = [3, 3, 3];
    const m = new Float32Array(27);
    m[idx(s, 1, 1, 1)] = 5;
    const labels = new Uint8Array(27);
    labels[idx(s, 2, 2, 2)] = 1;
    const p = preprocessCase({ id: 'Y', header: makeNiftiHeader([3, 3, 3]), shapeDHW: s, spacingDHW: [1, 1, 1], modalities: [m, m, m, m], labels, etLabel: 4 });
    expect(p.box).toEqual({ start: [1, 1, 1], end: [3, 3, 3] });
    expect(boxShape(p.box)).toEqual([2, 2, 2]);
    expect(p.labels![7]).toBe(1);
  });
});
