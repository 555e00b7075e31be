/**
 * 'datasets:scan': what the app shows about a BraTS folder before anything trains on it. Per
 * case: the grid and voxel size (from the first modality's header, no voxel decode), the label
 * volumes in mL (from the segmentation), and every problem with its files (validateCase: shapes,
 * spacing, non-finite voxels, unknown labels; plus discovery's warnings about the folder), so
 * the GUI can show each problem next to its case.
 *
 * Cost: validateCase decodes every volume of a case once (a full BraTS case, 5 × 240×240×155,
 * takes about a second), so a large dataset scans in minutes; the engine stays responsive
 * between cases.
 */
import { resolve, sep } from 'node:path';
import type { CaseInfo, DatasetProblem, DatasetScan } from '../../shared/api';
import { discoverBratsCases, type BratsCase } from '../data/brats/discover';
import { knownLabels } from '../data/brats/regions';
import { validateCase } from '../data/brats/validate';
import { readNifti, readNiftiHeader } from '../data/nifti';

/** Voxel counts of each label value in `labels`, for the values in `of`. */
export function labelVolumesMl(labels: ArrayLike<number>, of: readonly number[], pixdim: readonly [number, number, number]): Record<string, number> {
  const counts = new Map<number, number>(of.map((v) => [v, 0]));
  for (let i = 0; i < labels.length; i++) {
    const n = counts.get(labels[i]);
    if (n !== undefined) counts.set(labels[i], n + 1);
  }
  const voxelMl = (pixdim[0] * pixdim[1] * pixdim[2]) / 1000; // mm³ → mL
  const out: Record<string, number> = {};
  for (const [v, n] of counts) out[String(v)] = n * voxelMl;
  return out;
}

async function describeCase(c: BratsCase, discovered: DatasetProblem[]): Promise<CaseInfo> {
  const problems: DatasetProblem[] = [...discovered];
  let dims: CaseInfo['dims'] = null;
  let pixdim: CaseInfo['pixdim'] = null;
  try {
    const h = await readNiftiHeader(c.files.t1);
    dims = [...h.dims];
    pixdim = [...h.pixdim];
  } catch {
    // validateCase reports the unreadable file with its reason; no second message here
  }
  problems.push(...(await validateCase(c)));
  const info: CaseInfo = { id: c.id, dir: c.dir, scheme: c.scheme, files: { ...c.files }, dims, pixdim, problems };
  if (c.files.seg) {
    try {
      const seg = await readNifti(c.files.seg);
      // Labels 1, 2 and the scheme's ET label (4, or 3 from 2023): the tumour sub-regions.
      info.labelVolumesMl = labelVolumesMl(seg.data, knownLabels(c.etLabel).filter((v) => v !== 0), seg.header.pixdim);
    } catch {
      // already a problem from validateCase
    }
  }
  return info;
}

/**
 * Scans `root` (a folder of case folders, or one case folder). Throws, naming the folder, when it
 * cannot be read or holds nothing that looks like BraTS; problems with single cases never throw.
 */
export async function scanBratsDataset(root: string): Promise<DatasetScan> {
  const abs = resolve(root);
  const { cases, problems } = await discoverBratsCases(abs);
  if (cases.length === 0 && problems.length === 0) {
    throw new Error(
      `${abs} is not a BraTS dataset: it holds no case folder with BraTS-named NIfTI files ` +
        `(expected <case>/<case>_t1.nii.gz, _t1ce, _t2, _flair and optionally _seg, or the 2023 names -t1n, -t1c, -t2w, -t2f, -seg)`,
    );
  }
  const ids = new Set(cases.map((c) => c.id));
  // A problem of a loadable case (e.g. an extra unrecognised file) is shown with that case.
  const byCase = new Map<string, DatasetProblem[]>();
  const loose: DatasetProblem[] = [];
  for (const p of problems) {
    const own = ids.has(p.caseId) && cases.some((c) => c.id === p.caseId && (p.path === c.dir || p.path.startsWith(c.dir + sep)));
    if (own) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
    else loose.push(p);
  }
  const infos: CaseInfo[] = [];
  for (const c of cases) infos.push(await describeCase(c, byCase.get(c.id) ?? []));
  return { root: abs, cases: infos, problems: loose };
}
