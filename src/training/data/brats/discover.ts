/**
 * Finds BraTS cases in a folder by file names only (no file is opened here; validate.ts reads
 * them). DESIGN.md "Data": a dataset is a folder of case folders, one NIfTI file per modality
 * plus an optional segmentation, named in one of two schemes:
 *
 *   2018-2021  BraTS20_Training_001_t1.nii.gz  _t1ce  _t2  _flair  _seg   (ET label 4)
 *   2023+      BraTS-GLI-00000-000-t1n.nii.gz  -t1c   -t2w -t2f    -seg   (ET label 3)
 *
 * `.nii` or `.nii.gz`. Modality keys are normalised to t1/t1ce/t2/flair. `root` may also be a
 * single case folder. Problems with one case (a missing modality, two files for one modality,
 * files of several cases mixed in a folder) are returned as `DatasetProblem`s, never thrown, so
 * one bad case cannot stop a dataset; a case with an error-level problem is left out of `cases`.
 * Unrecognised NIfTI files only warn (BraTS 2020 case 355 ships its mask as
 * `W39_1998.09.19_Segm.nii`: the case is still usable for prediction).
 */

import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { EtLabel } from './regions';

export type BratsScheme = '2018-2021' | '2023';
export type ModalityKey = 't1' | 't1ce' | 't2' | 'flair';
/** Input channel order everywhere in the engine: [t1, t1ce, t2, flair]. */
export const MODALITIES: readonly ModalityKey[] = ['t1', 't1ce', 't2', 'flair'];

export interface BratsCase {
  id: string;
  dir: string;
  scheme: BratsScheme;
  files: { t1: string; t1ce: string; t2: string; flair: string; seg?: string };
  etLabel: EtLabel;
}

export interface DatasetProblem {
  caseId: string;
  path: string;
  severity: 'error' | 'warning';
  message: string;
}

type FileKey = ModalityKey | 'seg';

/** File-name suffix of each key, per scheme (what the user sees in messages). */
export const SCHEME_SUFFIXES: Record<BratsScheme, Record<FileKey, string>> = {
  '2018-2021': { t1: '_t1', t1ce: '_t1ce', t2: '_t2', flair: '_flair', seg: '_seg' },
  '2023': { t1: '-t1n', t1ce: '-t1c', t2: '-t2w', flair: '-t2f', seg: '-seg' },
};

export const ET_LABEL: Record<BratsScheme, EtLabel> = { '2018-2021': 4, '2023': 3 };

const NIFTI_EXT = /\.nii(\.gz)?$/i;
// Anchored at the end, so `_t1` never swallows `_t1ce` (the alternation must match up to `.nii`).
const PATTERNS: { scheme: BratsScheme; re: RegExp; keys: Record<string, FileKey> }[] = [
  {
    scheme: '2018-2021',
    re: /^(.+)_(t1|t1ce|t2|flair|seg)\.nii(\.gz)?$/i,
    keys: { t1: 't1', t1ce: 't1ce', t2: 't2', flair: 'flair', seg: 'seg' },
  },
  {
    scheme: '2023',
    re: /^(.+)-(t1n|t1c|t2w|t2f|seg)\.nii(\.gz)?$/i,
    keys: { t1n: 't1', t1c: 't1ce', t2w: 't2', t2f: 'flair', seg: 'seg' },
  },
];

export interface ParsedName {
  prefix: string;
  scheme: BratsScheme;
  key: FileKey;
}

/** Parses one file name; null when it is not a BraTS NIfTI name. */
export function parseBratsFileName(name: string): ParsedName | null {
  for (const p of PATTERNS) {
    const m = p.re.exec(name);
    if (m) return { prefix: m[1], scheme: p.scheme, key: p.keys[m[2].toLowerCase()] };
  }
  return null;
}

/** Plain code-unit order: deterministic across locales, unlike localeCompare. */
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isHidden = (name: string): boolean => name.startsWith('.');

interface Entry {
  name: string;
  path: string;
  isDir: boolean;
  isFile: boolean;
}

async function listDir(dir: string): Promise<Entry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const out: Entry[] = [];
  for (const d of dirents) {
    if (isHidden(d.name)) continue;
    const path = join(dir, d.name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      // Follow links (datasets are often linked in from a shared disk); a dangling link is skipped.
      const s = await stat(path).catch(() => null);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    out.push({ name: d.name, path, isDir, isFile });
  }
  return out.sort((a, b) => byString(a.name, b.name));
}

/**
 * Groups one folder's NIfTI files into a case. Returns the case (or null if it has an error)
 * and its problems. `null` case with no problems means "not a case folder" (no NIfTI at all).
 */
