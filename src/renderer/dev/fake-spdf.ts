/**
 * Dev-only: the two SPDF experiments ('spdf-pretrain', 'spdf-finetune') for the in-memory fake API,
 * with event streams shaped exactly like the engine's (src/shared/events.ts): 'step' events, a
 * 'validation' (val_loss, val_ppl; fine-tuning adds bleu) every `validateEvery` steps and at the
 * end, a 'sparsity' snapshot at step 0 and after every validation, a 'text-sample' every
 * `sampleEvery` steps; summaries with the contract's keys. FLOPs come from the one calculator
 * (shared/spdf-flops.ts); losses, BLEU and texts are made up but plausible (sparser pre-training
 * ends a little higher; dense fine-tuning of a sparse model recovers most of the gap, sparse
 * fine-tuning less). A run is a list of ticks; the fake emits one per timer.
 */
import type { EngineEventInput } from '../../shared/events';
import { type FlopShape, flopReport, type FlopReport } from '../../shared/spdf-flops';
import { finetuneVariant } from '../../shared/spdf-variant';
import { GPT_SIZE_SHAPES } from '../lib/spdf-flops-view';
import { fakeConfig, rng, servedExperiment, type Tick } from './fake-methods';

export const spdfPretrainExperiment = servedExperiment('spdf-pretrain');
export const spdfFinetuneExperiment = servedExperiment('spdf-finetune');
export const isSpdf = (experiment: string): boolean => experiment === spdfPretrainExperiment.id || experiment === spdfFinetuneExperiment.id;

const MATRICES = ['q', 'k', 'v', 'o', 'fc', 'proj'];
/** Distinct characters of the fake corpus: the char tokenizer's vocabulary is 257 + these. */
const CORPUS_CHARS = 78;
/** Ticks a run is cut into at most (a 4778-step run would take ten minutes at one step per tick). */
const MAX_TICKS = 240;
/** Tokens of one fake E2E example (meaning representation + reference, in characters). */
const EXAMPLE_TOKENS = 150;
const E2E_TRAIN_EXAMPLES = 4200;

/** What a fine-tune needs of the run it starts from (the fake API looks runs up by `from`). */
export interface PretrainRef {
  id: string;
  dir: string;
  config: Record<string, unknown>;
  summary?: Record<string, unknown> | null;
}
export type FindPretrain = (from: string) => PretrainRef | null;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** The GPT a pre-training config describes, as the FLOP calculator wants it, and its heads. */
export function shapeOf(config: Record<string, unknown>): FlopShape & { nHead: number } {
  const size = GPT_SIZE_SHAPES[String(config.size) as keyof typeof GPT_SIZE_SHAPES] ?? GPT_SIZE_SHAPES['gpt2-small'];
  const dModel = num(config.dModel, 0) || size.dModel;
  const vocabSize = config.tokenizer === 'char' ? 257 + Math.min(num(config.maxChars, 256), CORPUS_CHARS) : config.tokenizer === 'gpt2-merges' ? 257 + num(config.bpeMerges, 2048) : 50257;
  return { nLayer: num(config.nLayer, 0) || size.nLayer, dModel, nHead: num(config.nHead, 0) || size.nHead, ffnWidth: 4 * dModel, contextLength: num(config.contextLength, 2048), vocabSize };
}

const memory = (s: number) => ({ tensors: 140 + (s % 3), tensorBytes: 6.2e6, rssBytes: 3.1e8 + 2e4 * s });

/** Steps of each tick: all steps in order, at most MAX_TICKS ticks. */
function chunks(total: number): number[][] {
  const per = Math.max(1, Math.ceil(total / MAX_TICKS));
  return Array.from({ length: Math.ceil(total / per) }, (_, i) => Array.from({ length: Math.min(per, total - i * per) }, (_, k) => i * per + k + 1));
}

const validates = (step: number, total: number, every: number): boolean => step === total || (every > 0 && step % every === 0);

/** A sparsity snapshot: every matrix at `zero(layer, matrix)` zeros, masked or not, FLOPs on `tokens`. */
function sparsityEvent(step: number, phase: 'pretrain' | 'finetune', masked: boolean, shape: FlopShape, zero: (l: number, m: number) => number, flopSparsity: number, tokens: number, pretrain?: FlopReport): EngineEventInput {
  const r = flopReport(shape, flopSparsity, tokens);
  const zeroFraction = Array.from({ length: shape.nLayer }, (_, l) => MATRICES.map((_, m) => zero(l, m)));
  const pre = pretrain ? { pretrain: { tokens: pretrain.tokens, spent: pretrain.spent, denseEquivalent: pretrain.denseEquivalent } } : {};
  return { type: 'sparsity', step, phase, masked, matrices: MATRICES, zeroFraction, flops: { tokens, spent: r.spent, denseEquivalent: r.denseEquivalent, ...pre } };
}

