/**
 * Demo data for the viewer harness: one synthetic BraTS case (`frugal demo-data`), a "prediction"
 * made by perturbing its segmentation (shifted 2 voxels along i, every 7th ET row relabelled 1),
 * a prediction on another grid (32³) for the error path, and case.json with the CaseInfo the
 * harness mounts the viewer with.
 *
 *   npx tsx test/e2e/viewer-harness/make-data.ts <dir> [--size 64 | --size 240,240,155]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeNiftiHeader, readNifti, writeNifti } from '../../../src/training/data/nifti';
import type { CaseInfo } from '../../../src/shared/api';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const CASE_ID = 'Demo_001';

export interface HarnessData {
  dir: string;
  caseInfo: CaseInfo;
  predGood: string;
  predBadGrid: string;
  predMissing: string;
}

/** Shift a label volume `shift` voxels along i and relabel every 7th j-row of ET (4) to NCR (1). */
export function perturb(labels: ArrayLike<number>, dims: readonly number[], shift: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const src = i - shift;
        if (src < 0 || src >= nx) continue;
        let v = labels[src + nx * (j + ny * k)];
        if (v === 4 && j % 7 === 0) v = 1;
        out[i + nx * (j + ny * k)] = v;
      }
    }
  }
  return out;
}

export async function makeHarnessData(dir: string, size: number | string = 64): Promise<HarnessData> {
  const dims = String(size).split(',').map(Number);
  const [nx, ny, nz] = dims.length === 3 ? dims : [dims[0], dims[0], dims[0]];
  const demo = join(dir, 'demo');
  const caseDir = join(demo, CASE_ID);
  const f = (s: string): string => join(caseDir, `${CASE_ID}_${s}.nii.gz`);
  if (!existsSync(f('seg'))) {
    await mkdir(dir, { recursive: true });
    execFileSync(process.execPath, [join(REPO, 'bin/frugal.js'), 'demo-data', 'brats', '--out', demo, '--cases', '1', '--size', String(size)], { stdio: 'inherit' });
  }
  const predDir = join(dir, 'pred');
  await mkdir(predDir, { recursive: true });
  const predGood = join(predDir, `${CASE_ID}.nii.gz`);
  const predBadGrid = join(predDir, `${CASE_ID}_32.nii.gz`);
  if (!existsSync(predGood)) {
    const seg = await readNifti(f('seg'));
    await writeNifti(predGood, seg.header, perturb(seg.data, seg.header.dims, 2), { datatype: 'uint8' });
  }
  if (!existsSync(predBadGrid)) {
    await writeNifti(predBadGrid, makeNiftiHeader([32, 32, 32], [2, 2, 2]), new Uint8Array(32 ** 3), { datatype: 'uint8' });
  }
  const caseInfo: CaseInfo = {
    id: CASE_ID,
    dir: caseDir,
    scheme: '2018-2021',
    files: { t1: f('t1'), t1ce: f('t1ce'), t2: f('t2'), flair: f('flair'), seg: f('seg') },
    dims: [nx, ny, nz],
    pixdim: null,
    problems: [],
  };
  const data: HarnessData = { dir, caseInfo, predGood, predBadGrid, predMissing: join(predDir, 'missing.nii.gz') };
  await writeFile(join(dir, 'case.json'), JSON.stringify(data, null, 2));
  return data;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: make-data.ts <dir> [--size N]');
  const at = process.argv.indexOf('--size');
  const d = await makeHarnessData(resolve(dir), at > 0 ? process.argv[at + 1] : 64);
  console.log(JSON.stringify(d, null, 2));
}
