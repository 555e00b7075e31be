/**
 * RevBiFPN configurations: the S0–S6 scaling table and the generator that turns a row of it into a
 * full config (DESIGN.md: variants come from generators, never copy-pasted).
 *
 * Sources (official `revbifpn.py` [C], which wins over METHODS.md §2 where they differ; they agree):
 * - Per-scale defaults for w = 1 (`RevBiFPN.__init__`): channels [48, 64, 80, 160], dwk [3, 5, 5, 3],
 *   dwkp [0, 0, 0, 2], expand_ratios [1, 1, 2, 2], se_ratios [0.25, 0.25, 0.125, 0.0],
 *   inv_blk_rep 2, stem_downsampling 2 (space-to-depth block 2² = 4).
 * - Neck/head defaults: head_channels [48, 64, 128, 320], head_dwk 3 + head_dwkp 2 = kernel 5,
 *   head_expand_ratios [1, 2, 2, 2], head_se_ratios [0.25, 0.25, 0.125, 0.125], fc_features 1280,
 *   classes 1000.
 * - Scaling (`arch_params`): w, img_size, num_ext_layers, head_dropout, stochastic_depth per S_i.
 * - Rounding (`_revbifpn_args`): `int(w · ch) // 16 * 16`, i.e. ⌊w·ch⌋ rounded DOWN to a multiple of
 *   16, for channels, head channels and fc_features alike. JS doubles give the same ⌊w·ch⌋ as
 *   Python's floats (e.g. 4/3·48 = 64.0 in both).
 *
 * | S | w    | res | ext | drop | sd   | channels           | head ch             | fc   | params      |
 * | 0 | 1    | 224 | 2   | .25  | 0    | 48,64,80,160       | 48,64,128,320       | 1280 | 3,419,196   |
 * | 1 | 4/3  | 256 | 2   | .25  | 0    | 64,80,96,208       | 64,80,160,416       | 1696 | 5,112,300   |
 * | 2 | 2    | 256 | 2   | .3   | 0    | 96,128,160,320     | 96,128,256,640      | 2560 | 10,576,528  |
 * | 3 | 8/3  | 288 | 3   | .3   | .05  | 128,160,208,416    | 128,160,336,848     | 3408 | 19,574,184  |
 * | 4 | 4    | 320 | 4   | .4   | .1   | 192,256,320,640    | 192,256,512,1280    | 5120 | 48,687,336  |
 * | 5 | 16/3 | 352 | 4   | .4   | .1   | 256,336,416,848    | 256,336,672,1696    | 6816 | 81,998,976  |
 * | 6 | 20/3 | 352 | 5   | .6   | .3   | 320,416,528,1056   | 320,416,848,2128    | 8528 | 142,307,972 |
 * (parameter counts: the official file's thop printout; params.test.ts reproduces all seven.)
 *
 * Usage:
 *   const cfg = revbifpnConfig('S0');                                  // the paper's S0
 *   const tiny = revbifpnConfig('S0', { extLayers: 1, classes: 10 });  // overrides, validated
 *   const twin = revbifpnConfig('S0', { reversible: false });          // same weights, stored activations
 */

export const REVBIFPN_VARIANTS = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'] as const;
export type RevBifpnVariant = (typeof REVBIFPN_VARIANTS)[number];

/** One row of the scaling table (`arch_params` in revbifpn.py). */
export interface RevBifpnScaling {
  readonly width: number; // w: channel multiplier
  readonly resolution: number; // ImageNet pre-training input size (img_size)
  readonly extLayers: number; // num_ext_layers: 4-scale stages after the 3 growth stages
  readonly dropout: number; // head_dropout before the classifier
  readonly stochasticDepth: number; // p of the last stage (0 = off; `None` in the code)
}

export const REVBIFPN_SCALING: Readonly<Record<RevBifpnVariant, RevBifpnScaling>> = {
  S0: { width: 1, resolution: 224, extLayers: 2, dropout: 0.25, stochasticDepth: 0 },
  S1: { width: 4 / 3, resolution: 256, extLayers: 2, dropout: 0.25, stochasticDepth: 0 },
  S2: { width: 2, resolution: 256, extLayers: 2, dropout: 0.3, stochasticDepth: 0 },
  S3: { width: 8 / 3, resolution: 288, extLayers: 3, dropout: 0.3, stochasticDepth: 0.05 },
  S4: { width: 4, resolution: 320, extLayers: 4, dropout: 0.4, stochasticDepth: 0.1 },
  S5: { width: 16 / 3, resolution: 352, extLayers: 4, dropout: 0.4, stochasticDepth: 0.1 },
  S6: { width: 20 / 3, resolution: 352, extLayers: 5, dropout: 0.6, stochasticDepth: 0.3 },
};

