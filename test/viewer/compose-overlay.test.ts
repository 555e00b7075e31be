import { describe, expect, it } from 'vitest';
import { ERROR_COLOURS, bratsLabels } from '../../src/renderer/viewer/brats-labels';
import { type OverlaySettings, TP_ALPHA, composeOverlay, outlineAlpha, sourceStyles } from '../../src/renderer/viewer/compose-overlay';
import { ERROR_CLASS } from '../../src/renderer/viewer/error-overlay';

const [NCR, ED, ET] = bratsLabels(4);
const base: OverlaySettings = {
  et: 4,
  mode: 'labels',
  showGt: true,
  showPred: true,
  style: 'fill',
  labels: { ncr: { visible: true, opacity: 0.5 }, ed: { visible: true, opacity: 0.5 }, et: { visible: true, opacity: 0.5 } },
  errorOpacity: 0.8,
  showTp: false,
};
const px = (rgba: Uint8Array, n: number): number[] => [...rgba.subarray(4 * n, 4 * n + 4)];

describe('sourceStyles', () => {
  it('draws a lone source in the chosen style, and the ground truth in the other style when both show', () => {
    expect(sourceStyles(true, true, { showGt: true, showPred: true, style: 'fill' })).toEqual({ gt: 'outline', pred: 'fill' });
    expect(sourceStyles(true, true, { showGt: true, showPred: true, style: 'outline' })).toEqual({ gt: 'fill', pred: 'outline' });
    expect(sourceStyles(true, true, { showGt: true, showPred: false, style: 'outline' })).toEqual({ gt: 'outline', pred: null });
    expect(sourceStyles(true, false, { showGt: true, showPred: true, style: 'fill' })).toEqual({ gt: 'fill', pred: null });
    expect(sourceStyles(false, true, { showGt: true, showPred: true, style: 'fill' })).toEqual({ gt: null, pred: 'fill' });
  });
});

describe('composeOverlay', () => {
  //                          voxel: 0  1  2  3
  const gt = Uint8Array.from([0, 1, 2, 4]);
  const pred = Uint8Array.from([1, 1, 0, 4]);
  const gtOutline = Uint8Array.from([0, 1, 0, 1]); // voxels 1 and 3 are on the GT boundary
  const inputs = { voxels: 4, gt, gtOutline, pred, predOutline: Uint8Array.from([1, 0, 0, 1]), errors: null };

  it('fills the prediction at the label opacity and draws the GT outline on top at twice that', () => {
    const rgba = composeOverlay(inputs, base);
    expect(px(rgba, 0)).toEqual([...NCR.rgb, 128]); // prediction fill, 0.5 → 128
    expect(px(rgba, 1)).toEqual([...NCR.rgb, 255]); // GT outline over prediction fill, alpha 2·0.5
    expect(px(rgba, 2)).toEqual([0, 0, 0, 0]); // GT ED interior (not boundary), no prediction
    expect(px(rgba, 3)).toEqual([...ET.rgb, 255]);
    expect(outlineAlpha(0.2)).toBeCloseTo(0.4);
  });

  it('hides a label that is switched off, in both sources, and honours per-label opacity', () => {
    const s = { ...base, labels: { ...base.labels, ncr: { visible: false, opacity: 0.5 }, et: { visible: true, opacity: 0.1 } } };
    const rgba = composeOverlay(inputs, s);
    expect(px(rgba, 0)[3]).toBe(0);
    expect(px(rgba, 1)[3]).toBe(0);
    expect(px(rgba, 3)).toEqual([...ET.rgb, 51]); // GT outline at 2·0.1 = 0.2 → 51
  });

  it('shows only the ground truth, filled, when the prediction is hidden', () => {
    const rgba = composeOverlay(inputs, { ...base, showPred: false });
    expect(px(rgba, 0)).toEqual([0, 0, 0, 0]);
    expect(px(rgba, 2)).toEqual([...ED.rgb, 128]);
  });

  it('errors mode draws FP and FN (and TP only if asked), not the labels', () => {
    const errors = Uint8Array.from([ERROR_CLASS.tn, ERROR_CLASS.tp, ERROR_CLASS.fp, ERROR_CLASS.fn]);
    const s: OverlaySettings = { ...base, mode: 'errors' };
    const rgba = composeOverlay({ ...inputs, errors }, s);
    expect(px(rgba, 0)).toEqual([0, 0, 0, 0]);
    expect(px(rgba, 1)).toEqual([0, 0, 0, 0]);
    expect(px(rgba, 2)).toEqual([...ERROR_COLOURS.fp, 204]); // 0.8 → 204
    expect(px(rgba, 3)).toEqual([...ERROR_COLOURS.fn, 204]);
    const withTp = composeOverlay({ ...inputs, errors }, { ...s, showTp: true });
    expect(px(withTp, 1)).toEqual([...ERROR_COLOURS.tp, Math.round(255 * TP_ALPHA)]);
  });

  it('says which outline mask is missing, and reuses the output buffer', () => {
    expect(() => composeOverlay({ ...inputs, gtOutline: null }, base)).toThrow(/ground-truth outline/);
    const out = new Uint8Array(16).fill(9);
    expect(composeOverlay(inputs, { ...base, showGt: false, showPred: false }, out)).toBe(out);
    expect([...out]).toEqual(new Array(16).fill(0));
  });
});
