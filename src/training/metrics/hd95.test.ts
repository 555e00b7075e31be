import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { hd95, HD95_EMPTY_PENALTY_MM, percentileLinear, surfaceDistancesMm } from './hd95';

type S3 = [number, number, number];

/** Mask of `shape` with the listed (d, h, w) voxels set. */
function maskOf(shape: S3, voxels: S3[]): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (const [d, h, w] of voxels) m[w + shape[2] * (h + shape[1] * d)] = 1;
  return m;
}

/** Mask of `shape` with the box [lo, hi) set. */
function boxMask(shape: S3, lo: S3, hi: S3): Uint8Array {
  const vox: S3[] = [];
  for (let d = lo[0]; d < hi[0]; d++) for (let h = lo[1]; h < hi[1]; h++) for (let w = lo[2]; w < hi[2]; w++) vox.push([d, h, w]);
  return maskOf(shape, vox);
}

/** Voxels (0,0,w) for w in ws, in a [1,1,W] volume: every mask voxel is on the border, hence surface. */
function line(nw: number, ws: number[]): Uint8Array {
  return maskOf([1, 1, nw], ws.map((w): S3 => [0, 0, w]));
}

describe('hd95', () => {
  it('two single voxels 3 apart along W at 2 mm spacing → 6 mm', () => {
    const shape: S3 = [3, 3, 8];
    const p = maskOf(shape, [[1, 1, 2]]);
    const g = maskOf(shape, [[1, 1, 5]]);
    // Each voxel is its own surface; both directed distances are 3 voxels · 2 mm = 6 mm.
    expect(hd95(p, g, shape, [1, 1, 2])).toBe(6);
  });

  it('diagonal neighbour with anisotropic spacing: √(1² + 2² + 2²) = 3 mm', () => {
    const shape: S3 = [2, 2, 2];
    expect(hd95(maskOf(shape, [[0, 0, 0]]), maskOf(shape, [[1, 1, 1]]), shape, [1, 2, 2])).toBe(3);
  });

  it('two parallel planes k voxels apart along D: k·pz', () => {
    // P = plane d = 0, G = plane d = 3 of a [5,4,6] volume. One voxel thick → all surface; every voxel's
    // nearest partner is straight across: 3 voxels · 2.5 mm = 7.5 mm, so all pooled distances are 7.5.
    const shape: S3 = [5, 4, 6];
    const p = boxMask(shape, [0, 0, 0], [1, 4, 6]);
    const g = boxMask(shape, [3, 0, 0], [4, 4, 6]);
    expect(hd95(p, g, shape, [2.5, 1, 0.7])).toBeCloseTo(7.5, 12);
  });

  it('two 3×3×3 cubes offset by 4 voxels along W', () => {
    // P: d,h ∈ 1..3, w ∈ 1..3; G: same, w ∈ 5..7. Surface of a 3³ cube = 26 voxels (all but the centre).
    // P surface → nearest G voxel is (d,h,5) straight along W: w=3 face (9 voxels) 2, w=2 ring (8) 3,
    // w=1 face (9) 4 voxels; G → P symmetric. Pooled 52 values: 18×2, 16×3, 18×4 (indices 34..51 are 4).
    // Position 51·0.95 = 48.45 → between sorted[48] = 4 and sorted[49] = 4 → 4 voxels · 0.5 mm = 2 mm.
    const shape: S3 = [5, 5, 9];
    const p = boxMask(shape, [1, 1, 1], [4, 4, 4]);
    const g = boxMask(shape, [1, 1, 5], [4, 4, 8]);
    const spacing: S3 = [3, 2, 0.5];
    const sd = surfaceDistancesMm(p, g, shape, spacing)!;
    expect(sd.predToGt.length).toBe(26);
    expect([...sd.predToGt].sort((a, b) => a - b)).toEqual([...Array(9).fill(1), ...Array(8).fill(1.5), ...Array(9).fill(2)]);
    expect(hd95(p, g, shape, spacing)).toBe(2);
  });

  it('interpolates between two pooled distances (numpy linear), 1 mm spacing', () => {
    // [1,1,10] volume: P = {w=0}, G = {w=0..6}. P→G: [0]; G→P: [0,1,2,3,4,5,6].
    // Pooled sorted [0,0,1,2,3,4,5,6], n = 8, position 7·0.95 = 6.65 → 5 + 0.65·(6 − 5) = 5.65.
    expect(hd95(line(10, [0]), line(10, [0, 1, 2, 3, 4, 5, 6]), [1, 1, 10], [1, 1, 1])).toBeCloseTo(5.65, 12);
    // G = {w=0..9} at 2 mm: pooled [0,0,2,4,...,18], n = 11, position 10·0.95 = 9.5 → (16 + 18)/2 = 17.
    expect(hd95(line(10, [0]), line(10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 1, 10], [1, 1, 2])).toBeCloseTo(17, 12);
  });

  it('spacing order is D, H, W: the nearest partner changes with it', () => {
    // P = (0,0,0); G = {(2,0,0), (0,0,3)} (two isolated voxels, both surface).
    const shape: S3 = [3, 1, 4];
    const p = maskOf(shape, [[0, 0, 0]]);
    const g = maskOf(shape, [[2, 0, 0], [0, 0, 3]]);
    // spacingDHW [2,1,1]: |(2,0,0)| = 4, |(0,0,3)| = 3. P→G [3]; G→P [4, 3]. Sorted [3,3,4], pos 2·0.95 = 1.9 → 3 + 0.9 = 3.9.
    expect(hd95(p, g, shape, [2, 1, 1])).toBeCloseTo(3.9, 12);
    // spacingDHW [1,1,2]: distances 2 and 6. P→G [2]; G→P [2, 6]. Sorted [2,2,6], pos 1.9 → 2 + 0.9·4 = 5.6.
    expect(hd95(p, g, shape, [1, 1, 2])).toBeCloseTo(5.6, 12);
  });

  it('interior voxels are not surface; border voxels are', () => {
    // A full 3³ cube in a 3³ volume: every voxel but the centre touches the volume border → 26 surface voxels.
    const shape: S3 = [3, 3, 3];
    const full = boxMask(shape, [0, 0, 0], [3, 3, 3]);
    expect(surfaceDistancesMm(full, full, shape, [1, 1, 1])!.predToGt.length).toBe(26);
    // A 3³ cube inside a 5³ volume: also 26 (the centre (2,2,2) has all 6 neighbours inside).
    const inner = boxMask([5, 5, 5], [1, 1, 1], [4, 4, 4]);
    expect(surfaceDistancesMm(inner, inner, [5, 5, 5], [1, 1, 1])!.gtToPred.length).toBe(26);
  });

  it('empty conventions: both empty → 0, exactly one empty → 373.13', () => {
    const shape: S3 = [2, 3, 4];
    const empty = new Uint8Array(24);
    const one = maskOf(shape, [[1, 2, 3]]);
    expect(HD95_EMPTY_PENALTY_MM).toBe(373.13);
    expect(hd95(empty, empty, shape, [1, 1, 1])).toBe(0);
    expect(hd95(one, empty, shape, [1, 1, 1])).toBe(373.13);
    expect(hd95(empty, one, shape, [1, 1, 1])).toBe(373.13);
    expect(hd95(one, one, shape, [1, 1, 1])).toBe(0);
  });

  it('is symmetric, and cropping to the union bounding box is exact (random masks)', () => {
    const rng = new Rng(11);
    const shape: S3 = [9, 10, 12];
    for (let rep = 0; rep < 12; rep++) {
      // Random blobs: a random box plus speckle, away from and touching the border.
      const mk = (): Uint8Array => {
        const lo: S3 = [rng.int(5), rng.int(5), rng.int(6)];
        const hi: S3 = [lo[0] + 1 + rng.int(4), lo[1] + 1 + rng.int(5), lo[2] + 1 + rng.int(6)];
        const m = boxMask(shape, lo, hi);
        for (let i = 0; i < m.length; i++) if (rng.bernoulli(0.02)) m[i] = 1;
        return m;
      };
      const a = mk();
      const b = mk();
      const spacing: S3 = [rng.range(0.5, 3), rng.range(0.5, 3), rng.range(0.5, 3)];
      expect(hd95(a, b, shape, spacing)).toBe(hd95(b, a, shape, spacing));
      const cropped = surfaceDistancesMm(a, b, shape, spacing)!;
      const full = surfaceDistancesMm(a, b, shape, spacing, { crop: false })!;
      expect(cropped.predToGt).toEqual(full.predToGt);
      expect(cropped.gtToPred).toEqual(full.gtToPred);
    }
  });

  it('matches MedPy/scipy on an irregular anisotropic case', () => {
    // Reference from Python (numpy 2.4.6, scipy 1.17.1), MedPy's hd95 recipe: surface = m ^ binary_erosion(m,
    // generate_binary_structure(3, 1)); distance_transform_edt(~surface, sampling=[2.5, 0.9375, 1.2]);
    // np.percentile(np.hstack((d_pg, d_gp)), 95). Masks in row-major [4, 6, 7] order; a has holes, b speckle.
    const a = '000000000000000000000000000000000000000000000000001010001100000111100011110000000000000000011110000111000111000011110000000000000000011010001111000110100001110000000000';
    const b = '000000010000000011111001111100111110111111000000000000000011111001111110111110011111000000000000000011111001111110111110011111000000000000000000000000000000000000000000';
    const bits = (s: string): Uint8Array => Uint8Array.from(s, (c) => +c);
    expect(hd95(bits(a), bits(b), [4, 6, 7], [2.5, 0.9375, 1.2])).toBeCloseTo(3.720068043732533, 12);
  });

  it('rejects non-binary masks and mismatched shapes, naming the problem', () => {
    const p = new Uint8Array(8);
    p[3] = 2;
    expect(() => hd95(p, new Uint8Array(8), [2, 2, 2], [1, 1, 1])).toThrow(/pred\[3\] = 2.*binary/);
    expect(() => hd95(new Uint8Array(8), new Uint8Array(9), [2, 2, 2], [1, 1, 1])).toThrow(/9 voxels/);
  });
});

describe('percentileLinear (numpy default)', () => {
  it('matches numpy.percentile on hand-computed cases', () => {
    // np.percentile([1,2,3,4], 95): pos 3·0.95 = 2.85 → 3 + 0.85·1 = 3.85.
    expect(percentileLinear(Float64Array.from([4, 1, 3, 2]), 95)).toBeCloseTo(3.85, 12);
    // np.percentile([10, 20], 50) = 15; single value → itself.
    expect(percentileLinear(Float64Array.from([20, 10]), 50)).toBe(15);
    expect(percentileLinear(Float64Array.from([7]), 95)).toBe(7);
    expect(percentileLinear(Float64Array.from([1, 2, 3]), 100)).toBe(3);
  });
});
