/**
 * BraTS label and region conventions as the UI names them (DESIGN.md, Data): labels 1 NCR/NET,
 * 2 ED, 4 ET (3 in the 2023+ scheme); regions WT = {1,2,4}, TC = {1,4}, ET = {4}.
 */
import type { CaseInfo } from '../../shared/api';

export const MODALITIES = ['t1', 't1ce', 't2', 'flair'] as const;

export interface LabelVolume {
  label: string;
  name: string;
  ml: number;
}

const LABEL_NAMES: Record<string, string> = {
  '1': 'NCR/NET',
  '2': 'ED',
  '3': 'ET',
  '4': 'ET',
  ET: 'ET',
};

/** The case's label volumes in label order, each with its BraTS name. */
export function labelVolumes(c: CaseInfo): LabelVolume[] {
  const v = c.labelVolumesMl ?? {};
  return Object.keys(v)
    .sort((a, b) => (Number(a) || 99) - (Number(b) || 99))
    .map((label) => ({ label, name: LABEL_NAMES[label] ?? `label ${label}`, ml: v[label] }));
}

export const REGION_ORDER = ['WT', 'TC', 'ET'] as const;

export const REGION_HELP: Record<string, string> = {
  WT: 'whole tumour: labels 1, 2 and ET',
  TC: 'tumour core: labels 1 and ET',
  ET: 'enhancing tumour',
  mean: 'mean of WT, TC and ET',
};

/** Modalities with a file; the contract requires all four, but a problem may name a missing one. */
export function modalitiesPresent(c: CaseInfo): string[] {
  const present: string[] = MODALITIES.filter((m) => Boolean(c.files[m]));
  if (c.files.seg) present.push('seg');
  return present;
}
