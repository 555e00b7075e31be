/**
 * The one place that talks to NiiVue (@niivue/niivue 0.69). The Svelte side holds state; this
 * class turns it into NiiVue calls and NiiVue's events back into plain data.
 *
 * Scene: volume 0 is the current modality (grey), volume 1 an RGBA32 overlay that
 * compose-overlay.ts fills (masks or errors). Other modalities are loaded once and swapped in as
 * volume 0; the crosshair is kept as NiiVue's fractional position, so it stays on the same voxel
 * (the four modalities share one grid).
 *
 * Mouse (NiiVue's own handling): left click/drag moves the crosshair, right drag is window/level
 * (NiiVue's "windowing" drag mode: horizontal = width, vertical = level), shift+left drag picks a
 * window from the intensities in a box (NiiVue's "contrast" mode), middle or ctrl+left drag pans,
 * the wheel steps the slice under the pointer, a double click resets the window.
 */
import { DRAG_MODE, NVImage, Niivue, SLICE_TYPE } from '@niivue/niivue';
import type { Layout, View } from './keymap';
import type { Dims } from './volume-grid';
import type { WindowRange } from './window-presets';

export interface VoxelLocation {
  /** Voxel in NiiVue's RAS-ordered grid: index along x (sagittal), y (coronal), z (axial). */
  rasVox: [number, number, number];
  rasDims: [number, number, number];
  /** Voxel indices (i, j, k) in the file's own order. */
  fileVox: [number, number, number];
  mm: [number, number, number];
  /** Intensity of the current modality at that voxel. */
  value: number;
}

export interface ControllerEvents {
  /** The crosshair moved; `view` is the tile clicked or scrolled in, when NiiVue says. */
  crosshair(loc: VoxelLocation, view: View | null): void;
  /** The window changed by mouse (drag, box, double click). */
  window(w: WindowRange): void;
}

const NIFTI_DT_RGBA32 = 2304;
const SHOW_RENDER_ALWAYS = 1; // SHOW_RENDER.ALWAYS; the enum is not exported from the package index
const MULTIPLANAR_GRID = 2; // MULTIPLANAR_TYPE.GRID: 2×2 tiles, the 3D render in the fourth

const SLICE_OF_LAYOUT: Record<Layout, SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  render: SLICE_TYPE.RENDER,
};
const VIEW_OF_AXCORSAG: Record<number, View> = { 0: 'axial', 1: 'coronal', 2: 'sagittal' };

/** An image's NIfTI header; NiiVue types it nullable, but a loaded image always has one. */
export function headerOf(img: NVImage): NonNullable<NVImage['hdr']> {
  if (!img.hdr) throw new Error(`${img.name || 'image'}: NiiVue returned no header`);
  return img.hdr;
}

export class NiivueController {
  private back: NVImage | null = null;
  private overlay: NVImage | null = null;
  private readonly abort = new AbortController();

  private constructor(
    readonly nv: Niivue,
    private readonly canvas: HTMLCanvasElement,
    private readonly events: ControllerEvents,
  ) {}

  static async attach(canvas: HTMLCanvasElement, events: ControllerEvents): Promise<NiivueController> {
    const nv = new Niivue({
      backColor: [0.04, 0.04, 0.06, 1],
      crosshairColor: [0.35, 1, 0.45, 0.7], // green: not a label colour
      crosshairWidth: 1,
      isNearestInterpolation: true, // crisp voxels and label edges, as in ITK-SNAP (niivue#595)
      multiplanarShowRender: SHOW_RENDER_ALWAYS,
      multiplanarLayout: MULTIPLANAR_GRID,
      show3Dcrosshair: true,
      isColorbar: false,
      showLegend: false,
      dragAndDropEnabled: false,
      loadingText: '',
      logLevel: 'warn',
      // The component owns these keys ('v', 'c', 'p'); NiiVue's hotkeys would act twice.
      viewModeHotKey: '',
      clipPlaneHotKey: '',
      cycleClipPlaneHotKey: '',
      mouseEventConfig: {
        leftButton: { primary: DRAG_MODE.crosshair, withShift: DRAG_MODE.contrast, withCtrl: DRAG_MODE.pan },
        rightButton: DRAG_MODE.windowing,
        centerButton: DRAG_MODE.pan,
      },
    });
    await nv.attachToCanvas(canvas, false);
    const c = new NiivueController(nv, canvas, events);
    c.listen();
    return c;
  }