/** Exactly round(s·n) of n weights are masked: the zero fraction of each matrix of a d-wide block. */
function maskedFraction(s: number, d: number, m: number): number {
  const n = MATRICES[m] === 'fc' || MATRICES[m] === 'proj' ? 4 * d * d : d * d;
  return Math.round(s * n) / n;
}

const PASSAGE =
  'The sea was calm that morning, and the old ship rode at anchor in the bay while the crew mended the sails. ' +
  'Nobody spoke of the storm; they had seen worse, and the captain said the weather would hold until the tide turned. ';
const NOISE = 'etaoinshrdlu cmfwypvbgkqjxz.,';

/** A continuation that reads better as `quality` (0–1) grows: each character right with that probability. */
function continuation(rand: () => number, quality: number, length: number): string {
  const start = Math.floor(rand() * 60);
  return Array.from(PASSAGE.slice(start, start + length), (c) => (rand() < quality ? c : NOISE[Math.floor(rand() * NOISE.length)])).join('');
}

const decodingOf = (config: Record<string, unknown>): string => (config.decoding === 'sample' ? `top-k ${num(config.topK, 40)}, temperature ${num(config.temperature, 0.8)}` : 'greedy');

/** Pre-training: the loss falls towards a floor that sparsity raises a little. */
export function pretrainTicks(overrides: Record<string, unknown>): Tick[] {
  const config = fakeConfig(spdfPretrainExperiment, overrides);
  const shape = shapeOf(config);
  const s = num(config.sparsity, 0.75);
  const total = num(config.steps, 600);
  const tokensPerStep = num(config.batchSize, 8) * shape.contextLength;
  const rand = rng(num(config.seed, 0) * 31 + Math.round(s * 100));
  const floor = 1.35 + 0.32 * s * s;
  const lossAt = (step: number): number => floor + (Math.log(shape.vocabSize) - floor) * Math.exp(-step / (total / 6));
  const snapshot = (step: number) => sparsityEvent(step, 'pretrain', s > 0, shape, (_l, m) => maskedFraction(s, shape.dModel, m), s, step * tokensPerStep);
  const ticks: Tick[] = [[snapshot(0)]];
  for (const steps of chunks(total)) {
    const tick: Tick = [];
    for (const step of steps) {
      tick.push({ type: 'step', step, totalSteps: total, epoch: (step * tokensPerStep) / 1.1e6, loss: lossAt(step) + 0.06 * (rand() - 0.5), lr: num(config.lr, 6e-4), stepMs: 95, etaSec: (total - step) * 0.095, memory: memory(step) });
      if (validates(step, total, num(config.validateEvery, 500))) {
        const valLoss = lossAt(step) + 0.05 + 0.01 * rand();
        tick.push({ type: 'validation', step, epoch: (step * tokensPerStep) / 1.1e6, on: `${num(config.valWindows, 64)} held-out sequences of ${shape.contextLength} tokens (the last ${num(config.valFraction, 0.05) * 100} % of the corpus)`, metrics: { val_loss: valLoss, val_ppl: Math.exp(valLoss) }, best: true });
        tick.push(snapshot(step));
      }
      const every = num(config.sampleEvery, 100);
      if (every > 0 && step % every === 0) {
        tick.push({ type: 'text-sample', step, prompt: String(config.samplePrompt ?? 'The'), text: continuation(rand, (1 - Math.exp(-step / (total / 4))) * (1 - 0.12 * s), num(config.sampleTokens, 64)), decoding: decodingOf(config) });
      }
    }
    ticks.push(tick);
  }
  return ticks;
}

/** E2E-style inputs and references for the fine-tuning samples. */
const E2E = [
  { mr: 'name[The Eagle], eatType[coffee shop], food[French], priceRange[moderate], area[riverside]', ref: 'The Eagle is a moderately priced French coffee shop by the riverside.' },
  { mr: 'name[Alimentum], food[Italian], customer rating[high], area[city centre]', ref: 'Alimentum serves Italian food in the city centre and is rated highly by customers.' },
  { mr: 'name[The Punter], eatType[pub], priceRange[cheap], familyFriendly[yes]', ref: 'The Punter is a cheap, family friendly pub.' },
];

/** Each word of the reference kept with probability `quality`, else dropped or swapped for another of its words. */
function realise(rand: () => number, ref: string, quality: number): string {
  const words = ref.split(' ');
  return words
    .flatMap((w) => (rand() < quality ? [w] : rand() < 0.5 ? [] : [words[Math.floor(rand() * words.length)]]))
    .join(' ');
}

/** Final BLEU per variant (made up; dense fine-tuning recovers most of a sparse model's gap, METHODS.md §1). */
const finalBleu = (s: number, mode: 'dense' | 'sparse'): number => (s === 0 ? 62.4 : mode === 'dense' ? 62.4 - 2.2 * s : 62.4 - 7.5 * s);

