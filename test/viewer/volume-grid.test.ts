import { describe, expect, it } from 'vitest';
import { affineDifference, decodeLabels, fileAxisAlongWorld, flatIndex, gridMismatch, labelCentroid, labelCounts } from '../../src/renderer/viewer/volume-grid';

describe('volume grid helpers', () => {
  it('indexes x fastest (NIfTI order)', () => {
    const dims = [4, 3, 2] as const;
    expect(flatIndex(dims, 0, 0, 0)).toBe(0);
    expect(flatIndex(dims, 1, 0, 0)).toBe(1);
    expect(flatIndex(dims, 0, 1, 0)).toBe(4);
    expect(flatIndex(dims, 3, 2, 1)).toBe(3 + 4 * (2 + 3 * 1)); // 23, the last voxel
  });

  it('decodes labels from float and scaled storage, and rejects non-labels naming the file', () => {
    expect([...decodeLabels(Float32Array.from([0, 1.0000001, 2, 3.9999]), 1, 0, 'seg')]).toEqual([0, 1, 2, 4]);
    expect([...decodeLabels(Int16Array.from([0, 2, 4]), 0.5, 0, 'seg')]).toEqual([0, 1, 2]); // 2·0.5 = 1
    expect([...decodeLabels(Uint8Array.from([0, 4]), 0, 0, 'seg')]).toEqual([0, 4]); // slope 0 means 1
    expect(() => decodeLabels(Float32Array.from([0, -1]), 1, 0, '/d/case_seg.nii.gz')).toThrow(/case_seg\.nii\.gz: voxel 1 has value -1/);
    expect(() => decodeLabels(Float32Array.from([300]), 1, 0, 'p')).toThrow(/not a label/);
  });

  it('counts labels', () => {
    expect([...labelCounts(Uint8Array.from([0, 0, 1, 4, 4, 4]))]).toEqual([[0, 2], [1, 1], [4, 3]]);
  });

  it('explains grid mismatches', () => {
    expect(gridMismatch([64, 64, 64], [64, 64, 64], 'prediction')).toBeNull();
    expect(gridMismatch([64, 64, 64], [32, 64, 64], 'prediction /r/p.nii.gz')).toBe(
      'prediction /r/p.nii.gz has dims 32×64×64 but the scan has 64×64×64; it cannot be overlaid voxel for voxel',
    );
    const eye = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    expect(affineDifference(eye, [[1, 0, 0, 0.5], [0, 1, 0, 0], [0, 0, 1, -2], [0, 0, 0, 1]])).toBe(2);
  });

  it('finds which file axis runs along a world axis, for permuted and flipped affines', () => {
    const ras = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
    expect([0, 1, 2].map((w) => fileAxisAlongWorld(ras, w as 0 | 1 | 2))).toEqual([0, 1, 2]);
    // file i → world z (superior), j → world x (flipped), k → world y: a coronal-acquired file
    const perm = [[0, -0.9, 0, 0], [0, 0, 1.2, 0], [1, 0, 0, 0]];
    expect(fileAxisAlongWorld(perm, 2)).toBe(0);
    expect(fileAxisAlongWorld(perm, 0)).toBe(1);
    expect(fileAxisAlongWorld(perm, 1)).toBe(2);
  });
});

describe('labelCentroid', () => {
  it('finds the centre of a blob, the nearest labelled voxel for a ring, and null for an empty mask', () => {
    const dims = [5, 5, 1] as const;
    const blob = new Uint8Array(25);
    for (const [i, j] of [[1, 1], [2, 1], [3, 1], [2, 2]]) blob[flatIndex(dims, i, j, 0)] = 1;
    expect(labelCentroid(blob, dims)).toEqual([2, 1, 0]); // mean (2, 1.25) → (2, 1)
    const ring = new Uint8Array(25);
    for (let i = 1; i <= 3; i++) for (let j = 1; j <= 3; j++) if (i !== 2 || j !== 2) ring[flatIndex(dims, i, j, 0)] = 2;
    const c = labelCentroid(ring, dims)!;
    expect(ring[flatIndex(dims, ...c)]).toBe(2);
    expect(Math.abs(c[0] - 2) + Math.abs(c[1] - 2)).toBe(1); // a neighbour of the empty centre
    expect(labelCentroid(new Uint8Array(25), dims)).toBeNull();
  });
});
