/**
 * Composes the masks into the one RGBA volume NiiVue overlays on the scan.
 *
 * Why one RGBA volume instead of NiiVue label overlays: NiiVue 0.69 draws a label colour table with
 * all-or-nothing alpha per label on 2D slices (niivue#1302: `if (clr.a > 0.0) clr.a = 1.0`), so
 * per-label opacity is impossible there, and it has no coloured per-label outline (see outline.ts).
 * An RGBA32 overlay keeps per-voxel alpha (NiiVue's RGBA shader with hasAlpha = 1), so every
 * display rule lives here, in plain testable code.
 *
 * Rules (stated in the legend):
 *   - One source shown: drawn in `style` (fill or outline).
 *   - Ground truth and prediction both shown: the prediction in `style`, the ground truth in the
 *     other one, so the two can always be told apart; 'o' swaps them. Outlines are drawn on top.
 *   - Errors mode replaces the labels: FP magenta, FN cyan, TP faint white if asked for.
 *   - Outline alpha is twice the label's fill opacity (capped at 1): a 1-voxel contour at fill
 *     alpha would vanish, and it still fades when the user fades the label.
 */
import { ERROR_COLOURS, type EtLabel, type LabelKey, type Rgb, bratsLabels } from './brats-labels';
import { ERROR_CLASS } from './error-overlay';

export type MaskStyle = 'fill' | 'outline';
export type OverlayMode = 'labels' | 'errors';

export interface LabelDisplay {
  visible: boolean;
  /** Fill opacity, 0..1. */
  opacity: number;
}

export interface OverlaySettings {
  et: EtLabel;
  mode: OverlayMode;
  showGt: boolean;
  showPred: boolean;
  style: MaskStyle;
  labels: Record<LabelKey, LabelDisplay>;
  errorOpacity: number;
  showTp: boolean;
}

export interface OverlayInputs {
  voxels: number;
  gt: Uint8Array | null;
  /** Outline masks (1 = boundary voxel), needed only for a source drawn as outline. */
  gtOutline: Uint8Array | null;
  pred: Uint8Array | null;
  predOutline: Uint8Array | null;
  /** Error classes (error-overlay.ts), needed only in errors mode. */
  errors: Uint8Array | null;
}

export const TP_ALPHA = 0.25;

/** How each source is drawn, or null when it is hidden or absent. */
export function sourceStyles(
  hasGt: boolean,
  hasPred: boolean,
  s: Pick<OverlaySettings, 'showGt' | 'showPred' | 'style'>,
): { gt: MaskStyle | null; pred: MaskStyle | null } {
  const gtOn = hasGt && s.showGt;
  const predOn = hasPred && s.showPred;
  const other: MaskStyle = s.style === 'fill' ? 'outline' : 'fill';
  return { gt: gtOn ? (predOn ? other : s.style) : null, pred: predOn ? s.style : null };
}

export function outlineAlpha(fillOpacity: number): number {
  return Math.min(1, 2 * fillOpacity);
}

/** 256-entry RGBA lookup tables (label value → colour) for fill and outline. */
export function labelLuts(s: Pick<OverlaySettings, 'et' | 'labels'>): { fill: Uint8Array; outline: Uint8Array } {
  const fill = new Uint8Array(256 * 4);
  const outline = new Uint8Array(256 * 4);
  for (const info of bratsLabels(s.et)) {
    const d = s.labels[info.key];
    if (!d.visible) continue;
    const o = info.value * 4;
    fill.set([...info.rgb, Math.round(255 * clamp01(d.opacity))], o);
    outline.set([...info.rgb, Math.round(255 * outlineAlpha(clamp01(d.opacity)))], o);
  }
  return { fill, outline };
}

export function composeOverlay(inputs: OverlayInputs, s: OverlaySettings, out: Uint8Array = new Uint8Array(inputs.voxels * 4)): Uint8Array {
  if (out.length !== inputs.voxels * 4) throw new Error(`composeOverlay: output has ${out.length} bytes, need ${inputs.voxels * 4}`);
  out.fill(0);
  if (s.mode === 'errors') {
    if (inputs.errors) composeErrors(inputs.errors, s, out);
    return out;
  }
  const styles = sourceStyles(inputs.gt !== null, inputs.pred !== null, s);
  const luts = labelLuts(s);
  const layers: Array<[Uint8Array, Uint8Array | null]> = [];
  // Fill first, outline on top.
  if (styles.pred === 'fill') layers.push([inputs.pred!, null]);
  if (styles.gt === 'fill') layers.push([inputs.gt!, null]);
  if (styles.pred === 'outline') layers.push([inputs.pred!, need(inputs.predOutline, 'prediction outline')]);
  if (styles.gt === 'outline') layers.push([inputs.gt!, need(inputs.gtOutline, 'ground-truth outline')]);
  for (const [labels, edge] of layers) {
    const lut = edge ? luts.outline : luts.fill;
    for (let n = 0; n < inputs.voxels; n++) {
      const v = labels[n];
      if (v === 0 || (edge && edge[n] === 0)) continue;
      const o = v * 4;
      if (lut[o + 3] === 0) continue;
      const p = n * 4;
      out[p] = lut[o];
      out[p + 1] = lut[o + 1];
      out[p + 2] = lut[o + 2];
      out[p + 3] = lut[o + 3];
    }
  }
  return out;
}

function composeErrors(classes: Uint8Array, s: OverlaySettings, out: Uint8Array): void {
  const colours: Array<[Rgb, number] | null> = [];
  colours[ERROR_CLASS.tn] = null;
  colours[ERROR_CLASS.tp] = s.showTp ? [ERROR_COLOURS.tp, TP_ALPHA] : null;
  colours[ERROR_CLASS.fp] = [ERROR_COLOURS.fp, clamp01(s.errorOpacity)];
  colours[ERROR_CLASS.fn] = [ERROR_COLOURS.fn, clamp01(s.errorOpacity)];
  for (let n = 0; n < classes.length; n++) {
    const c = colours[classes[n]];
    if (!c) continue;
    const p = n * 4;
    out[p] = c[0][0];
    out[p + 1] = c[0][1];
    out[p + 2] = c[0][2];
    out[p + 3] = Math.round(255 * c[1]);
  }
}

function need(a: Uint8Array | null, what: string): Uint8Array {
  if (!a) throw new Error(`composeOverlay: the ${what} mask is needed but was not computed`);
  return a;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
