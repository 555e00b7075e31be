// Curves from events: steps and validations in order, resumed runs and replays never doubling back.
import { describe, expect, it } from 'vitest';
import { addEvent, curvesFromEvents, emptyCurves, metricOrder } from '../../src/renderer/lib/curves';
import { alignSeries } from '../../src/renderer/lib/overlay';
import { ev } from './fake-api';

describe('curves', () => {
  it('collects loss per step and metrics per validation', () => {
    const c = curvesFromEvents([ev.started('r'), ev.step(1, 0.9), ev.step(2, 0.8), ev.validation(2, { dice_WT: 0.5, dice_mean: 0.4 }, true), ev.step(3, 0.7)]);
    expect(c.steps).toEqual([1, 2, 3]);
    expect(c.loss).toEqual([0.9, 0.8, 0.7]);
    expect(c.valSteps).toEqual([2]);
    expect(c.val).toEqual({ dice_WT: [0.5], dice_mean: [0.4] });
    expect(c.valOn).toBe('2 validation cases, full volume');
    expect(c.bestStep).toBe(2);
    expect(c.totalSteps).toBe(100);
  });

  it('a resumed run (started at an earlier step) drops what it will redo', () => {
    // Killed at step 5 after a checkpoint at 3: the resume starts at 3 and redoes 4 and 5.
    const c = curvesFromEvents([ev.started('r'), ev.step(1), ev.step(2), ev.step(3), ev.validation(3, { dice_mean: 0.3 }), ev.step(4, 0.4), ev.step(5, 0.5), ev.validation(5, { dice_mean: 0.5 }, true), ev.started('r', 3), ev.step(4, 0.41), ev.step(5, 0.51)]);
    expect(c.steps).toEqual([1, 2, 3, 4, 5]);
    expect(c.loss.slice(3)).toEqual([0.41, 0.51]);
    expect(c.valSteps).toEqual([3]);
    expect(c.bestStep).toBeNull(); // the best at step 5 belonged to the redone segment
  });

  it('a step seen again replaces everything from it on (history replayed over live events)', () => {
    const c = emptyCurves();
    for (const e of [ev.step(1), ev.step(2), ev.step(3)]) addEvent(c, e);
    addEvent(c, ev.step(2, 0.25));
    expect(c.steps).toEqual([1, 2]);
    expect(c.loss[1]).toBe(0.25);
  });

  it('a metric first reported later gets gaps (null) for the earlier validations', () => {
    const c = curvesFromEvents([ev.validation(1, { dice_mean: 0.1 }), ev.validation(2, { dice_mean: 0.2, dice_ET: 0.3 }), ev.validation(3, { dice_ET: 0.4 })]);
    expect(c.val.dice_ET).toEqual([null, 0.3, 0.4]);
    expect(c.val.dice_mean).toEqual([0.1, 0.2, null]);
  });

  it('ignores events that are not curve data', () => {
    expect(addEvent(emptyCurves(), ev.progress(1, 2))).toBe(false);
  });

  it('orders metrics mean, WT, TC, ET', () => {
    expect(metricOrder(['dice_ET', 'dice_TC', 'dice_mean', 'dice_WT'])).toEqual(['dice_mean', 'dice_WT', 'dice_TC', 'dice_ET']);
  });

  it('aligns two runs on the union of their steps', () => {
    expect(alignSeries([{ x: [1, 3], y: [10, 30] }, { x: [2, 3], y: [20, 31] }])).toEqual({ x: [1, 2, 3], ys: [[10, null, 30], [null, 20, 31]] });
  });
});
