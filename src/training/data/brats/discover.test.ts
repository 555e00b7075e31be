import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverBratsCases, labelledCases, parseBratsFileName } from './discover';

// Discovery looks at names only, so empty files stand in for volumes.
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'brats-discover-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(dir: string, names: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const n of names) await writeFile(join(dir, n), '');
}

const old = (id: string, ext = '.nii.gz', seg = true): string[] =>
  ['t1', 't1ce', 't2', 'flair', ...(seg ? ['seg'] : [])].map((m) => `${id}_${m}${ext}`);
const neu = (id: string, ext = '.nii.gz', seg = true): string[] =>
  ['t1n', 't1c', 't2w', 't2f', ...(seg ? ['seg'] : [])].map((m) => `${id}-${m}${ext}`);

describe('parseBratsFileName', () => {
  it('tells _t1 from _t1ce and maps 2023 names to t1/t1ce/t2/flair', () => {
    expect(parseBratsFileName('BraTS20_Training_001_t1.nii.gz')).toEqual({ prefix: 'BraTS20_Training_001', scheme: '2018-2021', key: 't1' });
    expect(parseBratsFileName('BraTS20_Training_001_t1ce.nii')).toEqual({ prefix: 'BraTS20_Training_001', scheme: '2018-2021', key: 't1ce' });
    expect(parseBratsFileName('BraTS-GLI-00000-000-t1c.nii.gz')).toEqual({ prefix: 'BraTS-GLI-00000-000', scheme: '2023', key: 't1ce' });
    expect(parseBratsFileName('BraTS-GLI-00000-000-t2f.nii')?.key).toBe('flair');
    expect(parseBratsFileName('BraTS-GLI-00000-000-t1n.nii')?.key).toBe('t1');
    expect(parseBratsFileName('W39_1998.09.19_Segm.nii')).toBeNull();
    expect(parseBratsFileName('case_t1.txt')).toBeNull();
  });
});

