// SPDF runs grouped by variant for the Runs view's comparison (lib/method-compare.ts with
// lib/spdf-numbers.ts): pre-training and fine-tuning apart, datasets apart, several runs of a variant
// averaged; a run's numbers from its events or from its summary (lib/method-summary.ts) agree.
import { describe, expect, it } from 'vitest';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { comparable, compareFamily, groupContinual, groupSpdfFinetune, groupSpdfPretrain, type RunForCompare, runFromCurves } from '../../src/renderer/lib/method-compare';
import { runFromSummary } from '../../src/renderer/lib/method-summary';
import type { EngineEvent } from '../../src/shared/events';
import { finetuneSummary, pretrainSummary, sev, table } from './spdf-events';

/** A pre-training run's events: validations at 50 and 100 (final loss `loss`), FLOPs at the end. */
function pretrainEvents(s: number, loss: number, spent: number, denseEquivalent: number, tokens = 1000): EngineEvent[] {
  return [
    sev.sparsity(0, table(2, s), { masked: s > 0, tokens: 0, spent: 0, denseEquivalent: 0 }),
    sev.validation(50, { val_loss: loss + 0.5, val_ppl: Math.exp(loss + 0.5) }),
    sev.validation(100, { val_loss: loss, val_ppl: Math.exp(loss) }),
    sev.sparsity(100, table(2, s), { masked: s > 0, tokens, spent, denseEquivalent }),
  ];
}
const pre = (id: string, s: number, loss: number, spent: number, dense: number, tokens?: number, data = 'corpus.txt'): RunForCompare =>
  runFromCurves(id, { data, sparsity: s }, curvesFromEvents(pretrainEvents(s, loss, spent, dense, tokens)));
const fromSummary = (id: string, summary: Record<string, unknown>): RunForCompare => runFromSummary({ id, status: 'completed', summary })!;

describe('SPDF pre-training across runs', () => {
  const runs = [pre('s75a', 0.75, 1.44, 2.4e9, 6e9), pre('d', 0, 1.3, 6e9, 6e9), pre('s75b', 0.75, 1.48, 2.64e9, 6.6e9, 1100), pre('s50', 0.5, 1.36, 3.6e9, 6e9)];

  it('one group per variant, dense first, then by sparsity; fine-tuning groups stay empty', () => {
    const groups = groupSpdfPretrain(runs);
    expect(groups.map((g) => [g.variant, g.runIds])).toEqual([
      ['Dense', ['d']],
      ['Sparse 50 %', ['s50']],
      ['Sparse 75 %', ['s75a', 's75b']],
    ]);
    expect(groupSpdfFinetune(runs)).toEqual([]);
    expect(groupContinual(runs)).toEqual([]);
    expect(runs.every(comparable)).toBe(true);
  });

  it('averages final numbers and curves over a variant’s runs; reduction = dense-equivalent / spent FLOPs', () => {
    const [dense, s50, s75] = groupSpdfPretrain(runs);
    expect(s75.finalValLoss).toBeCloseTo((1.44 + 1.48) / 2, 12);
    expect(s75.perplexity).toBeCloseTo((Math.exp(1.44) + Math.exp(1.48)) / 2, 12);
    expect(s75.steps).toEqual([50, 100]);
    expect(s75.valLoss.map((v) => +v!.toFixed(12))).toEqual([1.96, 1.46]); // (1.94 + 1.98) / 2, (1.44 + 1.48) / 2
    expect(s75.tokens).toBe(1050);
    // spent (2.4e9 + 2.64e9) / 2 = 2.52e9; dense (6e9 + 6.6e9) / 2 = 6.3e9; 6.3 / 2.52 = 2.5×
    expect(s75.flopsSpent).toBeCloseTo(2.52e9, 0);
    expect(s75.reduction).toBeCloseTo(2.5, 12);
    expect(s50.reduction).toBeCloseTo(6 / 3.6, 12);
    expect(dense.reduction).toBe(1);
    expect(s75.bleu).toBeNull();
    expect(s75.pretrainFlops).toBeNull();
  });

  it('keeps runs on different corpora apart, labelled with the corpus', () => {
    const groups = groupSpdfPretrain([pre('a', 0.75, 1.4, 1, 2, 1, 'shakespeare.txt'), pre('b', 0.75, 1.6, 1, 2, 1, 'moby-dick.txt'), pre('c', 0, 1.3, 2, 2, 1, 'moby-dick.txt')]);
    expect(groups.map((g) => g.variant)).toEqual(['moby-dick.txt · Dense', 'moby-dick.txt · Sparse 75 %', 'shakespeare.txt · Sparse 75 %']);
  });

  it('a run’s summary gives the numbers its events give', () => {
    const summary = pretrainSummary(0.75, 1.44, 2.4e9, 6e9, { data: 'corpus.txt' });
    const events = pretrainEvents(0.75, 1.44, 2.4e9, 6e9);
    expect(fromSummary('x', summary)).toEqual(runFromCurves('x', { data: 'corpus.txt', sparsity: 0.75 }, curvesFromEvents(events)));
    // The events folded with their done event read the summary too.
    expect(runFromCurves('x', { data: 'corpus.txt' }, curvesFromEvents([...events, sev.done(summary)]))).toEqual(fromSummary('x', summary));
  });

  it('without the config’s sparsity the variant comes from the zeros of the first snapshot', () => {
    const r = runFromCurves('x', {}, curvesFromEvents(pretrainEvents(0.5, 1.4, 1, 2)));
    expect(r.method).toBe('Sparse 50 %');
    expect(r.trainedOn).toBeNull();
  });
});

