/**
 * The slice viewer's state as one rune class (STYLE.md §6): what is loaded, how it is shown, and
 * what the readouts say. Components read and write it through `getViewer()`; Viewer.svelte turns
 * changes into NiiVue calls. Volumes (label arrays) are `$state.raw`: replaced whole, never deeply
 * proxied (a 240×240×155 mask has 8.9 M entries).
 */
import { createContext } from 'svelte';
import type { Modality } from '../../shared/api';
import { type EtLabel, type LabelKey, type Region, labelName } from './brats-labels';
import type { LabelDisplay, MaskStyle, OverlayMode, OverlaySettings } from './compose-overlay';
import type { ErrorCounts } from './error-overlay';
import { type Layout, type View, type ViewerAction, MODALITY_ORDER, nextLayout } from './keymap';
import type { VoxelLocation } from './niivue-controller';
import { type Dims, flatIndex, labelCentroid } from './volume-grid';
import type { PresetId, WindowPreset, WindowRange } from './window-presets';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
}

export const DEFAULT_LABEL_OPACITY = 0.5;

function defaultLabels(): Record<LabelKey, LabelDisplay> {
  return {
    ncr: { visible: true, opacity: DEFAULT_LABEL_OPACITY },
    ed: { visible: true, opacity: DEFAULT_LABEL_OPACITY },
    et: { visible: true, opacity: DEFAULT_LABEL_OPACITY },
  };
}

export class ViewerState {
  // What is loaded
  status = $state<LoadStatus>('idle');
  /** What is loading now, for the status line ("FLAIR", "prediction"). */
  loading = $state('');
  /** Why nothing can be shown (the scan failed to load); shown with role="alert". */
  fatal = $state<string | null>(null);
  problems = $state<Problem[]>([]);
  caseId = $state('');
  et = $state<EtLabel>(4);
  dims = $state.raw<Dims | null>(null);
  gt = $state.raw<Uint8Array | null>(null);
  pred = $state.raw<Uint8Array | null>(null);
  predLabel = $state('');
  /** Why there is no ground truth / prediction overlay, when there is none. */
  gtAbsent = $state<string | null>('no ground-truth segmentation for this case');
  predAbsent = $state<string | null>('no prediction selected');

  // How it is shown
  layout = $state<Layout>('multiplanar');
  activeView = $state<View>('axial');
  /** Radiological convention: the patient's left on the screen's right. */
  radiological = $state(false);
  modality = $state<Modality>('flair');
  /** The modality being fetched after a switch (the button shows it busy). */
  pendingModality = $state<Modality | null>(null);
  window = $state<WindowRange>({ min: 0, max: 1 });
  presets = $state<WindowPreset[]>([]);
  presetId = $state<PresetId | null>('auto');

  masksOn = $state(true);
  style = $state<MaskStyle>('fill');
  showGt = $state(true);
  showPred = $state(true);
  labels = $state<Record<LabelKey, LabelDisplay>>(defaultLabels());
  /** Global mask opacity (multiplies every label's). */
  opacity = $state(1);
  mode = $state<OverlayMode>('labels');
  errorRegion = $state<Region>('WT');
  errorOpacity = $state(0.8);
  showTp = $state(false);
  errorCounts = $state<ErrorCounts | null>(null);

  // Readouts
  crosshair = $state<VoxelLocation | null>(null);
  hover = $state<VoxelLocation | null>(null);

  /** Why the error overlay cannot be shown, or null when it can. */
  errorsUnavailable = $derived(this.gt === null ? this.gtAbsent ?? 'no ground truth' : this.pred === null ? this.predAbsent ?? 'no prediction' : null);

  overlaySettings = $derived<OverlaySettings>({
    et: this.et,
    mode: this.mode === 'errors' && this.errorsUnavailable === null ? 'errors' : 'labels',
    showGt: this.showGt,
    showPred: this.showPred,
    style: this.style,
    labels: this.labels,
    errorOpacity: this.errorOpacity,
    showTp: this.showTp,
  });