  private listen(): void {
    const signal = this.abort.signal;
    this.nv.addEventListener(
      'locationChange',
      (e) => {
        const loc = this.crosshair();
        if (!loc) return;
        const axCorSag = (e.detail as { axCorSag?: number } | null)?.axCorSag;
        this.events.crosshair(loc, typeof axCorSag === 'number' ? (VIEW_OF_AXCORSAG[axCorSag] ?? null) : null);
      },
      { signal },
    );
    const windowChanged = (): void => {
      if (this.back) this.events.window({ min: this.back.cal_min ?? 0, max: this.back.cal_max ?? 1 });
    };
    this.nv.addEventListener('mouseUp', windowChanged, { signal });
    this.nv.addEventListener('intensityChange', windowChanged, { signal });
  }

  /** Load a volume without showing it. `name` must end in .nii or .nii.gz (NiiVue picks the reader by it). */
  static async load(url: string, name: string): Promise<NVImage> {
    return NVImage.loadFromUrl({ url, name });
  }

  /** Show `img` as the background (first call) or swap it in for the current one. */
  setBackground(img: NVImage): void {
    if (this.back === img) return;
    if (!this.back) {
      this.nv.addVolume(img);
    } else {
      // One refresh instead of addVolume + setVolume + removeVolume (three).
      const overlays = this.nv.volumes.filter((v) => v !== this.back);
      this.nv.volumes = [img, ...overlays];
      this.nv.back = img;
      this.nv.overlays = overlays;
      this.nv.updateGLVolume();
    }
    this.back = img;
    const loc = this.crosshair();
    if (loc) this.events.crosshair(loc, null);
  }

  /** Replace the overlay's RGBA voxels (file order, 4 bytes per voxel), or remove it with null. */
  setOverlay(rgba: Uint8Array | null, opacity: number): void {
    if (!this.back) return;
    if (!rgba) {
      if (this.overlay) this.nv.removeVolume(this.overlay);
      this.overlay = null;
      return;
    }
    if (!this.overlay) {
      const ov = this.back.clone(); // same header and geometry as the scan
      const hdr = headerOf(ov);
      ov.name = 'masks';
      hdr.datatypeCode = NIFTI_DT_RGBA32;
      hdr.numBitsPerVoxel = 32;
      hdr.scl_slope = 1;
      hdr.scl_inter = 0;
      ov.img = rgba;
      ov.opacity = opacity;
      this.overlay = ov;
      this.nv.addVolume(ov);
      return;
    }
    this.overlay.img = rgba;
    this.overlay.opacity = opacity;
    this.refreshOverlay();
  }

  setOverlayOpacity(opacity: number): void {
    if (!this.overlay || this.overlay.opacity === opacity) return;
    this.overlay.opacity = opacity;
    this.refreshOverlay();
  }

  /**
   * Re-upload only the overlay layer. updateGLVolume() would also rebuild the background texture
   * and its gradients for the 3D render, the costliest part; NiiVue's own window drag likewise
   * refreshes just the layer it changed.
   */
  private refreshOverlay(): void {
    if (!this.overlay) return;
    this.nv.refreshLayers(this.overlay, 1);
    this.nv.drawScene();
  }

  setLayout(layout: Layout): void {
    if (this.nv.opts.sliceType !== SLICE_OF_LAYOUT[layout]) this.nv.setSliceType(SLICE_OF_LAYOUT[layout]);
  }