describe('SPDF fine-tuning across runs', () => {
  const runs = [
    fromSummary('sd1', finetuneSummary(0.75, 'dense', 0.97, 61, 2.4e9)),
    fromSummary('ss', finetuneSummary(0.75, 'sparse', 1.05, 57, 2.4e9)),
    fromSummary('dd', finetuneSummary(0, 'dense', 0.95, 62, 6e9)),
    fromSummary('sd2', finetuneSummary(0.75, 'dense', 0.99, 60, 2.64e9)),
  ];

  it('one group per variant: dense → dense, sparse → sparse FT, sparse → dense FT (SPDF)', () => {
    const groups = groupSpdfFinetune(runs);
    expect(groups.map((g) => [g.variant, g.runIds])).toEqual([
      ['Dense → dense FT', ['dd']],
      ['Sparse 75 % → sparse FT', ['ss']],
      ['Sparse 75 % → dense FT (SPDF)', ['sd1', 'sd2']],
    ]);
    expect(groupSpdfPretrain(runs)).toEqual([]);
  });

  it('averages loss, BLEU (final and per step) and the pre-training FLOPs of the models they started from', () => {
    const spdf = groupSpdfFinetune(runs)[2];
    expect(spdf.finalValLoss).toBeCloseTo(0.98, 12);
    expect(spdf.finalBleu).toBe(60.5);
    expect(spdf.steps).toEqual([20, 40]);
    expect(spdf.bleu).toEqual([50.5, 60.5]); // (51 + 50) / 2, (61 + 60) / 2
    expect(spdf.pretrainFlops).toBeCloseTo(2.52e9, 0); // (2.4e9 + 2.64e9) / 2
    expect(spdf.flopsSpent).toBe(1e8); // fine-tuning FLOPs (dense: no reduction)
    expect(spdf.reduction).toBe(1);
  });

  it('a fine-tune folded from its events joins its variant; its pre-training FLOPs stay unknown', () => {
    // Dense fine-tune of a 75 % model: step 0 unmasked with the pre-training's zeros (round(s·n)/n per matrix).
    const events = [
      sev.sparsity(0, table(2, (_l, m) => (m < 4 ? 768 / 1024 : 3072 / 4096 - 1 / 4096)), { phase: 'finetune', masked: false, tokens: 0, spent: 0, denseEquivalent: 0 }),
      sev.validation(20, { val_loss: 1.2, val_ppl: Math.exp(1.2), bleu: 49 }),
      sev.sparsity(20, table(2, 0), { phase: 'finetune', masked: false, tokens: 100, spent: 5e7, denseEquivalent: 5e7 }),
    ];
    const live = runFromCurves('live', { from: '/runs/pre', data: 'e2e/' }, curvesFromEvents(events));
    expect(live.method).toBe('Sparse 75 % → dense FT (SPDF)');
    expect(live.spdf).toMatchObject({ phase: 'finetune', mode: 'dense', sparsity: 0.75, finalBleu: 49, pretrainFlops: null, flops: { spent: 5e7, denseEquivalent: 5e7 } });
    // The summaries name no dataset, the live run's config does: they join its one dataset.
    const spdf = groupSpdfFinetune([...runs, live])[2];
    expect(spdf.runIds).toEqual(['sd1', 'sd2', 'live']);
    expect(spdf.pretrainFlops).toBeCloseTo(2.52e9, 0); // the mean of the runs that know it
    expect(spdf.bleu).toEqual([(51 + 50 + 49) / 3, 60.5]);
    // A sparse fine-tune keeps its masks: masked at step 0, named from the config or the event.
    const sparse = runFromCurves('s', {}, curvesFromEvents([sev.sparsity(0, table(1, 0.5), { phase: 'finetune', masked: true })]));
    expect(sparse.method).toBe('Sparse 50 % → sparse FT');
  });

  it('a fine-tune’s summary gives the numbers its events give, besides the pre-training FLOPs only it knows', () => {
    const summary = finetuneSummary(0.75, 'sparse', 1.05, 57, 2.4e9, { data: 'e2e/' });
    const events = [
      sev.sparsity(0, table(2, 0.75), { phase: 'finetune', masked: true, tokens: 0, spent: 0, denseEquivalent: 0 }),
      sev.validation(20, { val_loss: 1.25, val_ppl: Math.exp(1.25), bleu: 47 }),
      sev.validation(40, { val_loss: 1.05, val_ppl: Math.exp(1.05), bleu: 57 }),
      sev.sparsity(40, table(2, 0.75), { phase: 'finetune', masked: true, tokens: 200, spent: 1e8, denseEquivalent: 1e8 }),
    ];
    const s = fromSummary('x', summary);
    const e = runFromCurves('x', { from: 'pre', data: 'e2e/', mode: 'sparse' }, curvesFromEvents(events));
    expect(e).toEqual({ ...s, spdf: { ...s.spdf!, pretrainFlops: null } });
  });

  it('no numbers from a summary that is not current', () => {
    expect(runFromSummary({ id: 'a', status: 'running', summary: finetuneSummary(0.75, 'dense', 1, 60, 1) })).toBeNull();
    expect(runFromSummary({ id: 'a', status: 'stopped', summary: { ...finetuneSummary(0.75, 'dense', 1, 60, 1), status: 'stopped' } })).not.toBeNull();
  });
});

describe('compareFamily', () => {
  it("compares SPDF's pre-training and fine-tuning runs together, any other experiment alone", () => {
    expect(compareFamily('spdf-finetune')).toEqual({ label: 'SPDF', experiments: ['spdf-pretrain', 'spdf-finetune'] });
    expect(compareFamily('spdf-pretrain').experiments).toContain('spdf-finetune');
    expect(compareFamily('spl-advise')).toEqual({ label: 'spl-advise', experiments: ['spl-advise'] });
  });
});
