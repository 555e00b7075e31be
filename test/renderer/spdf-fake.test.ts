// The dev fake's SPDF experiments (src/renderer/dev/fake-spdf.ts): its experiment descriptions are
// the engine's (method-experiments.json, which test/renderer/fake-methods.test.ts keeps equal), its
// configs are ones the engine accepts, its events speak the engine's schemas, and its summaries give
// the numbers its events give, so `?fake` shows what real SPDF runs would show.
import { describe, expect, it } from 'vitest';
import { findPastPretrain, finetuneTicks, PAST_SPDF_RUNS, pretrainTicks, shapeOf, spdfFinetuneExperiment, spdfPretrainExperiment, spdfSummary, spdfTicks } from '../../src/renderer/dev/fake-spdf';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { groupSpdfFinetune, groupSpdfPretrain, runFromCurves } from '../../src/renderer/lib/method-compare';
import { runFromSummary } from '../../src/renderer/lib/method-summary';
import { meanZeroFraction } from '../../src/renderer/lib/spdf-sparsity';
import { spdfSummaryOf } from '../../src/renderer/lib/spdf-summary';
import { EngineEvent } from '../../src/shared/events';
import { FLOP_SHAPES, flopReduction } from '../../src/shared/spdf-flops';
import { engineModule } from './engine';

const T = '2025-01-01T00:00:00.000Z';
const parsed = (ticks: ReturnType<typeof pretrainTicks>) => ticks.flat().map((e) => EngineEvent.parse({ ...e, time: T }));
interface ConfigModule {
  resolveConfig(exp: unknown, opts: { preset?: string; overrides?: Record<string, unknown> }): Record<string, unknown>;
}
interface Registry {
  getExperiment(id: string): unknown;
}
const past = (id: string) => PAST_SPDF_RUNS.find((r) => r.id === id)!;
const eventsOf = (id: string) => parsed(spdfTicks(past(id).experiment, past(id).config, findPastPretrain));

describe('dev fake SPDF experiments: the engine’s', () => {
  it('past runs have configs the engine accepts; the fake serves both experiments from the engine’s descriptions', async () => {
    const { resolveConfig } = await engineModule<ConfigModule>('experiments/config');
    const { getExperiment } = await engineModule<Registry>('experiments/registry');
    expect(PAST_SPDF_RUNS.map((r) => r.experiment)).toEqual([...Array(3).fill('spdf-pretrain'), ...Array(3).fill('spdf-finetune')]);
    for (const r of PAST_SPDF_RUNS) expect(() => resolveConfig(getExperiment(r.experiment), { overrides: r.config }), r.id).not.toThrow();
    expect(Object.keys(spdfPretrainExperiment.configSchema.properties as object)).toEqual(expect.arrayContaining(['data', 'tokenizer', 'sparsity', 'nLayer', 'dModel', 'nHead', 'contextLength', 'steps', 'batchSize', 'lr', 'seed', 'sampleEvery', 'samplePrompt']));
    expect(Object.keys(spdfFinetuneExperiment.configSchema.properties as object)).toEqual(expect.arrayContaining(['from', 'data', 'format', 'mode', 'batchSize', 'lr', 'seed']));
  }, 60_000);
});

