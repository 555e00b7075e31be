// The viewer's BraTS table (src/renderer/viewer/brats-labels.ts) must agree with the engine's
// (src/training/data/brats/regions.ts): the renderer may not import the engine, so this test is
// what keeps the two copies from drifting.
import { describe, expect, it } from 'vitest';
import { LABEL_NAMES as ENGINE_NAMES, REGIONS as ENGINE_REGIONS, labelInRegion } from '../../src/training/data/brats/regions';
import { ERROR_COLOURS, REGIONS, bratsLabels, etLabelFor, inRegion, labelKeyOf, labelName, regionDefinition } from '../../src/renderer/viewer/brats-labels';

describe('BraTS labels in the viewer', () => {
  it('has the engine regions, and the same region membership for every label value and ET convention', () => {
    expect([...REGIONS]).toEqual([...ENGINE_REGIONS]);
    for (const et of [3, 4] as const) {
      for (let v = 0; v <= 5; v++) {
        for (const r of REGIONS) expect(inRegion(v, r, et), `label ${v} in ${r} (ET=${et})`).toBe(labelInRegion(v, r, et));
      }
    }
  });

  it('lists each label with the regions that contain it (legend text)', () => {
    const labels = bratsLabels(4);
    expect(labels.map((l) => [l.value, l.short, [...l.regions]])).toEqual([
      [1, 'NCR/NET', ['WT', 'TC']],
      [2, 'ED', ['WT']],
      [4, 'ET', ['WT', 'TC', 'ET']],
    ]);
    for (const l of labels) {
      for (const r of REGIONS) expect(l.regions.includes(r)).toBe(labelInRegion(l.value, r, 4));
      // the engine's long names contain the viewer's short names
      expect(ENGINE_NAMES[l.value]).toContain(l.short === 'NCR/NET' ? 'NCR/NET' : `(${l.short}`);
    }
    expect(bratsLabels(3).map((l) => l.value)).toEqual([1, 2, 3]);
  });

  it('names voxel values, flagging labels outside the convention', () => {
    expect(labelName(0, 4)).toBe('background');
    expect(labelName(2, 4)).toBe('ED (2)');
    expect(labelName(4, 4)).toBe('ET (4)');
    expect(labelName(3, 4)).toBe('unknown label 3');
    expect(labelName(3, 3)).toBe('ET (3)');
    expect(labelKeyOf(4, 3)).toBeNull();
    expect(etLabelFor('2023')).toBe(3);
    expect(etLabelFor('2018-2021')).toBe(4);
    expect(etLabelFor(undefined)).toBe(4);
    expect(regionDefinition('WT', 4)).toBe('WT = 1 + 2 + 4');
    expect(regionDefinition('TC', 3)).toBe('TC = 1 + 3');
  });

  it('uses colours that are far apart (label and error colours all distinct)', () => {
    const colours = [...bratsLabels(4).map((l) => l.rgb), ERROR_COLOURS.fp, ERROR_COLOURS.fn];
    for (let a = 0; a < colours.length; a++) {
      for (let b = a + 1; b < colours.length; b++) {
        const d = Math.hypot(...colours[a].map((c, k) => c - colours[b][k]));
        expect(d, `colours ${a} and ${b}`).toBeGreaterThan(100);
      }
    }
  });
});