export function pretrainOf(config: Record<string, unknown>, find: FindPretrain): PretrainRef {
  const from = String(config.from ?? '');
  const ref = from ? find(from) : null;
  if (!ref) throw new Error(`config of 'spdf-finetune': from: '${from}' is not an spdf-pretrain run (its folder, its id or one of its checkpoint files)`);
  return ref;
}

/** The pre-training FLOPs of the run a fine-tune starts from: its summary's, or (still running) from its config. */
function pretrainFlops(ref: PretrainRef): FlopReport {
  const f = ref.summary?.flops as FlopReport | undefined;
  if (f && typeof f.spent === 'number') return f;
  const shape = shapeOf(ref.config);
  return flopReport(shape, num(ref.config.sparsity, 0), num(ref.config.steps, 600) * num(ref.config.batchSize, 8) * shape.contextLength);
}

/** Fine-tuning: dense drops the masks (the zeros vanish within a few steps), sparse keeps them. */
export function finetuneTicks(overrides: Record<string, unknown>, find: FindPretrain): Tick[] {
  const config = fakeConfig(spdfFinetuneExperiment, overrides);
  const pre = pretrainOf(config, find);
  const shape = shapeOf(pre.config);
  const s = num(pre.config.sparsity, 0);
  const mode = config.mode === 'sparse' ? 'sparse' : 'dense';
  const masked = mode === 'sparse' && s > 0;
  const batch = num(config.batchSize, 32);
  const total = num(config.maxSteps, 0) || num(config.epochs, 1) * Math.ceil(E2E_TRAIN_EXAMPLES / batch);
  const tokensPerStep = batch * Math.min(EXAMPLE_TOKENS, shape.contextLength);
  const rand = rng(num(config.seed, 0) * 37 + Math.round(s * 100) + (mode === 'dense' ? 1 : 0));
  const bleuEnd = finalBleu(s, mode);
  const floor = 0.92 + (masked ? 0.16 : 0.03) * s;
  const lossAt = (step: number): number => floor + 2.1 * Math.exp(-step / (total / 5));
  const zero = (step: number) => (_l: number, m: number) => (masked ? maskedFraction(s, shape.dModel, m) : maskedFraction(s, shape.dModel, m) * Math.exp(-step * (0.8 + 0.1 * m)));
  const preFlops = pretrainFlops(pre);
  const snapshot = (step: number) => sparsityEvent(step, 'finetune', masked, shape, zero(step), masked ? s : 0, step * tokensPerStep, preFlops);
  const ticks: Tick[] = [[snapshot(0)]];
  for (const steps of chunks(total)) {
    const tick: Tick = [];
    for (const step of steps) {
      tick.push({ type: 'step', step, totalSteps: total, epoch: (step * batch) / E2E_TRAIN_EXAMPLES, loss: lossAt(step) + 0.05 * (rand() - 0.5), lr: num(config.lr, 1e-4), stepMs: 70, etaSec: (total - step) * 0.07, memory: memory(step) });
      if (validates(step, total, num(config.validateEvery, 0))) {
        const valLoss = lossAt(step) + 0.04 + 0.01 * rand();
        const bleu = Math.max(0, bleuEnd * (1 - Math.exp(-step / (total / 4))) + 0.6 * (rand() - 0.5));
        tick.push({ type: 'validation', step, epoch: (step * batch) / E2E_TRAIN_EXAMPLES, on: `630 validation examples (loss); BLEU on the first ${num(config.bleuExamples, 100)} inputs, greedy`, metrics: { val_loss: valLoss, val_ppl: Math.exp(valLoss), bleu }, best: true });
        tick.push(snapshot(step));
      }
      const every = num(config.sampleEvery, 50);
      if (every > 0 && step % every === 0) {
        const ex = E2E[(step / every) % E2E.length];
        tick.push({ type: 'text-sample', step, prompt: `${ex.mr} => `, text: realise(rand, ex.ref, Math.min(0.97, (bleuEnd / 65) * (1 - Math.exp(-step / (total / 4))))), decoding: 'greedy', reference: ex.ref });
      }
    }
    ticks.push(tick);
  }
  return ticks;
}

export const spdfTicks = (experiment: string, config: Record<string, unknown>, find: FindPretrain): Tick[] =>
  experiment === spdfPretrainExperiment.id ? pretrainTicks(config) : finetuneTicks(config, find);

const of = <T extends EngineEventInput['type']>(events: readonly EngineEventInput[], t: T) => events.filter((e): e is Extract<EngineEventInput, { type: T }> => e.type === t);

