// The method views folded from events (lib/task-matrix.ts, curriculum.ts, embedding.ts through
// lib/curves.ts): what the live job panel and a run's detail both show.
import { describe, expect, it } from 'vitest';
import { accuracyKeys, addEvent, cloneCurves, curvesFromEvents, emptyCurves, hasMethodData, showsDice } from '../../src/renderer/lib/curves';
import { fitPoints, nearestPoint } from '../../src/renderer/lib/embedding';
import { cell, colourFloor, shortTaskNames } from '../../src/renderer/lib/task-matrix';
import { ev } from './fake-api';
import { mev } from './method-events';

describe('accuracy matrix', () => {
  it('fills in one row per task-eval event, lower triangle only', () => {
    const c = emptyCurves();
    addEvent(c, ev.started('r'));
    addEvent(c, mev.taskEval(0, [0.99]));
    expect(c.tasks!.filled).toBe(1);
    expect(c.tasks!.taskNames).toEqual(['0/1', '2/3', '4/5']);
    expect(cell(c.tasks!, 0, 0)).toBe(0.99);
    expect(cell(c.tasks!, 1, 0)).toBeNull(); // row 1 not trained yet
    addEvent(c, mev.taskEval(1, [0.9, 0.98], 20, [0.1, 0.2]));
    const m = c.tasks!;
    expect(m.filled).toBe(2);
    expect([cell(m, 1, 0), cell(m, 1, 1), cell(m, 0, 1)]).toEqual([0.9, 0.98, null]); // (0,1) is above the diagonal
    // The numbers shown come from the newest row: ACC (0.9 + 0.98) / 2 = 0.94; forgetting 1 − 0.9.
    expect(m.latest.averageAccuracy).toBeCloseTo(0.94, 12);
    expect(m.latest.forgetting).toBeCloseTo(0.1, 12);
    expect(m.latest.plasticNorms).toEqual([0.1, 0.2]);
    expect(hasMethodData(c)).toBe(true);
  });

  it('a row seen again replaces it and drops later rows (history replayed over live events)', () => {
    const c = curvesFromEvents([mev.taskEval(0, [0.99]), mev.taskEval(1, [0.9, 0.98]), mev.taskEval(2, [0.8, 0.9, 0.97])]);
    addEvent(c, mev.taskEval(1, [0.91, 0.97]));
    expect(c.tasks!.filled).toBe(2);
    expect(c.tasks!.evals[1]!.accuracies).toEqual([0.91, 0.97]);
    expect(c.tasks!.latest.afterTask).toBe(1);
  });

  it('a resumed run drops the rows after its start step', () => {
    // Rows at steps 10, 20, 30; the run resumes from a checkpoint at step 25 and redoes task 2.
    const c = curvesFromEvents([mev.taskEval(0, [0.99], 10), mev.taskEval(1, [0.9, 0.98], 20), mev.taskEval(2, [0.8, 0.9, 0.97], 30), ev.started('r', 25)]);
    expect(c.tasks!.filled).toBe(2);
    expect(c.tasks!.latest.afterTask).toBe(1);
    expect(curvesFromEvents([mev.taskEval(0, [0.99], 10), ev.started('r', 5)]).tasks).toBeNull();
  });

  it('is shared, not copied, by curve snapshots, so a new step does not redraw it', () => {
    const c = curvesFromEvents([mev.taskEval(0, [0.99])]);
    const snap = cloneCurves(c);
    addEvent(c, ev.step(11));
    expect(cloneCurves(c).tasks).toBe(snap.tasks);
  });

  it('says the task names’ shared words once and labels columns with the rest', () => {
    expect(shortTaskNames(['mnist classes 0/1', 'mnist classes 2/3'])).toEqual({ prefix: 'mnist classes', short: ['0/1', '2/3'] });
    expect(shortTaskNames(['perm 1', 'perm 10'])).toEqual({ prefix: 'perm', short: ['1', '10'] }); // whole words: not 'perm 1' + '', '0'
    expect(shortTaskNames(['mnist', 'fashion'])).toEqual({ prefix: '', short: ['mnist', 'fashion'] });
    expect(shortTaskNames(['task', 'task 2'])).toEqual({ prefix: '', short: ['task', 'task 2'] }); // no column left empty
  });

  it('starts its colour scale at the lowest cell rounded down to 10 % (at most 90 %)', () => {
    expect(colourFloor(curvesFromEvents([mev.taskEval(0, [0.99]), mev.taskEval(1, [0.934, 0.98])]).tasks!)).toBe(0.9);
    expect(colourFloor(curvesFromEvents([mev.taskEval(0, [0.99]), mev.taskEval(1, [0.47, 0.98])]).tasks!)).toBe(0.4);
    expect(colourFloor(curvesFromEvents([mev.taskEval(0, [0.999])]).tasks!)).toBe(0.9);
  });
});

