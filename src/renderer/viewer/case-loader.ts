/**
 * Loads one case into the viewer: the shown modality first (so something appears quickly), then
 * the ground truth and the prediction as label arrays (never shown by NiiVue directly; see
 * compose-overlay.ts), checking that they lie on the scan's grid. Other modalities load on demand
 * and stay cached for the case. Every failure lands in the state with the file it concerns; only a
 * scan that cannot be shown is fatal.
 */
import type { NVImage } from '@niivue/niivue';
import type { CaseInfo, Modality } from '../../shared/api';
import { type EtLabel, bratsLabels, etLabelFor } from './brats-labels';
import { MODALITY_ORDER } from './keymap';
import { NiivueController, headerOf } from './niivue-controller';
import { MODALITY_NAMES, type ViewerState } from './viewer-state.svelte';
import { type Dims, affineDifference, decodeLabels, gridMismatch, labelCounts } from './volume-grid';
import { type WindowPreset, intensityStats, windowPresets } from './window-presets';

export interface PredictionRef {
  path: string;
  label: string;
}

export interface ViewerInputs {
  caseInfo: CaseInfo;
  prediction: PredictionRef | null;
  fileUrl: (path: string) => Promise<string>;
  etLabel?: EtLabel;
}

interface LoadedModality {
  img: NVImage;
  presets: WindowPreset[];
}

/** Let the first frames with masks draw before decoding more volumes on the same thread. */
const PREFETCH_DELAY_MS = 500;

/** Largest affine difference (mm) still treated as the same grid. */
const AFFINE_TOLERANCE_MM = 1e-3;