/** w = 1 widths that the scaling multiplies (`default_args` in revbifpn.py). */
export const REVBIFPN_BASE = {
  channels: [48, 64, 80, 160],
  headChannels: [48, 64, 128, 320],
  fcFeatures: 1280,
} as const;

export interface RevBifpnConfig {
  readonly variant: string; // 'S0'..'S6', or what the caller names an overridden config
  readonly width: number; // w; channels/headChannels/fcFeatures are derived from it unless given
  readonly resolution: number; // pre-training input size; inputs need only H, W divisible by 4·2^(scales−1)
  readonly channels: readonly number[]; // c_i per scale, finest (H/4) first; even, c₀ divisible by 16
  readonly dwk: readonly number[]; // depthwise kernel of each scale's RevResidualBlock F/G (plus dwkp)
  readonly dwkp: readonly number[]; // kernel padding-up per scale: block k = dwk+dwkp, silo k = 2s−1+dwkp / 3+dwkp
  readonly expansion: readonly number[]; // MBConv expansion per scale
  readonly se: readonly number[]; // squeeze-excite ratio per scale (0 = none)
  readonly blocksPerStage: number; // inv_blk_rep: RevResidualBlocks per scale before each silo
  readonly extLayers: number; // num_ext_layers: full-width stages after the growth stages
  readonly stemBlock: number; // space-to-depth block (2^stem_downsampling = 4); stem input Cin = c₀/block²
  readonly headChannels: readonly number[]; // neck output per scale (= head widths)
  readonly headKernel: number; // neck/head depthwise kernel: head_dwk 3 + head_dwkp 2
  readonly headExpansion: readonly number[]; // neck/head MBConv expansion per scale
  readonly headSe: readonly number[]; // neck/head squeeze-excite ratio per scale
  readonly fcFeatures: number; // width of the head's final 1×1 ConvNormAct (0 = none)
  readonly dropout: number; // before the classifier, training only
  readonly stochasticDepth: number; // stage b of B = 3+ext uses p·b/B per MBConv (0 = off)
  readonly classes: number; // classifier outputs (ImageNet 1000)
  readonly reversible: boolean; // false → the non-reversible twin: same weights, ordinary autodiff
}

/** ⌊w·c⌋ rounded down to a multiple of 16 (`int(w * ch) // 16 * 16`). */
export function scaleWidth(width: number, base: number): number {
  return Math.floor(Math.floor(width * base) / 16) * 16;
}

const KEYS: readonly (keyof RevBifpnConfig)[] = [
  'variant', 'width', 'resolution', 'channels', 'dwk', 'dwkp', 'expansion', 'se', 'blocksPerStage', 'extLayers', 'stemBlock',
  'headChannels', 'headKernel', 'headExpansion', 'headSe', 'fcFeatures', 'dropout', 'stochasticDepth', 'classes', 'reversible',
];

/**
 * The config of a variant, then overrides (unknown keys and bad values throw, naming the field).
 * Overriding `width` re-derives channels, headChannels and fcFeatures unless those are given too.
 */
export function revbifpnConfig(variant: RevBifpnVariant, over: Partial<RevBifpnConfig> = {}): RevBifpnConfig {
  const s = REVBIFPN_SCALING[variant];
  if (!s) throw new Error(`RevBiFPN: unknown variant '${String(variant)}' (valid: ${REVBIFPN_VARIANTS.join(', ')})`);
  for (const k of Object.keys(over)) {
    if (!KEYS.includes(k as keyof RevBifpnConfig)) throw new Error(`RevBiFPN config: unknown key '${k}' (valid: ${KEYS.join(', ')})`);
  }
  const width = over.width ?? s.width;
  const cfg: RevBifpnConfig = {
    variant,
    width,
    resolution: s.resolution,
    channels: REVBIFPN_BASE.channels.map((c) => scaleWidth(width, c)),
    dwk: [3, 5, 5, 3],
    dwkp: [0, 0, 0, 2],
    expansion: [1, 1, 2, 2],
    se: [0.25, 0.25, 0.125, 0],
    blocksPerStage: 2,
    extLayers: s.extLayers,
    stemBlock: 4,
    headChannels: REVBIFPN_BASE.headChannels.map((c) => scaleWidth(width, c)),
    headKernel: 5,
    headExpansion: [1, 2, 2, 2],
    headSe: [0.25, 0.25, 0.125, 0.125],
    fcFeatures: scaleWidth(width, REVBIFPN_BASE.fcFeatures),
    dropout: s.dropout,
    stochasticDepth: s.stochasticDepth,
    classes: 1000,
    reversible: true,
    ...over,
  };
  validateRevBifpnConfig(cfg);
  return Object.freeze(cfg);
}

