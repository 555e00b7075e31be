import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NiftiDatatype, makeNiftiHeader, writeNifti } from '../nifti';
import { type BratsCase, discoverBratsCases } from './discover';
import { loadCase, unknownLabelCounts, validateCase } from './validate';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'brats-validate-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

type Vol = { dims?: [number, number, number]; pixdim?: [number, number, number]; data?: number[]; datatype?: NiftiDatatype };

/**
 * Writes a 2018-2021 case of 4×3×2 volumes (nx×ny×nz): modality m voxel i = 10(m+1) + i, seg
 * labels cycling 0,1,2,4. `over` replaces a file's dims/data/datatype.
 */
async function writeCase(id: string, over: Partial<Record<'t1' | 't1ce' | 't2' | 'flair' | 'seg', Vol>> = {}): Promise<BratsCase> {
  const dir = join(root, id);
  await mkdir(dir, { recursive: true });
  const keys = ['t1', 't1ce', 't2', 'flair', 'seg'] as const;
  for (const [m, key] of keys.entries()) {
    const o = over[key] ?? {};
    const dims = o.dims ?? [4, 3, 2];
    const n = dims[0] * dims[1] * dims[2];
    const isSeg = key === 'seg';
    const data = o.data ?? Array.from({ length: n }, (_, i) => (isSeg ? [0, 1, 2, 4][i % 4] : 10 * (m + 1) + i));
    const datatype = o.datatype ?? (isSeg ? 'uint8' : 'int16');
    await writeNifti(join(dir, `${id}_${key}.nii.gz`), makeNiftiHeader(dims, o.pixdim ?? [1, 1, 1], { datatype }), data, { datatype });
  }
  const { cases } = await discoverBratsCases(dir);
  return cases[0];
}

describe('validateCase / loadCase', () => {
  it('loads a good case: shapes in D,H,W order, modalities in t1,t1ce,t2,flair order, uint8 labels', async () => {
    const c = await writeCase('Good_001');
    expect(await validateCase(c)).toEqual([]);
    const l = await loadCase(c);
    expect(l.id).toBe('Good_001');
    expect(l.shapeDHW).toEqual([2, 3, 4]);
    expect(l.spacingDHW).toEqual([1, 1, 1]);
    expect(l.header.dims).toEqual([4, 3, 2]);
    expect(l.modalities.map((m) => m[5])).toEqual([15, 25, 35, 45]); // 10(m+1) + 5
    expect(l.labels).toBeInstanceOf(Uint8Array);
    expect([...l.labels!.subarray(0, 5)]).toEqual([0, 1, 2, 4, 0]);
    expect(l.etLabel).toBe(4);
  });

  it('reports mismatched shapes naming both files and both shapes', async () => {
    const c = await writeCase('Shape_001', { flair: { dims: [4, 3, 3] } });
    const problems = await validateCase(c);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ caseId: 'Shape_001', severity: 'error', path: c.files.flair });
    expect(problems[0].message).toContain(`${c.files.t1} is 4×3×2`);
    expect(problems[0].message).toContain(`${c.files.flair} is 4×3×3`);
    await expect(loadCase(c)).rejects.toThrow(/BraTS case Shape_001 cannot be loaded:\n.*Shape_001_flair\.nii\.gz is 4×3×3/);
  });

  it('reports spacing that differs by more than 1e-3 mm, and accepts rounding below it', async () => {
    const c = await writeCase('Spacing_001', { t2: { pixdim: [1, 1, 1.2] }, t1ce: { pixdim: [1.0004, 1, 1] } });
    const problems = await validateCase(c);
    expect(problems.map((p) => p.path)).toEqual([c.files.t2]);
    expect(problems[0].message).toMatch(/spacing mismatch: .*_t1\.nii\.gz has voxels 1×1×1 mm but .*_t2\.nii\.gz has 1×1×1.2/);
  });

  it('reports unknown labels with the file, the values and their counts', async () => {
    // 24 voxels: 20 zeros, three 3s, one 7
    const seg = Array.from({ length: 24 }, (_, i) => (i < 3 ? 3 : i === 10 ? 7 : 0));
    const c = await writeCase('Label_001', { seg: { data: seg } });
    const problems = await validateCase(c);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(c.files.seg);
    expect(problems[0].message).toContain('unknown label values 3 (3 voxels), 7 (1 voxel); BraTS 2018-2021 labels are 0, 1, 2, 4');
    expect(problems[0].message).toContain('3 is the enhancing-tumour label of BraTS 2023+');
    await expect(loadCase(c)).rejects.toThrow(/Label_001_seg\.nii\.gz: unknown label values 3/);
  });

  it('counts non-finite voxels and names the file', async () => {
    const data = Array.from({ length: 24 }, (_, i) => (i === 2 || i === 7 ? NaN : i === 9 ? Infinity : 100 + i));
    const c = await writeCase('NaN_001', { t2: { data, datatype: 'float32' } });
    const problems = await validateCase(c);
    expect(problems).toEqual([{ caseId: 'NaN_001', path: c.files.t2, severity: 'error', message: '3 of 24 voxels are not finite (NaN or ±Inf)' }]);
  });

  it('surfaces NIfTI read errors with the path, and still checks the other files', async () => {
    const c = await writeCase('Broken_001', { seg: { data: Array.from({ length: 24 }, () => 5) } });
    await writeFile(c.files.t1ce, 'this is not a NIfTI file at all, just some text padding it out');
    const problems = await validateCase(c);
    expect(problems.map((p) => p.path)).toEqual([c.files.t1ce, c.files.seg]);
    expect(problems[0].message.startsWith(`${c.files.t1ce}: `)).toBe(true);
    expect(problems[1].message).toContain('5 (24 voxels)');
  });

  it('warns about an all-zero modality without failing the case', async () => {
    const c = await writeCase('Zero_001', { t1: { data: Array(24).fill(0) } });
    const problems = await validateCase(c);
    expect(problems.map((p) => [p.path, p.severity])).toEqual([[c.files.t1, 'warning']]);
    await expect(loadCase(c)).resolves.toMatchObject({ id: 'Zero_001' });
  });
});

describe('unknownLabelCounts', () => {
  it('counts unknown integers, fractions and NaN, in ascending order with NaN last', () => {
    const m = unknownLabelCounts([0, 4, 4, 9, 0.5, NaN, 300, 9, -1], [0, 1, 2, 4]);
    expect([...m]).toEqual([
      [-1, 1],
      [0.5, 1],
      [9, 2],
      [300, 1],
      [NaN, 1],
    ]);
  });
});
