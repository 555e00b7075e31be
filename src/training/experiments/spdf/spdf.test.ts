/**
 * The two SPDF experiments end to end on `frugal demo-data text` data (wasm, a 2-layer 32-wide GPT):
 * sparse pre-training keeps exactly 75 % zeros in every sparse matrix at every report and learns;
 * dense and sparse fine-tuning of that run start from the same validation loss (to 1e-6); dense
 * fine-tuning turns the re-enabled weights non-zero while sparse fine-tuning keeps the mask; both
 * learn; the FLOPs carry over; a stopped pre-training run resumes to the same losses.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { selectBackend, type BackendReport } from '../../backend/select';
import { writeDemoText } from '../../data/text/demo';
import { resumeRun, startRun } from '../../runs/driver';
import { collectEvents, stepLosses } from '../../../../test/run-events';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], t: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === t);
const summaryOf = (events: EngineEvent[]) => (events.at(-1) as Ev<'done'>).summary as Record<string, unknown>;

const pretrain = {
  tokenizer: 'char',
  size: 'tiny',
  nLayer: 2,
  dModel: 32,
  nHead: 2,
  contextLength: 128,
  sparsity: 0.75,
  steps: 40,
  batchSize: 8,
  lr: 3e-3,
  minLr: 3e-4,
  warmupSteps: 5,
  validateEvery: 20,
  valWindows: 8,
  sampleEvery: 20,
  sampleTokens: 8,
  checkpointEvery: 0,
  keepCheckpoints: 3,
};
const finetune = { maxSteps: 20, batchSize: 8, lr: 3e-3, warmupSteps: 2, validateEvery: 10, bleuExamples: 6, maxNewTokens: 30, sampleEvery: 10, checkpointEvery: 0 };

describe('SPDF experiments', () => {
  let root: string;
  let runs: string;
  let backend: BackendReport;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'frugal-spdf-'));
    runs = join(root, 'runs');
    await writeDemoText({ out: join(root, 'data') });
    backend = await selectBackend({ prefer: 'wasm' }); // the backend the experiments choose on a cpu-only machine (5× cpu here)
  });
  const go = (experimentId: string, overrides: Record<string, unknown>, signal = new AbortController().signal) => startRun({ experimentId, overrides, runsRoot: runs, backend, signal });

  it('pre-trains 75 % sparse, then fine-tunes dense and sparse from the same start', async () => {
    const before = tf.memory().numTensors;
    const pre = await collectEvents(go('spdf-pretrain', { ...pretrain, data: join(root, 'data', 'corpus') }));
    expect(pre.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 40 });
    const sp = ofType(pre, 'sparsity');
    expect(sp.map((e) => e.step)).toEqual([0, 20, 40]);
    for (const e of sp) {
      expect(e.masked).toBe(true);
      expect(e.zeroFraction).toHaveLength(2);
      for (const row of e.zeroFraction) expect(row).toEqual([0.75, 0.75, 0.75, 0.75, 0.75, 0.75]); // 768 of 1024, 3072 of 4096: exact
    }
    const val = ofType(pre, 'validation').map((e) => e.metrics.val_loss);
    expect(val.at(-1)!).toBeLessThan(val[0] - 1); // from ≈ ln 346 = 5.85
    expect(ofType(pre, 'text-sample').map((e) => [e.step, e.prompt, e.decoding])).toEqual([[20, 'The', 'greedy'], [40, 'The', 'greedy']]);
    const preSummary = summaryOf(pre);
    const flops = preSummary.flops as { tokens: number; spent: number; reduction: number };
    expect(flops.tokens).toBe(40 * 8 * 128);
    expect(flops.reduction).toBeGreaterThan(1);
    const runDir = (pre[0] as Ev<'started'>).runDir;

    const ft = async (mode: string) => collectEvents(go('spdf-finetune', { ...finetune, from: runDir, data: join(root, 'data', 'e2e'), mode }));
    const dense = await ft('dense');
    const sparse = await ft('sparse');
    for (const r of [dense, sparse]) expect(r.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 20 });
    const v0 = (r: EngineEvent[]) => ofType(r, 'validation')[0];
    expect(v0(dense).step).toBe(0);
    expect(Math.abs(v0(dense).metrics.val_loss - v0(sparse).metrics.val_loss)).toBeLessThanOrEqual(1e-6);
    for (const r of [dense, sparse]) {
      const losses = ofType(r, 'validation').map((e) => e.metrics.val_loss);
      expect(losses.at(-1)!).toBeLessThan(losses[0]); // fine-tuning learns
      expect(ofType(r, 'validation').every((e) => typeof e.metrics.bleu === 'number')).toBe(true);
      expect(ofType(r, 'text-sample')[0].reference).toBeTruthy();
    }
    // Dense FT: masks off at step 0 with the pre-training zeros, which then learn; sparse FT keeps them.
    const dsp = ofType(dense, 'sparsity');
    expect(dsp[0]).toMatchObject({ step: 0, phase: 'finetune', masked: false });
    expect(dsp[0].zeroFraction[0]).toEqual([0.75, 0.75, 0.75, 0.75, 0.75, 0.75]);
    for (const row of dsp.at(-1)!.zeroFraction) for (const f of row) expect(f).toBeLessThan(0.05);
    for (const e of ofType(sparse, 'sparsity')) {
      expect(e.masked).toBe(true);
      for (const row of e.zeroFraction) expect(row).toEqual([0.75, 0.75, 0.75, 0.75, 0.75, 0.75]);
    }
    const ds = summaryOf(dense);
    expect(ds.variant).toBe('Sparse 75 % → dense FT (SPDF)');
    expect(summaryOf(sparse).variant).toBe('Sparse 75 % → sparse FT');
    const dflops = ds.flops as { pretrain: { spent: number }; finetune: { spent: number; reduction: number } };
    expect(dflops.pretrain.spent).toBe(flops.spent);
    expect(dflops.finetune.reduction).toBe(1); // dense fine-tuning spends dense FLOPs
    expect((summaryOf(sparse).flops as { finetune: { reduction: number } }).finetune.reduction).toBeCloseTo(flops.reduction, 10);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('resumes a stopped pre-training run to the same losses', async () => {
    const over = { ...pretrain, data: join(root, 'data', 'corpus'), steps: 12, validateEvery: 6, sampleEvery: 0 };
    const full = stepLosses(await collectEvents(go('spdf-pretrain', over)));
    const ac = new AbortController();
    const a = await collectEvents(go('spdf-pretrain', over, ac.signal), (e) => {
      if (e.type === 'step' && e.step === 5) ac.abort();
    });
    expect(a.at(-1)).toMatchObject({ type: 'done', status: 'stopped', step: 5 });
    const b = await collectEvents(resumeRun({ run: (a[0] as Ev<'started'>).runId, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect((b[0] as Ev<'started'>).startStep).toBe(5);
    const resumed = new Map([...stepLosses(a), ...stepLosses(b)]);
    expect([...resumed.keys()]).toEqual([...full.keys()]);
    for (const [s, l] of full) expect(Math.abs(resumed.get(s)! - l)).toBeLessThan(1e-6);
  }, 300_000);
});
