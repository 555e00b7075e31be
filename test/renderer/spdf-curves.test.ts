// SPDF events folded into a run's curves (lib/curves.ts with lib/spdf-*.ts): the sparsity snapshots
// (newest, first, mean zero fraction per snapshot), the newest text samples, and the run's SPDF
// summary from its 'done' event; resumed runs and replays never keep what the run has redone.
import { describe, expect, it } from 'vitest';
import { addEvent, cloneCurves, curvesFromEvents, emptyCurves, hasMethodData, hasSpdfData, showsDice } from '../../src/renderer/lib/curves';
import { MAX_SAMPLES, newestFirst } from '../../src/renderer/lib/spdf-samples';
import { meanZeroFraction, turnedDense } from '../../src/renderer/lib/spdf-sparsity';
import { ev } from './fake-api';
import { finetuneSummary, pretrainSummary, sev, table } from './spdf-events';

describe('sparsity snapshots', () => {
  it('keeps every snapshot, the first and the newest, and the mean zero fraction of each', () => {
    // A dense fine-tune of a 75 % model: step 0 carries the pre-training's zeros, then they fall.
    const c = curvesFromEvents([
      sev.sparsity(0, table(2, 0.75), { phase: 'finetune', masked: false }),
      sev.sparsity(10, table(2, (l, m) => (m === 4 ? 0.3 : 0.06)), { phase: 'finetune', masked: false }),
      sev.sparsity(20, table(2, 0), { phase: 'finetune', masked: false }),
    ]);
    const h = c.sparsity!;
    expect(h.steps).toEqual([0, 10, 20]);
    expect(h.first.step).toBe(0);
    expect(h.latest.step).toBe(20);
    // step 10: per layer (5 · 0.06 + 0.3) / 6 = 0.1
    expect(h.meanZero.map((v) => +v.toFixed(12))).toEqual([0.75, 0.1, 0]);
    expect(turnedDense(h.first)).toBe(true);
    expect(turnedDense(h.latest)).toBe(false); // no zeros left
    expect(hasSpdfData(c) && hasMethodData(c)).toBe(true);
    expect(showsDice(c)).toBe(false); // an SPDF run before its first validation has no Dice chart
  });

  it('a masked pre-training snapshot has not turned dense, nor a dense pre-training', () => {
    expect(turnedDense(curvesFromEvents([sev.sparsity(0, table(1, 0.5))]).sparsity!.first)).toBe(false);
    expect(turnedDense(curvesFromEvents([sev.sparsity(0, table(1, 0), { masked: false })]).sparsity!.first)).toBe(false);
    expect(meanZeroFraction([])).toBe(0);
  });

  it('a step seen again replaces it and what followed; a resume drops what it redoes', () => {
    const c = emptyCurves();
    for (const e of [sev.sparsity(0, table(1, 0.5)), sev.sparsity(10, table(1, 0.5)), sev.sparsity(20, table(1, 0.5))]) addEvent(c, e);
    addEvent(c, sev.sparsity(10, table(1, 0.25)));
    expect(c.sparsity!.steps).toEqual([0, 10]);
    expect(c.sparsity!.latest.zeroFraction[0][0]).toBe(0.25);
    addEvent(c, sev.started(5)); // resumed from the checkpoint at step 5
    expect(c.sparsity!.steps).toEqual([0]);
    expect(c.sparsity!.latest.step).toBe(0);
    addEvent(c, sev.started(0)); // keeps step 0
    expect(c.sparsity!.steps).toEqual([0]);
  });

  it('copies share the immutable history (a new step does not redraw the strip)', () => {
    const c = curvesFromEvents([sev.sparsity(0, table(1, 0.5)), ev.step(1)]);
    const copy = cloneCurves(c);
    expect(copy.sparsity).toBe(c.sparsity);
    addEvent(c, ev.step(2));
    expect(c.sparsity).toBe(copy.sparsity);
  });
});

describe('text samples', () => {
  it('keeps the newest MAX_SAMPLES in step order; the panel lists them newest first', () => {
    const c = curvesFromEvents(Array.from({ length: 25 }, (_, i) => sev.sample(10 * (i + 1), `text ${i + 1}`)));
    expect(MAX_SAMPLES).toBe(20);
    expect(c.samples).toHaveLength(20);
    expect(c.samples![0].step).toBe(60); // samples 1–5 (steps 10–50) dropped
    expect(newestFirst(c.samples!).map((s) => s.step).slice(0, 3)).toEqual([250, 240, 230]);
  });

  it('a replayed sample replaces itself, a resume drops the redone ones; two prompts at one step both stay', () => {
    const c = curvesFromEvents([sev.sample(10, 'a'), sev.sample(20, 'b'), sev.sample(20, 'x', 'name[y] => '), sev.sample(30, 'c')]);
    expect(c.samples!.map((s) => s.text)).toEqual(['a', 'b', 'x', 'c']);
    addEvent(c, sev.sample(20, 'b2'));
    expect(c.samples!.map((s) => s.text)).toEqual(['a', 'x', 'b2']);
    addEvent(c, sev.started(15));
    expect(c.samples!.map((s) => s.text)).toEqual(['a']);
    addEvent(c, sev.started(5));
    expect(c.samples).toBeNull();
  });
});

describe('SPDF summary from the done event', () => {
  it('keeps a pre-training or fine-tuning summary, ignores others, forgets it when the run resumes', () => {
    const c = curvesFromEvents([sev.sparsity(0, table(1, 0.75)), sev.done(pretrainSummary(0.75, 1.4, 1e9, 2.5e9))]);
    expect(c.spdfSummary).toMatchObject({ task: 'spdf-pretrain', sparsity: 0.75, valLoss: 1.4 });
    expect(addEvent(c, sev.done({ status: 'completed', steps: 3 }))).toBe(false); // not an SPDF summary
    expect(c.spdfSummary?.task).toBe('spdf-pretrain');
    addEvent(c, sev.started(50));
    expect(c.spdfSummary).toBeNull();
    const f = curvesFromEvents([sev.done(finetuneSummary(0.75, 'dense', 0.9, 61, 1e9))]);
    expect(f.spdfSummary).toMatchObject({ task: 'spdf-finetune', mode: 'dense', bleu: 61 });
    expect(hasSpdfData(f)).toBe(true);
  });

  it('a summary missing the contract’s keys is not an SPDF summary', () => {
    const { flops: _flops, ...noFlops } = pretrainSummary(0.5, 1.5, 1, 2);
    expect(curvesFromEvents([sev.done(noFlops)]).spdfSummary).toBeNull();
    expect(hasSpdfData(emptyCurves())).toBe(false);
  });
});