  setRadiological(on: boolean): void {
    if (this.nv.opts.isRadiologicalConvention !== on) this.nv.setRadiologicalConvention(on);
  }

  /** Step the crosshair `delta` slices along the view's normal (RAS grid: axial z, coronal y, sagittal x). */
  step(view: View, delta: number): void {
    if (!this.back) return;
    if (view === 'axial') this.nv.moveCrosshairInVox(0, 0, delta);
    else if (view === 'coronal') this.nv.moveCrosshairInVox(0, delta, 0);
    else this.nv.moveCrosshairInVox(delta, 0, 0);
  }

  /** Put the crosshair on a voxel given in file indices (i, j, k). */
  moveToFileVoxel(v: readonly [number, number, number]): void {
    const back = this.back;
    if (!back?.matRAS) return;
    const mm = back.vox2mm([v[0], v[1], v[2]], back.matRAS);
    this.nv.scene.crosshairPos = this.nv.mm2frac(mm);
    this.nv.createOnLocationChange();
    this.nv.drawScene();
  }

  setWindow(w: WindowRange): void {
    if (!this.back) return;
    if (this.back.cal_min === w.min && this.back.cal_max === w.max) return;
    this.back.cal_min = w.min;
    this.back.cal_max = w.max;
    this.nv.refreshLayers(this.back, 0); // the background only, as NiiVue's window drag does
    this.nv.drawScene();
  }

  /** What NiiVue's double click resets to: make it our 'auto' preset. */
  setResetWindow(img: NVImage, w: WindowRange): void {
    img.robust_min = w.min;
    img.robust_max = w.max;
  }

  backDims(): Dims | null {
    const d = this.back?.hdr?.dims;
    return d ? [d[1], d[2], d[3]] : null;
  }

  /** The crosshair's voxel, or null before a volume is shown. */
  crosshair(): VoxelLocation | null {
    return this.locate(this.nv.scene.crosshairPos as ArrayLike<number>);
  }

  /** The voxel under a canvas point (CSS pixels from the canvas's top left), or null off the slices. */
  locationAt(cssX: number, cssY: number): VoxelLocation | null {
    if (!this.back) return null;
    const dpr = this.nv.uiData.dpr ?? window.devicePixelRatio ?? 1;
    const frac = this.nv.canvasPos2frac([cssX * dpr, cssY * dpr]);
    if (!(frac[0] >= 0)) return null;
    return this.locate(frac);
  }

  private locate(frac: ArrayLike<number>): VoxelLocation | null {
    const back = this.back;
    if (!back || !back.dimsRAS) return null;
    const f: [number, number, number] = [frac[0], frac[1], frac[2]];
    const rasVox = this.nv.frac2vox(f as never);
    const mm4 = this.nv.frac2mm(f as never, 0, true);
    const mm: [number, number, number] = [mm4[0], mm4[1], mm4[2]];
    const fv = back.mm2vox(mm);
    const fileVox: [number, number, number] = [Math.round(fv[0]), Math.round(fv[1]), Math.round(fv[2])];
    return {
      rasVox: [rasVox[0], rasVox[1], rasVox[2]],
      rasDims: [back.dimsRAS[1], back.dimsRAS[2], back.dimsRAS[3]],
      fileVox,
      mm,
      value: back.getValue(fileVox[0], fileVox[1], fileVox[2]),
    };
  }

  /** The canvas as PNG, drawn in the same task so the WebGL buffer is still valid (no preserveDrawingBuffer needed). */
  screenshot(): Promise<Blob> {
    return new Promise((resolve, reject) => {
      this.nv.drawScene();
      this.canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas produced no PNG'))), 'image/png');
    });
  }

  destroy(): void {
    this.abort.abort();
    this.nv.cleanup();
    // Free the GL context now rather than at garbage collection: Chromium caps live contexts (~16).
    const gl = this.nv.gl as WebGL2RenderingContext | undefined;
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
