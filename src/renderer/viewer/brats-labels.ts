/**
 * BraTS labels, regions and the viewer's colour table (PRODUCT.md A: "which colour is what?").
 *
 * Labels: 1 NCR/NET, 2 ED, ET = 4 (BraTS ≤ 2021) or 3 (2023+). Regions: WT = {1, 2, ET},
 * TC = {1, ET}, ET = {ET}. This mirrors src/training/data/brats/regions.ts, which the renderer may
 * not import (STYLE.md §2); test/viewer/brats-labels.test.ts checks the two agree.
 *
 * Colours: one table for ground truth and prediction (they differ by fill vs outline, never by
 * colour). Vermillion / yellow / blue after Okabe & Ito stay distinct with red-green colour
 * blindness and against grey MRI. The error overlay uses magenta (FP) and teal (FN), hues the label
 * table does not use, so an error screenshot cannot be read as a label screenshot.
 */

export type EtLabel = 3 | 4;
export const REGIONS = ['WT', 'TC', 'ET'] as const;
export type Region = (typeof REGIONS)[number];
export type LabelKey = 'ncr' | 'ed' | 'et';
export const LABEL_KEYS: readonly LabelKey[] = ['ncr', 'ed', 'et'];
export type Rgb = readonly [number, number, number];

export interface LabelInfo {
  key: LabelKey;
  value: number;
  short: string;
  name: string;
  rgb: Rgb;
  /** Regions that contain this label, in REGIONS order. */
  regions: readonly Region[];
}

const BASE: Record<LabelKey, Omit<LabelInfo, 'value'>> = {
  ncr: { key: 'ncr', short: 'NCR/NET', name: 'necrotic / non-enhancing tumour core', rgb: [232, 81, 42], regions: ['WT', 'TC'] },
  ed: { key: 'ed', short: 'ED', name: 'peritumoural oedema', rgb: [245, 224, 80], regions: ['WT'] },
  et: { key: 'et', short: 'ET', name: 'enhancing tumour', rgb: [76, 155, 255], regions: ['WT', 'TC', 'ET'] },
};

/** The three tumour labels with their values under the ET convention `et`. */
export function bratsLabels(et: EtLabel): LabelInfo[] {
  return [
    { ...BASE.ncr, value: 1 },
    { ...BASE.ed, value: 2 },
    { ...BASE.et, value: et },
  ];
}

/** 2023+ cases mark ET with 3; older releases (and the default) with 4. */
export function etLabelFor(scheme: string | undefined): EtLabel {
  return scheme === '2023' ? 3 : 4;
}

export function labelKeyOf(value: number, et: EtLabel): LabelKey | null {
  if (value === 1) return 'ncr';
  if (value === 2) return 'ed';
  if (value === et) return 'et';
  return null;
}

/** Human label for a voxel value: "background", "ED (2)", or "unknown label 3". */
export function labelName(value: number, et: EtLabel): string {
  if (value === 0) return 'background';
  const key = labelKeyOf(value, et);
  return key ? `${BASE[key].short} (${value})` : `unknown label ${value}`;
}

export function inRegion(value: number, region: Region, et: EtLabel): boolean {
  switch (region) {
    case 'WT':
      return value === 1 || value === 2 || value === et;
    case 'TC':
      return value === 1 || value === et;
    case 'ET':
      return value === et;
  }
}

/** "WT = 1 + 2 + 4" for the legend. */
export function regionDefinition(region: Region, et: EtLabel): string {
  const members = [1, 2, et].filter((v) => inRegion(v, region, et));
  return `${region} = ${members.join(' + ')}`;
}

export const REGION_NAMES: Record<Region, string> = { WT: 'whole tumour', TC: 'tumour core', ET: 'enhancing tumour' };

export const ERROR_COLOURS = {
  fp: [255, 61, 209] as Rgb, // magenta: predicted, not in the ground truth
  fn: [0, 230, 170] as Rgb, // teal: in the ground truth, missed
  tp: [255, 255, 255] as Rgb, // white, faint: both agree (context only)
};

export function rgbCss(rgb: Rgb): string {
  return `rgb(${rgb[0]} ${rgb[1]} ${rgb[2]})`;
}
