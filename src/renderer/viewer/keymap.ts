/**
 * The viewer's keyboard map (PRODUCT.md A: slice stepping, 'm' like CaPTk, outline/fill like OHIF,
 * 'v' cycles views like NiiVue). Pure: a key event's fields → an action, or null to let the event
 * through. Keys with Ctrl, Meta or Alt are never taken (browser and app shortcuts keep working),
 * and keys typed into a form field are left to the field.
 */
import type { Modality } from '../../shared/api';

export type View = 'axial' | 'coronal' | 'sagittal';
export const VIEWS: readonly View[] = ['axial', 'coronal', 'sagittal'];
export type Layout = 'multiplanar' | View | 'render';
export const LAYOUTS: readonly Layout[] = ['multiplanar', 'axial', 'coronal', 'sagittal', 'render'];
export const MODALITY_ORDER: readonly Modality[] = ['t1', 't1ce', 't2', 'flair'];

export type ViewerAction =
  | { kind: 'step'; delta: number }
  | { kind: 'modality'; modality: Modality }
  | { kind: 'activeView'; view: View }
  | { kind: 'toggleMasks' }
  | { kind: 'toggleStyle' }
  | { kind: 'toggleErrors' }
  | { kind: 'toggleGt' }
  | { kind: 'togglePred' }
  | { kind: 'cycleLayout' }
  | { kind: 'goToTumour' }
  | { kind: 'cyclePreset' }
  | { kind: 'resetWindow' };

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Tag name of the event target (INPUT, SELECT, TEXTAREA are left alone). */
  targetTag?: string;
}

/** Slices moved by PageUp / PageDown. */
export const PAGE_STEP = 10;

const FORM_TAGS = new Set(['INPUT', 'SELECT', 'TEXTAREA']);

export function actionForKey(e: KeyInput): ViewerAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.targetTag && FORM_TAGS.has(e.targetTag.toUpperCase())) return null;
  switch (e.key) {
    case 'ArrowUp':
    case 'ArrowRight':
      return { kind: 'step', delta: 1 };
    case 'ArrowDown':
    case 'ArrowLeft':
      return { kind: 'step', delta: -1 };
    case 'PageUp':
      return { kind: 'step', delta: PAGE_STEP };
    case 'PageDown':
      return { kind: 'step', delta: -PAGE_STEP };
  }
  if (e.key.length !== 1) return null;
  const k = e.key.toLowerCase();
  const digit = '1234'.indexOf(k);
  if (digit >= 0) return { kind: 'modality', modality: MODALITY_ORDER[digit] };
  switch (k) {
    case 'm':
      return { kind: 'toggleMasks' };
    case 'o':
      return { kind: 'toggleStyle' };
    case 'e':
      return { kind: 'toggleErrors' };
    case 'g':
      return { kind: 'toggleGt' };
    case 'p':
      return { kind: 'togglePred' };
    case 'v':
      return { kind: 'cycleLayout' };
    case 'w':
      return { kind: 'cyclePreset' };
    case 'r':
      return { kind: 'resetWindow' };
    case 't':
      return { kind: 'goToTumour' };
    case 'a':
      return { kind: 'activeView', view: 'axial' };
    case 'c':
      return { kind: 'activeView', view: 'coronal' };
    case 's':
      return { kind: 'activeView', view: 'sagittal' };
  }
  return null;
}

export function nextLayout(layout: Layout): Layout {
  return LAYOUTS[(LAYOUTS.indexOf(layout) + 1) % LAYOUTS.length];
}

/** Help text, shown in the viewer's key list and the report. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['↑ → / ↓ ←', 'next / previous slice in the active view'],
  ['PageUp / PageDown', `${PAGE_STEP} slices`],
  ['a c s', 'active view: axial, coronal, sagittal'],
  ['1 2 3 4', 'T1, T1ce, T2, FLAIR'],
  ['m', 'all masks on / off'],
  ['o', 'outline / fill'],
  ['g / p', 'ground truth / prediction on / off'],
  ['e', 'error overlay (FP / FN) on / off'],
  ['t', 'crosshair to the tumour (ground truth, else prediction)'],
  ['v', 'next layout'],
  ['w / r', 'next window preset / reset window'],
];
