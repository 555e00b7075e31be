import { describe, expect, it } from 'vitest';
import { LAYOUTS, PAGE_STEP, actionForKey, nextLayout } from '../../src/renderer/viewer/keymap';

describe('viewer key map', () => {
  it('steps slices with arrows and pages', () => {
    expect(actionForKey({ key: 'ArrowUp' })).toEqual({ kind: 'step', delta: 1 });
    expect(actionForKey({ key: 'ArrowRight' })).toEqual({ kind: 'step', delta: 1 });
    expect(actionForKey({ key: 'ArrowDown' })).toEqual({ kind: 'step', delta: -1 });
    expect(actionForKey({ key: 'ArrowLeft' })).toEqual({ kind: 'step', delta: -1 });
    expect(actionForKey({ key: 'PageUp' })).toEqual({ kind: 'step', delta: PAGE_STEP });
    expect(actionForKey({ key: 'PageDown' })).toEqual({ kind: 'step', delta: -PAGE_STEP });
  });

  it('maps 1–4 to T1, T1ce, T2, FLAIR and the letter keys to their toggles (either case)', () => {
    expect(['1', '2', '3', '4'].map((key) => actionForKey({ key }))).toEqual([
      { kind: 'modality', modality: 't1' },
      { kind: 'modality', modality: 't1ce' },
      { kind: 'modality', modality: 't2' },
      { kind: 'modality', modality: 'flair' },
    ]);
    expect(actionForKey({ key: 'm' })).toEqual({ kind: 'toggleMasks' });
    expect(actionForKey({ key: 'M' })).toEqual({ kind: 'toggleMasks' });
    expect(actionForKey({ key: 'o' })).toEqual({ kind: 'toggleStyle' });
    expect(actionForKey({ key: 'v' })).toEqual({ kind: 'cycleLayout' });
    expect(actionForKey({ key: 'e' })).toEqual({ kind: 'toggleErrors' });
    expect(actionForKey({ key: 's' })).toEqual({ kind: 'activeView', view: 'sagittal' });
    expect(actionForKey({ key: '5' })).toBeNull();
    expect(actionForKey({ key: 'Enter' })).toBeNull();
    expect(actionForKey({ key: ' ' })).toBeNull();
  });

  it('leaves shortcuts with modifiers and typing in form fields alone', () => {
    expect(actionForKey({ key: 'm', ctrlKey: true })).toBeNull();
    expect(actionForKey({ key: 'ArrowUp', metaKey: true })).toBeNull();
    expect(actionForKey({ key: '1', altKey: true })).toBeNull();
    expect(actionForKey({ key: 'ArrowUp', targetTag: 'input' })).toBeNull(); // a range slider keeps its arrows
    expect(actionForKey({ key: 'm', targetTag: 'SELECT' })).toBeNull();
    expect(actionForKey({ key: 'm', targetTag: 'BUTTON' })).toEqual({ kind: 'toggleMasks' });
  });

  it('cycles through all five layouts and back', () => {
    let l = LAYOUTS[0];
    const seen = [l];
    for (let n = 0; n < LAYOUTS.length; n++) seen.push((l = nextLayout(l)));
    expect(seen).toEqual(['multiplanar', 'axial', 'coronal', 'sagittal', 'render', 'multiplanar']);
  });
});

describe('viewer key map: t', () => {
  it("'t' sends the crosshair to the tumour", () => {
    expect(actionForKey({ key: 't' })).toEqual({ kind: 'goToTumour' });
  });
});