/** The summary the engine writes when an SPDF run finishes or stops, with the contract's keys. */
export function spdfSummary(experiment: string, overrides: Record<string, unknown>, ticks: readonly Tick[], status: 'completed' | 'stopped', find: FindPretrain): Record<string, unknown> {
  const events = ticks.flat();
  const steps = of(events, 'step');
  const vals = of(events, 'validation');
  const last = vals.at(-1)?.metrics;
  const tokens = of(events, 'sparsity').at(-1)?.flops.tokens ?? 0;
  const common = { status, steps: steps.length, totalSteps: steps[0]?.totalSteps ?? 0, trainSeconds: steps.length * 0.09, backend: 'wasm', valLoss: last?.val_loss ?? null, valPerplexity: last?.val_ppl ?? null };
  if (experiment === spdfPretrainExperiment.id) {
    const config = fakeConfig(spdfPretrainExperiment, overrides);
    const shape = shapeOf(config);
    const s = num(config.sparsity, 0.75);
    const d = shape.dModel;
    const sparseParameters = shape.nLayer * 12 * d * d;
    const parameters = shape.vocabSize * d + shape.contextLength * d + shape.nLayer * (12 * d * d + 13 * d) + 2 * d;
    return {
      task: 'spdf-pretrain',
      ...common,
      sparsity: s,
      model: { nLayer: shape.nLayer, dModel: d, nHead: shape.nHead, contextLength: shape.contextLength, vocabSize: shape.vocabSize, ffnWidth: shape.ffnWidth, parameters, sparseParameters },
      tokenizer: config.tokenizer,
      tokens,
      tokensPerSecond: steps.length ? tokens / (steps.length * 0.09) : 0,
      flops: flopReport(shape, s, tokens),
      curves: vals.map((v) => ({ step: v.step, valLoss: v.metrics.val_loss })),
      data: config.data,
    };
  }
  const config = fakeConfig(spdfFinetuneExperiment, overrides);
  const pre = pretrainOf(config, find);
  const s = num(pre.config.sparsity, 0);
  const mode = config.mode === 'sparse' ? 'sparse' : 'dense';
  const samples = of(events, 'text-sample');
  return {
    task: 'spdf-finetune',
    ...common,
    mode,
    pretrainSparsity: s,
    pretrainRun: pre.id,
    variant: finetuneVariant(s, mode),
    flops: { pretrain: pretrainFlops(pre), finetune: flopReport(shapeOf(pre.config), mode === 'sparse' ? s : 0, tokens) },
    bleu: last?.bleu ?? null,
    curves: vals.map((v) => ({ step: v.step, valLoss: v.metrics.val_loss, bleu: v.metrics.bleu })),
    samples: samples.slice(-10).map((x) => ({ source: x.prompt.replace(/ => $/, ''), references: [x.reference ?? ''], output: x.text })),
    data: config.data,
  };
}

const RUNS_ROOT = '/home/user/.frugal/runs';
const CORPUS = '/home/user/frugal-demo/text/corpus';
const E2E_DATA = '/home/user/frugal-demo/text/e2e';

/** Finished SPDF runs for the Runs view: three pre-training variants and the three fine-tuning variants. */
export const PAST_SPDF_RUNS: { id: string; experiment: string; preset: string; config: Record<string, unknown>; day: number }[] = [
  ...([['20251121-1000-spdf-dense', 0], ['20251121-1100-spdf-s50', 0.5], ['20251121-1200-spdf-s75', 0.75]] as const).map(([id, sparsity]) => ({
    id,
    experiment: spdfPretrainExperiment.id,
    preset: 'cpu-demo',
    config: fakeConfig(spdfPretrainExperiment, { data: CORPUS, sparsity }, 'cpu-demo'),
    day: 21,
  })),
  ...(
    [
      ['20251121-1500-ft-dense-dense', '20251121-1000-spdf-dense', 'dense'],
      ['20251121-1600-ft-s75-sparse', '20251121-1200-spdf-s75', 'sparse'],
      ['20251121-1700-ft-s75-spdf', '20251121-1200-spdf-s75', 'dense'],
    ] as const
  ).map(([id, from, mode]) => ({
    id,
    experiment: spdfFinetuneExperiment.id,
    preset: 'cpu-demo',
    config: fakeConfig(spdfFinetuneExperiment, { from: `${RUNS_ROOT}/${from}`, data: E2E_DATA, mode }, 'cpu-demo'),
    day: 21,
  })),
];

/** The past pre-training runs by `from` (run folder, id, or a checkpoint file in the folder). */
export const findPastPretrain: FindPretrain = (from) => {
  const r = PAST_SPDF_RUNS.find((x) => x.experiment === spdfPretrainExperiment.id && (from === x.id || from === `${RUNS_ROOT}/${x.id}` || from.startsWith(`${RUNS_ROOT}/${x.id}/`)));
  return r ? { id: r.id, dir: `${RUNS_ROOT}/${r.id}`, config: r.config } : null;
};