describe('self-paced epochs', () => {
  it('collects test accuracy, admitted fraction and pace per epoch', () => {
    const c = curvesFromEvents([mev.curriculum(0, 0.6, 1), mev.curriculum(1, 0.7, 0.35), mev.curriculum(2, 0.8, 0.44)]);
    expect(c.curriculum).toMatchObject({ method: 'spl-advise', epochs: [0, 1, 2], testAccuracy: [0.6, 0.7, 0.8], admittedFraction: [1, 0.35, 0.44], lambda: [1, 2, 3] });
  });

  it('an epoch seen again replaces itself and what followed; a resume drops later epochs', () => {
    const c = curvesFromEvents([mev.curriculum(0, 0.6, 1), mev.curriculum(1, 0.7, 0.35), mev.curriculum(2, 0.8, 0.44), mev.curriculum(1, 0.71, 0.36)]);
    expect(c.curriculum!.epochs).toEqual([0, 1]);
    expect(c.curriculum!.testAccuracy).toEqual([0.6, 0.71]);
    addEvent(c, ev.started('r', 7)); // epochs at steps 5 and 10: the one at 10 is redone
    expect(c.curriculum!.epochs).toEqual([0]);
  });
});

describe('embedding', () => {
  const e0 = mev.embedding(0, [[0, 0], [1, 0], [0, 1]], [0, 0, 1], [0, 1, 3]);
  const e2 = mev.embedding(2, [[5, 5], [6, 6]], [1, 1], [3, 2]);

  it('a new embedding event replaces the points, labels and clusters', () => {
    const c = curvesFromEvents([e0]);
    expect(c.embedding!.points).toHaveLength(3);
    addEvent(c, ev.step(6));
    addEvent(c, e2);
    expect(c.embedding).toMatchObject({ epoch: 2, points: [[5, 5], [6, 6]], labels: [1, 1], clusters: [3, 2], classNames: ['zero', 'one'] });
  });

  it('ranks each cluster within its class (its marker shape)', () => {
    const s = curvesFromEvents([e0]).embedding!;
    expect([...s.clusterRank]).toEqual([[0, 0], [1, 1], [3, 0]]); // class 0: clusters 0, 1; class 1: cluster 3
    expect(curvesFromEvents([e2]).embedding!.clusterRank.get(3)).toBe(1); // ids ascending: 2 then 3
  });

  it('fits the points with one scale on both axes and finds the point under the pointer', () => {
    // Points span 1 × 1 in a 200 × 100 box with 10 px padding: scale = min(180, 80) / 1 = 80 px.
    const s = curvesFromEvents([e0]).embedding!;
    const fit = fitPoints(s.points, 200, 100, 10);
    expect(fit.x(1) - fit.x(0)).toBeCloseTo(80, 9);
    expect(fit.y(0) - fit.y(1)).toBeCloseTo(80, 9); // y up
    expect(nearestPoint(s, fit, fit.x(1) + 3, fit.y(0) - 2, 8)).toBe(1);
    expect(nearestPoint(s, fit, fit.x(1) + 30, fit.y(0), 8)).toBe(-1);
    // A wide cloud (4 × 1) is limited by the width: min(180 / 4, 80 / 1) = 45 px per unit, both axes.
    const wide = fitPoints([[0, 0], [4, 1]], 200, 100, 10);
    expect([wide.x(4) - wide.x(0), wide.y(0) - wide.y(1)]).toEqual([180, 45]);
    expect(wide.x(2)).toBe(100); // centred
    const one = fitPoints([[3, 3]], 200, 100, 10);
    expect([one.x(3), one.y(3)]).toEqual([100, 50]);
  });

  it('is dropped when a resumed run redoes the epoch it came from', () => {
    expect(curvesFromEvents([e2, ev.started('r', 10)]).embedding).toBeNull(); // e2 at step 15
    expect(curvesFromEvents([e2, ev.started('r', 15)]).embedding).not.toBeNull();
  });
});

describe('validation charts of classification runs', () => {
  it('shows Dice for segmentation runs (also before their first validation), accuracies for classifiers', () => {
    expect(showsDice(emptyCurves())).toBe(true);
    expect(showsDice(curvesFromEvents([ev.validation(5, { dice_mean: 0.4 })]))).toBe(true);
    const spl = curvesFromEvents([ev.validation(5, { test_accuracy: 0.8, test_loss: 0.5, nearest_cluster_accuracy: 0.7 })]);
    expect(showsDice(spl)).toBe(false);
    expect(accuracyKeys(spl)).toEqual(['nearest_cluster_accuracy', 'test_accuracy']);
    expect(showsDice(curvesFromEvents([mev.taskEval(0, [0.99])]))).toBe(false); // continual: the matrix instead
  });
});