export function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CaseLoader {
  private readonly cache = new Map<Modality, Promise<LoadedModality>>();
  private shown: Modality | null = null;
  private disposed = false;

  constructor(
    private readonly inputs: ViewerInputs,
    private readonly state: ViewerState,
    private readonly ctl: NiivueController,
  ) {}

  dispose(): void {
    this.disposed = true;
  }

  async start(): Promise<void> {
    const { caseInfo } = this.inputs;
    const st = this.state;
    st.reset(caseInfo.id, this.inputs.etLabel ?? etLabelFor(caseInfo.scheme));
    this.ctl.setOverlay(null, 0); // the previous case's masks, possibly on another grid
    const first = st.modality;
    try {
      await this.show(first);
    } catch (err) {
      if (this.disposed) return;
      st.fatal = `Could not show ${MODALITY_NAMES[first]} (${caseInfo.files[first]}): ${message(err)}`;
      st.status = 'error';
      st.loading = '';
      st.gtAbsent = st.predAbsent = 'the scan could not be shown';
      return;
    }
    if (this.disposed) return;
    st.dims = this.ctl.backDims();
    const start = JSON.stringify(this.ctl.crosshair()?.rasVox);
    await Promise.all([this.loadGt(), this.loadPrediction()]);
    if (this.disposed) return;
    // Open on the tumour, unless the user has already moved the crosshair.
    const target = st.tumourTarget();
    if (target && JSON.stringify(this.ctl.crosshair()?.rasVox) === start) this.ctl.moveToFileVoxel(target);
    st.loading = '';
    st.status = 'ready';
    // A modality picked while the case was loading.
    if (st.modality !== this.shown) await this.switchTo(st.modality);
    this.prefetch();
  }

  /**
   * Load the other modalities in the background so that 1–4 switch without a fetch and decode
   * (a 240×240×155 volume takes seconds to decompress on a slow machine). Failures stay silent
   * here: they are reported when the user picks that modality.
   */
  private prefetch(): void {
    setTimeout(async () => {
      for (const m of MODALITY_ORDER) {
        if (this.disposed) return;
        if (!this.cache.has(m)) await this.modality(m).catch(() => undefined);
      }
    }, PREFETCH_DELAY_MS);
  }

  /** Show modality `m` (loading it if needed); the state's window follows the volume's own. */
  async show(m: Modality): Promise<void> {
    const st = this.state;
    if (this.shown === m) return;
    st.pendingModality = m;
    st.loading = MODALITY_NAMES[m];
    try {
      const loaded = await this.modality(m);
      if (this.disposed) return;
      const dims = this.ctl.backDims();
      const own = headerOf(loaded.img).dims;
      if (dims && (own[1] !== dims[0] || own[2] !== dims[1] || own[3] !== dims[2])) {
        throw new Error(gridMismatch(dims, [own[1], own[2], own[3]], `${MODALITY_NAMES[m]} ${this.inputs.caseInfo.files[m]}`) ?? 'grid mismatch');
      }
      this.ctl.setBackground(loaded.img);
      this.shown = m;
      st.presets = loaded.presets;
      st.setWindow({ min: loaded.img.cal_min ?? 0, max: loaded.img.cal_max ?? 1 });
    } finally {
      if (st.pendingModality === m) st.pendingModality = null;
      if (st.loading === MODALITY_NAMES[m]) st.loading = '';
    }
  }

  /** Switch modality from the UI: on failure report it and go back to the one shown. */
  async switchTo(m: Modality): Promise<void> {
    try {
      await this.show(m);
    } catch (err) {
      if (this.disposed) return;
      this.state.report('error', `Could not load ${MODALITY_NAMES[m]} (${this.inputs.caseInfo.files[m]}): ${message(err)}`);
      if (this.shown) this.state.modality = this.shown;
    }
  }

  private modality(m: Modality): Promise<LoadedModality> {
    let p = this.cache.get(m);
    if (!p) {
      p = this.loadModality(m);
      p.catch(() => this.cache.delete(m)); // let a later click retry
      this.cache.set(m, p);
    }
    return p;
  }

  private async loadModality(m: Modality): Promise<LoadedModality> {
    const path = this.inputs.caseInfo.files[m];
    const img = await NiivueController.load(await this.inputs.fileUrl(path), fileName(path));
    const hdr = headerOf(img);
    const presets = windowPresets(intensityStats(img.img as ArrayLike<number>, hdr.scl_slope, hdr.scl_inter), m);
    const auto = presets[0];
    img.cal_min = auto.min;
    img.cal_max = auto.max;
    this.ctl.setResetWindow(img, auto); // NiiVue's double click returns here
    return { img, presets };
  }

  private async loadLabels(path: string, what: string): Promise<{ labels: Uint8Array; dims: Dims; affine: number[][] }> {
    const img = await NiivueController.load(await this.inputs.fileUrl(path), fileName(path));
    const hdr = headerOf(img);
    const d = hdr.dims;
    return {
      labels: decodeLabels(img.img as ArrayLike<number>, hdr.scl_slope, hdr.scl_inter, `${what} ${path}`),
      dims: [d[1], d[2], d[3]],
      affine: hdr.affine as number[][],
    };
  }

  /** Check a label volume against the scan; returns its labels, or null after reporting why not. */
  private checked(v: { labels: Uint8Array; dims: Dims; affine: number[][] }, what: string, path: string): Uint8Array | null {
    const st = this.state;
    const scanDims = st.dims;
    const scanAffine = this.ctl.nv.back?.hdr?.affine as number[][] | undefined;
    const mismatch = scanDims ? gridMismatch(scanDims, v.dims, `The ${what} ${path}`) : null;
    if (mismatch) {
      st.report('error', mismatch);
      return null;
    }
    if (scanAffine && affineDifference(scanAffine, v.affine) > AFFINE_TOLERANCE_MM) {
      st.report('warning', `The ${what} ${path} has the scan's dims but a different affine; it is shown on the scan's voxel grid.`);
    }
    const known = new Set([0, ...bratsLabels(st.et).map((l) => l.value)]);
    const unknown = [...labelCounts(v.labels)].filter(([value]) => !known.has(value));
    if (unknown.length) {
      const list = unknown.map(([value, n]) => `${value} (${n} voxels)`).join(', ');
      st.report('warning', `The ${what} ${path} has labels outside BraTS {0, 1, 2, ${st.et}}: ${list}. ${st.et === 4 ? 'BraTS 2023+ marks ET with 3.' : 'BraTS ≤ 2021 marks ET with 4.'} They are not drawn.`);
    }
    return v.labels;
  }

  private async loadGt(): Promise<void> {
    const st = this.state;
    const path = this.inputs.caseInfo.files.seg;
    if (!path) {
      st.gtAbsent = 'no ground-truth segmentation for this case';
      return;
    }
    try {
      const labels = this.checked(await this.loadLabels(path, 'ground truth'), 'ground truth', path);
      if (this.disposed) return;
      st.gt = labels;
      st.gtAbsent = labels ? null : 'the ground truth does not fit the scan (see the error above)';
    } catch (err) {
      if (this.disposed) return;
      st.gtAbsent = 'the ground truth could not be loaded';
      st.report('error', `Could not load the ground truth ${path}: ${message(err)}`);
    }
  }

  private async loadPrediction(): Promise<void> {
    const st = this.state;
    const pred = this.inputs.prediction;
    if (!pred) {
      st.predAbsent = 'no prediction selected';
      return;
    }
    st.predLabel = pred.label;
    try {
      const labels = this.checked(await this.loadLabels(pred.path, 'prediction'), 'prediction', pred.path);
      if (this.disposed) return;
      st.pred = labels;
      st.predAbsent = labels ? null : 'the prediction does not fit the scan (see the error above)';
    } catch (err) {
      if (this.disposed) return;
      st.predAbsent = 'the prediction could not be loaded';
      st.report('error', `Could not load the prediction ${pred.path}: ${message(err)}`);
    }
  }
}