function caseFromFolder(dir: string, files: Entry[]): { case: BratsCase | null; problems: DatasetProblem[] } {
  const folderId = basename(dir);
  const nifti = files.filter((f) => f.isFile && NIFTI_EXT.test(f.name));
  const parsed: { entry: Entry; p: ParsedName }[] = [];
  const unrecognised: Entry[] = [];
  for (const entry of nifti) {
    const p = parseBratsFileName(entry.name);
    if (p) parsed.push({ entry, p });
    else unrecognised.push(entry);
  }

  // The case id is the files' common prefix (what BraTS submissions are named by), else the folder.
  const prefixes = [...new Set(parsed.map((x) => x.p.prefix))].sort(byString);
  const id = prefixes.length === 1 ? prefixes[0] : folderId;
  const problems: DatasetProblem[] = [];
  const problem = (severity: DatasetProblem['severity'], path: string, message: string): void => {
    problems.push({ caseId: id, path, severity, message });
  };

  for (const u of unrecognised) {
    problem('warning', u.path, `unrecognised NIfTI file name "${u.name}" (expected ${expectedNames(id)}); ignored`);
  }
  if (nifti.length === 0) return { case: null, problems };
  if (parsed.length === 0) {
    problem('error', dir, `no BraTS-named NIfTI files in this folder (expected ${expectedNames(folderId)})`);
    return { case: null, problems };
  }

  const schemes = [...new Set(parsed.map((x) => x.p.scheme))];
  if (schemes.length > 1) {
    problem('error', dir, `mixes the 2018-2021 (_t1, _t1ce, ...) and 2023 (-t1n, -t1c, ...) naming schemes; use one per case`);
    return { case: null, problems };
  }
  const scheme = schemes[0];
  const sfx = SCHEME_SUFFIXES[scheme];
  if (prefixes.length > 1) {
    problem('error', dir, `holds files of more than one case (prefixes ${prefixes.map((p) => `"${p}"`).join(', ')}); put each case in its own folder`);
    return { case: null, problems };
  }

  const byKey = new Map<FileKey, Entry[]>();
  for (const { entry, p } of parsed) byKey.set(p.key, [...(byKey.get(p.key) ?? []), entry]);

  let bad = false;
  for (const [key, entries] of byKey) {
    if (entries.length > 1) {
      bad = true;
      problem('error', entries[0].path, `two files for ${sfx[key]}: ${entries.map((e) => e.name).join(' and ')}; keep one`);
    }
  }
  const missing = MODALITIES.filter((k) => !byKey.has(k));
  if (missing.length > 0) {
    bad = true;
    const names = missing.map((k) => `${id}${sfx[k]}.nii.gz`);
    problem('error', dir, `missing modalit${missing.length > 1 ? 'ies' : 'y'} ${missing.map((k) => sfx[k]).join(', ')} (no ${names.join(', ')} or .nii)`);
  }
  if (bad) return { case: null, problems };

  const one = (k: FileKey): string => byKey.get(k)![0].path;
  const c: BratsCase = {
    id,
    dir,
    scheme,
    files: { t1: one('t1'), t1ce: one('t1ce'), t2: one('t2'), flair: one('flair') },
    etLabel: ET_LABEL[scheme],
  };
  if (byKey.has('seg')) c.files.seg = one('seg');
  return { case: c, problems };
}

function expectedNames(id: string): string {
  return `${id}_t1/_t1ce/_t2/_flair[/_seg].nii[.gz] or ${id}-t1n/-t1c/-t2w/-t2f[/-seg].nii[.gz]`;
}

/**
 * Lists the BraTS cases under `root` (a folder of case folders, or one case folder), sorted by
 * folder name. Throws only if `root` itself cannot be read.
 */
export async function discoverBratsCases(root: string): Promise<{ cases: BratsCase[]; problems: DatasetProblem[] }> {
  const rootStat = await stat(root).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`BraTS dataset folder ${root} cannot be opened: ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`);
  });
  if (!rootStat.isDirectory()) throw new Error(`BraTS dataset ${root} is not a folder (expected a folder of case folders, or one case folder)`);

  const entries = await listDir(root);
  // `root` is a single case when it directly holds BraTS-named files.
  if (entries.some((e) => e.isFile && parseBratsFileName(e.name))) {
    const r = caseFromFolder(root, entries);
    return { cases: r.case ? [r.case] : [], problems: r.problems };
  }

  const cases: BratsCase[] = [];
  const problems: DatasetProblem[] = [];
  const seen = new Map<string, string>();
  for (const e of entries) {
    if (!e.isDir) continue;
    let files: Entry[];
    try {
      files = await listDir(e.path);
    } catch (err) {
      problems.push({ caseId: e.name, path: e.path, severity: 'error', message: `cannot list folder: ${(err as Error).message}` });
      continue;
    }
    const r = caseFromFolder(e.path, files);
    problems.push(...r.problems);
    if (!r.case) continue;
    const other = seen.get(r.case.id);
    if (other !== undefined) {
      problems.push({ caseId: r.case.id, path: e.path, severity: 'error', message: `case id "${r.case.id}" already used by ${other}; skipped` });
      continue;
    }
    seen.set(r.case.id, e.path);
    cases.push(r.case);
  }
  return { cases, problems };
}

/** Cases that can be trained on (they have a segmentation). */
export function labelledCases(cases: readonly BratsCase[]): BratsCase[] {
  return cases.filter((c) => c.files.seg !== undefined);
}
