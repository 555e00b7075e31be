/**
 * BraTS labels and the three nested evaluation regions (METHODS.md §3, DESIGN.md Data).
 *
 * Labels: 0 background, 1 necrotic / non-enhancing core (NCR/NET), 2 peritumoural oedema (ED),
 * 4 enhancing tumour (ET) — 3 instead of 4 in the 2023+ release.
 * Regions: WT = {1,2,ET}, TC = {1,ET}, ET = {ET}. The network predicts one sigmoid channel per
 * region, in the order of `REGIONS`; `regionsToLabels` maps them back: ET where ET, else 1 where
 * TC, else 2 where WT, else 0.
 */

export const REGIONS = ['WT', 'TC', 'ET'] as const;
export type Region = (typeof REGIONS)[number];

/** The label value that marks enhancing tumour: 4 up to BraTS 2021, 3 from BraTS 2023. */
export type EtLabel = 3 | 4;

export const LABEL_NAMES: Record<number, string> = {
  0: 'background',
  1: 'necrotic / non-enhancing tumour core (NCR/NET)',
  2: 'peritumoural oedema (ED)',
  3: 'enhancing tumour (ET, BraTS 2023+)',
  4: 'enhancing tumour (ET)',
};

export function knownLabels(et: EtLabel): readonly number[] {
  return [0, 1, 2, et];
}

/** Region membership of one label value, for the ET convention `et`. */
export function labelInRegion(label: number, region: Region, et: EtLabel = 4): boolean {
  switch (region) {
    case 'WT':
      return label === 1 || label === 2 || label === et;
    case 'TC':
      return label === 1 || label === et;
    case 'ET':
      return label === et;
  }
}

/**
 * Labels [N] → region masks, channels-last [N, 3] (WT, TC, ET) as 0/1 floats, the layout the
 * network's target takes.
 */
export function labelsToRegionsChannelsLast(labels: ArrayLike<number>, et: EtLabel = 4): Float32Array {
  const out = new Float32Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === 0) continue;
    out[3 * i] = l === 1 || l === 2 || l === et ? 1 : 0;
    out[3 * i + 1] = l === 1 || l === et ? 1 : 0;
    out[3 * i + 2] = l === et ? 1 : 0;
  }
  return out;
}

/** Labels [N] → one binary mask [N] for a region. */
export function regionMask(labels: ArrayLike<number>, region: Region, et: EtLabel = 4): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labelInRegion(labels[i], region, et) ? 1 : 0;
  return out;
}

/**
 * Region probabilities, channels-last [N, 3], thresholded at `threshold` → BraTS labels [N]:
 * ET where ET, else 1 where TC, else 2 where WT. (A voxel predicted ET but not WT is still ET:
 * the regions are nested by construction of the labels, and the most specific channel wins.)
 */
export function regionsToLabels(probs: ArrayLike<number>, et: EtLabel = 4, threshold = 0.5): Uint8Array {
  const n = probs.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (probs[3 * i + 2] > threshold) out[i] = et;
    else if (probs[3 * i + 1] > threshold) out[i] = 1;
    else if (probs[3 * i] > threshold) out[i] = 2;
  }
  return out;
}