describe('discoverBratsCases', () => {
  it('finds 2018-2021 cases (.nii.gz and .nii), sorted, ignoring hidden entries and root files', async () => {
    await touch(join(root, 'BraTS20_Training_002'), old('BraTS20_Training_002', '.nii'));
    await touch(join(root, 'BraTS20_Training_001'), [...old('BraTS20_Training_001'), 'notes.txt', '.DS_Store']);
    await touch(join(root, '.cache'), old('Hidden_001'));
    await writeFile(join(root, 'name_mapping.csv'), 'a,b\n');
    const { cases, problems } = await discoverBratsCases(root);
    expect(problems).toEqual([]);
    expect(cases.map((c) => c.id)).toEqual(['BraTS20_Training_001', 'BraTS20_Training_002']);
    const c = cases[1];
    expect(c).toEqual({
      id: 'BraTS20_Training_002',
      dir: join(root, 'BraTS20_Training_002'),
      scheme: '2018-2021',
      etLabel: 4,
      files: {
        t1: join(root, 'BraTS20_Training_002', 'BraTS20_Training_002_t1.nii'),
        t1ce: join(root, 'BraTS20_Training_002', 'BraTS20_Training_002_t1ce.nii'),
        t2: join(root, 'BraTS20_Training_002', 'BraTS20_Training_002_t2.nii'),
        flair: join(root, 'BraTS20_Training_002', 'BraTS20_Training_002_flair.nii'),
        seg: join(root, 'BraTS20_Training_002', 'BraTS20_Training_002_seg.nii'),
      },
    });
  });

  it('finds 2023 cases with ET label 3 and normalised keys; a case without seg is kept (predict-only)', async () => {
    await touch(join(root, 'BraTS-GLI-00000-000'), neu('BraTS-GLI-00000-000'));
    await touch(join(root, 'BraTS-GLI-00001-000'), neu('BraTS-GLI-00001-000', '.nii', false));
    const { cases, problems } = await discoverBratsCases(root);
    expect(problems).toEqual([]);
    expect(cases.map((c) => [c.id, c.scheme, c.etLabel, c.files.seg !== undefined])).toEqual([
      ['BraTS-GLI-00000-000', '2023', 3, true],
      ['BraTS-GLI-00001-000', '2023', 3, false],
    ]);
    expect(cases[0].files.t1ce).toBe(join(root, 'BraTS-GLI-00000-000', 'BraTS-GLI-00000-000-t1c.nii.gz'));
    expect(cases[0].files.flair).toBe(join(root, 'BraTS-GLI-00000-000', 'BraTS-GLI-00000-000-t2f.nii.gz'));
    expect(labelledCases(cases).map((c) => c.id)).toEqual(['BraTS-GLI-00000-000']);
  });

  it('accepts a single case folder as root', async () => {
    const dir = join(root, 'BraTS20_Validation_007');
    await touch(dir, old('BraTS20_Validation_007', '.nii.gz', false));
    const { cases, problems } = await discoverBratsCases(dir);
    expect(problems).toEqual([]);
    expect(cases).toHaveLength(1);
    expect(cases[0].id).toBe('BraTS20_Validation_007');
    expect(cases[0].dir).toBe(dir);
  });

  it('reports a case missing a modality, naming it, and leaves the case out; others still load', async () => {
    await touch(join(root, 'A_001'), old('A_001'));
    await touch(join(root, 'A_002'), old('A_002').filter((n) => !n.endsWith('_t1ce.nii.gz')));
    const { cases, problems } = await discoverBratsCases(root);
    expect(cases.map((c) => c.id)).toEqual(['A_001']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ caseId: 'A_002', path: join(root, 'A_002'), severity: 'error' });
    expect(problems[0].message).toContain('_t1ce');
    expect(problems[0].message).toContain('A_002_t1ce.nii.gz');
  });

  it('reports two files for one modality (.nii and .nii.gz) as an error naming both', async () => {
    await touch(join(root, 'A_001'), [...old('A_001'), 'A_001_flair.nii']);
    const { cases, problems } = await discoverBratsCases(root);
    expect(cases).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0].severity).toBe('error');
    expect(problems[0].message).toContain('A_001_flair.nii and A_001_flair.nii.gz');
  });

  it('warns about unrecognised NIfTI files but keeps the case (BraTS 2020 case 355)', async () => {
    await touch(join(root, 'BraTS20_Training_355'), [...old('BraTS20_Training_355', '.nii', false), 'W39_1998.09.19_Segm.nii']);
    const { cases, problems } = await discoverBratsCases(root);
    expect(cases.map((c) => [c.id, c.files.seg])).toEqual([['BraTS20_Training_355', undefined]]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', path: join(root, 'BraTS20_Training_355', 'W39_1998.09.19_Segm.nii') });
    expect(problems[0].message).toContain('unrecognised');
  });

  it('reports folders mixing schemes or cases, and folders with only unknown NIfTI names', async () => {
    await touch(join(root, 'mixed'), [...old('M_001').slice(0, 2), ...neu('M-001').slice(2)]);
    await touch(join(root, 'two'), [...old('T_001'), ...old('T_002')]);
    await touch(join(root, 'odd'), ['scan.nii.gz']);
    await touch(join(root, 'empty'), ['readme.md']);
    const { cases, problems } = await discoverBratsCases(root);
    expect(cases).toEqual([]);
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => p.path)).toEqual([join(root, 'mixed'), join(root, 'odd'), join(root, 'two')]);
    expect(errors[0].message).toContain('mixes');
    expect(errors[1].message).toContain('no BraTS-named');
    expect(errors[2].message).toContain('"T_001", "T_002"');
  });

  it('follows symlinked case folders', async () => {
    const real = await mkdtemp(join(tmpdir(), 'brats-real-'));
    try {
      await touch(join(real, 'L_001'), old('L_001'));
      await symlink(join(real, 'L_001'), join(root, 'L_001'));
      const { cases } = await discoverBratsCases(root);
      expect(cases.map((c) => c.id)).toEqual(['L_001']);
    } finally {
      await rm(real, { recursive: true, force: true });
    }
  });

  it('throws a clear error when the root is missing or a file', async () => {
    await expect(discoverBratsCases(join(root, 'nope'))).rejects.toThrow(/nope cannot be opened: it does not exist/);
    await writeFile(join(root, 'f.txt'), '');
    await expect(discoverBratsCases(join(root, 'f.txt'))).rejects.toThrow(/is not a folder/);
  });
});
