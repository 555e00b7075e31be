import { describe, expect, it } from 'vitest';
import { outlineMask, outlineOnSlices, outlinePlaneFor, planeKey } from '../../src/renderer/viewer/outline';
import { flatIndex } from '../../src/renderer/viewer/volume-grid';

/** n³ volume with label `v` in the cube [lo, hi]³ (inclusive). */
function cube(n: number, lo: number, hi: number, v = 1): Uint8Array {
  const a = new Uint8Array(n * n * n);
  for (let k = lo; k <= hi; k++) for (let j = lo; j <= hi; j++) for (let i = lo; i <= hi; i++) a[flatIndex([n, n, n], i, j, k)] = v;
  return a;
}
const sum = (a: Uint8Array): number => a.reduce((s, x) => s + x, 0);

describe('outlineMask', () => {
  const dims = [7, 7, 7] as const;
  const labels = cube(7, 1, 5); // a 5³ cube

  it('3D: the surface of a 5³ cube is 5³ − 3³ = 98 voxels, and the centre is not on it', () => {
    const m = outlineMask(labels, dims, 'xyz');
    expect(sum(m)).toBe(125 - 27);
    expect(m[flatIndex(dims, 3, 3, 3)]).toBe(0);
    expect(m[flatIndex(dims, 1, 3, 3)]).toBe(1);
    expect(m[flatIndex(dims, 3, 3, 1)]).toBe(1); // on the bottom cap
  });

  it('in-plane (normal to file axis k): a 16-voxel ring (5² − 3²) on each of the 5 slices, caps not filled', () => {
    const m = outlineMask(labels, dims, 2);
    expect(sum(m)).toBe(5 * 16);
    expect(m[flatIndex(dims, 3, 3, 1)]).toBe(0); // interior of the bottom slice: not a contour in-plane
    expect(m[flatIndex(dims, 1, 3, 1)]).toBe(1);
    // normal to i: rings lie in j-k planes, the same count by symmetry, and (1,3,3) is a cap voxel there
    const mi = outlineMask(labels, dims, 0);
    expect(sum(mi)).toBe(80);
    expect(mi[flatIndex(dims, 1, 3, 3)]).toBe(0);
  });

  it('outlines both sides of an interface between two labels, and voxels on the volume border', () => {
    // 6×3×3, label 1 for i < 3 and 2 for i ≥ 3: the centre row (j = k = 1) is interior in j and k
    const d = [6, 3, 3] as const;
    const two = new Uint8Array(54);
    for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 6; i++) two[flatIndex(d, i, j, k)] = i < 3 ? 1 : 2;
    const m = outlineMask(two, d, 'xyz');
    expect([0, 1, 2, 3, 4, 5].map((i) => m[flatIndex(d, i, 1, 1)])).toEqual([1, 0, 1, 1, 0, 1]);
    // a single slice (nz = 1) with in-plane neighbours only is not all border
    const slab = cube(5, 0, 4).subarray(0, 25);
    expect(sum(outlineMask(slab, [5, 5, 1], 2))).toBe(16);
  });

  it('rejects a label array that does not fit the dims', () => {
    expect(() => outlineMask(new Uint8Array(10), [2, 2, 2], 'xyz')).toThrow(/10 labels for dims 2×2×2/);
  });
});

describe('outlinePlaneFor', () => {
  it('uses surfaces for multiplanar and 3D, and the file axis along the view normal for one view', () => {
    const ras = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    expect(outlinePlaneFor('multiplanar', ras)).toBe('xyz');
    expect(outlinePlaneFor('render', ras)).toBe('xyz');
    expect(outlinePlaneFor('axial', ras)).toBe(2);
    expect(outlinePlaneFor('coronal', ras)).toBe(1);
    expect(outlinePlaneFor('sagittal', ras)).toBe(0);
    expect(outlinePlaneFor('axial', null)).toBe('xyz');
    // an LPS file whose k axis is superior still slices axially along k
    expect(outlinePlaneFor('axial', [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]])).toBe(2);
  });
});

describe('crosshair-plane outlines (multiplanar)', () => {
  const dims = [7, 7, 7] as const;
  const labels = cube(7, 1, 5);
  const surface = outlineMask(labels, dims, 'xyz');

  it('names the three planes through the crosshair by file axis', () => {
    const ras = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    const p = outlinePlaneFor('multiplanar', ras, [3, 4, 1]);
    expect(p).toEqual({ slices: [[2, 1], [1, 4], [0, 3]] }); // axial k = 1, coronal j = 4, sagittal i = 3
    expect(planeKey(p)).toBe('2@1,1@4,0@3');
    expect(outlinePlaneFor('multiplanar', ras, null)).toBe('xyz');
  });

  it('gives each crosshair plane its in-plane ring and leaves the surface elsewhere', () => {
    // axial plane k = 1 is the bottom cap: all 25 voxels on the 3D surface, only the 16-voxel ring in-plane
    const m = outlineOnSlices(labels, dims, surface, [[2, 1]]);
    let inPlane = 0;
    for (let j = 0; j < 7; j++) for (let i = 0; i < 7; i++) inPlane += m[flatIndex(dims, i, j, 1)];
    expect(inPlane).toBe(16);
    expect(m[flatIndex(dims, 3, 3, 1)]).toBe(0);
    expect(m[flatIndex(dims, 3, 3, 5)]).toBe(1); // top cap, not a crosshair plane: surface kept
    // the mask outside the planes equals the surface
    let diff = 0;
    for (let n = 0; n < m.length; n++) if (m[n] !== surface[n]) diff++;
    expect(diff).toBe(25 - 16);
    // planes outside the volume are ignored; the output buffer is reused
    const out = new Uint8Array(m.length);
    expect(outlineOnSlices(labels, dims, surface, [[0, 99]], out)).toBe(out);
    expect([...out]).toEqual([...surface]);
  });
});