/** Number of stages: 3 growth stages (for 4 scales) plus the extension stages. */
export function revbifpnStageCount(cfg: RevBifpnConfig): number {
  return cfg.channels.length - 1 + cfg.extLayers;
}

/** Input H and W must be multiples of this: the stem block times 2^(scales−1). */
export function revbifpnSizeMultiple(cfg: RevBifpnConfig): number {
  return cfg.stemBlock * 2 ** (cfg.channels.length - 1);
}

/** Backbone output shapes [B, H/4/2^i, W/4/2^i, c_i] for an input [B, H, W, 3]. */
export function revbifpnBackboneShapes(cfg: RevBifpnConfig, batch: number, height: number, width: number): number[][] {
  checkInputSize(cfg, height, width);
  return cfg.channels.map((c, i) => [batch, height / cfg.stemBlock / 2 ** i, width / cfg.stemBlock / 2 ** i, c]);
}

export function checkInputSize(cfg: RevBifpnConfig, height: number, width: number): void {
  const m = revbifpnSizeMultiple(cfg);
  if (height % m || width % m || height < m || width < m) {
    throw new Error(`RevBiFPN: input ${height}×${width} must have H and W positive multiples of ${m} (stem ${cfg.stemBlock} · 2^${cfg.channels.length - 1} scales)`);
  }
}

export function validateRevBifpnConfig(cfg: RevBifpnConfig): void {
  const bad = (field: string, why: string): never => {
    throw new Error(`RevBiFPN config '${cfg.variant}': ${field} ${why}`);
  };
  const int = (field: keyof RevBifpnConfig, min: number): void => {
    const v = cfg[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(field, `= ${String(v)} must be an integer ≥ ${min}`);
  };
  const L = cfg.channels.length;
  if (L < 2) bad('channels', `must list at least 2 scales, got [${cfg.channels}]`);
  const perScale: (keyof RevBifpnConfig)[] = ['dwk', 'dwkp', 'expansion', 'se', 'headChannels', 'headExpansion', 'headSe'];
  for (const f of perScale) {
    const v = cfg[f];
    if (!Array.isArray(v) || v.length !== L) bad(f, `must have one entry per scale (${L}), got ${JSON.stringify(v)}`);
  }
  cfg.channels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 2 || c % 2) bad(`channels[${i}]`, `= ${c} must be an even integer ≥ 2 (RevResidualBlocks split channels in halves)`);
  });
  int('stemBlock', 1);
  const cin = cfg.channels[0] / (cfg.stemBlock * cfg.stemBlock);
  if (!Number.isInteger(cin) || cin < 3) {
    bad('channels[0]', `= ${cfg.channels[0]} must be a multiple of stemBlock² = ${cfg.stemBlock ** 2} giving ≥ 3 stem input channels (RGB)`);
  }
  cfg.dwk.forEach((k, i) => {
    const kk = k + cfg.dwkp[i];
    if (!Number.isInteger(kk) || kk < 1 || kk % 2 === 0) bad(`dwk[${i}] + dwkp[${i}]`, `= ${kk} must be an odd integer ≥ 1`);
  });
  const positive = (field: string, v: readonly number[]): void =>
    v.forEach((e, i) => {
      if (!(e > 0)) bad(`${field}[${i}]`, `= ${e} must be > 0`);
    });
  const ratio = (field: string, v: readonly number[]): void =>
    v.forEach((r, i) => {
      if (!(r >= 0 && r <= 1)) bad(`${field}[${i}]`, `= ${r} must be in [0, 1]`);
    });
  positive('expansion', cfg.expansion);
  positive('headExpansion', cfg.headExpansion);
  ratio('se', cfg.se);
  ratio('headSe', cfg.headSe);
  cfg.headChannels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1) bad(`headChannels[${i}]`, `= ${c} must be an integer ≥ 1`);
  });
  int('blocksPerStage', 0);
  int('extLayers', 0);
  int('headKernel', 1);
  int('fcFeatures', 0);
  int('classes', 1);
  if (!(cfg.width > 0)) bad('width', `= ${cfg.width} must be > 0`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) bad('dropout', `= ${cfg.dropout} must be in [0, 1)`);
  if (!(cfg.stochasticDepth >= 0 && cfg.stochasticDepth < 1)) bad('stochasticDepth', `= ${cfg.stochasticDepth} must be in [0, 1)`);
  if (typeof cfg.reversible !== 'boolean') bad('reversible', `= ${String(cfg.reversible)} must be true or false`);
}