describe('dev fake SPDF runs', () => {
  it('pre-training: valid events; a snapshot at step 0 and after each validation; samples every sampleEvery', () => {
    const { config } = past('20251121-1200-spdf-s75'); // cpu-demo: 600 steps, validate every 100, sample every 100
    const c = curvesFromEvents(eventsOf('20251121-1200-spdf-s75'));
    expect(c.steps).toHaveLength(600);
    expect(c.valSteps).toEqual([100, 200, 300, 400, 500, 600]);
    expect(c.sparsity!.steps).toEqual([0, 100, 200, 300, 400, 500, 600]);
    expect(c.sparsity!.latest).toMatchObject({ phase: 'pretrain', masked: true, matrices: ['q', 'k', 'v', 'o', 'fc', 'proj'] });
    expect(c.sparsity!.latest.zeroFraction).toHaveLength(4); // tiny: 4 layers
    expect(c.sparsity!.meanZero.every((z) => Math.abs(z - 0.75) < 1e-12)).toBe(true); // exactly round(s·n)/n of each matrix
    // FLOPs: 600 steps × batch × context tokens; 75 % sparse, on the tiny GPT with GPT-2's BPE cut to 2048 merges (257 + 2048 tokens).
    const f = c.sparsity!.latest.flops;
    expect(f.tokens).toBe(600 * Number(config.batchSize) * Number(config.contextLength));
    expect(shapeOf(config)).toEqual({ nLayer: 4, dModel: 128, nHead: 4, ffnWidth: 512, contextLength: config.contextLength, vocabSize: 2305 });
    expect(f.denseEquivalent / f.spent).toBeCloseTo(flopReduction(shapeOf(config), 0.75), 12);
    expect(c.samples!.map((s) => s.step)).toEqual([100, 200, 300, 400, 500, 600]);
    expect(c.samples![0]).toMatchObject({ prompt: 'The', decoding: 'greedy' });
    expect(c.val.val_ppl[5]).toBeCloseTo(Math.exp(c.val.val_loss[5]!), 12);
  });

  it('fine-tuning: dense drops the masks (zeros from pre-training at step 0, then gone), sparse keeps them', () => {
    const spdf = curvesFromEvents(eventsOf('20251121-1700-ft-s75-spdf'));
    expect(spdf.sparsity!.first).toMatchObject({ step: 0, phase: 'finetune', masked: false });
    expect(meanZeroFraction(spdf.sparsity!.first.zeroFraction)).toBeCloseTo(0.75, 12);
    expect(spdf.sparsity!.meanZero.at(-1)).toBeLessThan(1e-6);
    expect(spdf.sparsity!.latest.flops.spent).toBe(spdf.sparsity!.latest.flops.denseEquivalent); // dense fine-tuning
    const sparse = curvesFromEvents(eventsOf('20251121-1600-ft-s75-sparse'));
    expect(sparse.sparsity!.latest.masked).toBe(true);
    expect(sparse.sparsity!.meanZero.every((z) => Math.abs(z - 0.75) < 1e-12)).toBe(true);
    expect(spdf.val.bleu.at(-1)).toBeGreaterThan(sparse.val.bleu.at(-1)!);
    expect(spdf.samples!.at(-1)!.reference).toMatch(/\.$/);
  });

  it('a fine-tune must start from a pre-training run', () => {
    expect(() => finetuneTicks({ from: '/nowhere', data: 'e2e' }, findPastPretrain)).toThrow("config of 'spdf-finetune': from: '/nowhere' is not an spdf-pretrain run");
    expect(findPastPretrain('20251121-1000-spdf-dense')?.id).toBe('20251121-1000-spdf-dense');
    expect(findPastPretrain('/home/user/.frugal/runs/20251121-1000-spdf-dense/checkpoints/best')?.id).toBe('20251121-1000-spdf-dense');
  });

  it('summaries have the contract’s keys and give the numbers the events give', () => {
    for (const r of PAST_SPDF_RUNS) {
      const ticks = spdfTicks(r.experiment, r.config, findPastPretrain);
      const summary = spdfSummary(r.experiment, r.config, ticks, 'completed', findPastPretrain);
      expect(spdfSummaryOf(summary), r.id).not.toBeNull();
      const s = runFromSummary({ id: r.id, status: 'completed', summary })!;
      const e = runFromCurves(r.id, r.config, curvesFromEvents(parsed(ticks)));
      expect(e, r.id).toEqual({ ...s, spdf: { ...s.spdf!, pretrainFlops: null } }); // only the summary knows a fine-tune's pre-training
    }
  });

  it('the past runs compare as the paper says: sparse pre-training costs fewer FLOPs; SPDF recovers most of the BLEU', () => {
    const runs = PAST_SPDF_RUNS.map((r) => runFromSummary({ id: r.id, status: 'completed', summary: spdfSummary(r.experiment, r.config, spdfTicks(r.experiment, r.config, findPastPretrain), 'completed', findPastPretrain) })!);
    const pre = groupSpdfPretrain(runs);
    expect(pre.map((g) => g.variant)).toEqual(['Dense', 'Sparse 50 %', 'Sparse 75 %']);
    expect(pre[0].reduction).toBe(1);
    const tiny = shapeOf(past('20251121-1000-spdf-dense').config);
    expect(pre[1].reduction).toBeCloseTo(flopReduction(tiny, 0.5), 12);
    expect(pre[2].reduction).toBeCloseTo(flopReduction(tiny, 0.75), 12);
    expect(flopReduction(FLOP_SHAPES['gpt3-xl'], 0.75)).toBeCloseTo(2.49, 2);
    const ft = groupSpdfFinetune(runs);
    expect(ft.map((g) => g.variant)).toEqual(['Dense → dense FT', 'Sparse 75 % → sparse FT', 'Sparse 75 % → dense FT (SPDF)']);
    const [dd, ss, sd] = ft;
    expect(sd.finalBleu!).toBeGreaterThan(ss.finalBleu!);
    expect(dd.finalBleu! - sd.finalBleu!).toBeLessThan(3); // within a few BLEU points (METHODS.md §1, acceptance 4)
    expect(sd.pretrainFlops).toBe(pre[2].flopsSpent); // started from the 75 % run
    expect(dd.pretrainFlops).toBe(pre[0].flopsSpent);
  });
});