  /** The crosshair's file voxel as "i,j,k": changes only when the voxel does (not on every event). */
  crosshairVoxKey = $derived(this.crosshair ? this.crosshair.fileVox.join(',') : '');

  /** Voxel shown in the voxel readout: under the pointer, else the crosshair. */
  readout = $derived(this.hover ?? this.crosshair);

  reset(caseId: string, et: EtLabel): void {
    this.status = 'loading';
    this.fatal = null;
    this.problems = [];
    this.caseId = caseId;
    this.et = et;
    this.dims = null;
    this.gt = null;
    this.pred = null;
    this.errorCounts = null;
    this.gtAbsent = 'the ground truth is loading';
    this.predAbsent = 'the prediction is loading';
    this.mode = 'labels';
    this.crosshair = null;
    this.hover = null;
    this.pendingModality = null;
  }

  report(severity: Problem['severity'], message: string): void {
    this.problems = [...this.problems, { severity, message }];
  }

  /** Where 't' puts the crosshair: the ground truth's centroid, else the prediction's. */
  tumourTarget(): [number, number, number] | null {
    const labels = this.gt ?? this.pred;
    return labels && this.dims ? labelCentroid(labels, this.dims) : null;
  }

  /** Label name at a voxel of a label volume ("ED (2)"), or null when there is no such volume. */
  labelAt(labels: Uint8Array | null, loc: VoxelLocation | null): string | null {
    if (!labels || !loc || !this.dims) return null;
    const [i, j, k] = loc.fileVox;
    const [nx, ny, nz] = this.dims;
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return null;
    return labelName(labels[flatIndex(this.dims, i, j, k)], this.et);
  }

  setLayout(layout: Layout): void {
    this.layout = layout;
    if (layout === 'axial' || layout === 'coronal' || layout === 'sagittal') this.activeView = layout;
  }

  applyPreset(id: PresetId): void {
    const p = this.presets.find((q) => q.id === id);
    if (!p) return;
    this.window = { min: p.min, max: p.max };
    this.presetId = id;
  }

  /** A window set by hand (drag, sliders): no preset is current any more unless it matches one. */
  setWindow(w: WindowRange): void {
    this.window = w;
    this.presetId = this.presets.find((p) => Math.abs(p.min - w.min) < 1e-6 && Math.abs(p.max - w.max) < 1e-6)?.id ?? null;
  }

  toggleErrors(): void {
    if (this.mode === 'errors') this.mode = 'labels';
    else if (this.errorsUnavailable === null) this.mode = 'errors';
  }

  /** Apply a keyboard action that only changes state; 'step' and 'goToTumour' move NiiVue's crosshair and are the caller's. */
  apply(a: ViewerAction): void {
    switch (a.kind) {
      case 'modality':
        this.modality = a.modality;
        break;
      case 'activeView':
        this.activeView = a.view;
        break;
      case 'toggleMasks':
        this.masksOn = !this.masksOn;
        break;
      case 'toggleStyle':
        this.style = this.style === 'fill' ? 'outline' : 'fill';
        break;
      case 'toggleErrors':
        this.toggleErrors();
        break;
      case 'toggleGt':
        this.showGt = !this.showGt;
        break;
      case 'togglePred':
        this.showPred = !this.showPred;
        break;
      case 'cycleLayout':
        this.setLayout(nextLayout(this.layout));
        break;
      case 'cyclePreset': {
        const ids = this.presets.map((p) => p.id);
        if (ids.length) this.applyPreset(ids[(ids.indexOf(this.presetId ?? ids[ids.length - 1]) + 1) % ids.length]);
        break;
      }
      case 'resetWindow':
        this.applyPreset('auto');
        break;
      case 'step':
      case 'goToTumour':
        break;
    }
  }
}

export const MODALITY_NAMES: Record<Modality, string> = { t1: 'T1', t1ce: 'T1ce', t2: 'T2', flair: 'FLAIR' };
export { MODALITY_ORDER };

export const [getViewer, setViewer] = createContext<ViewerState>();
