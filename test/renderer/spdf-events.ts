/** Hand-made SPDF events and summaries for the renderer's tests (shapes of src/shared/events.ts and the SPDF contract). */
import type { EngineEvent } from '../../src/shared/events';

const T = '2025-01-01T00:00:00.000Z';
export const MATRICES = ['q', 'k', 'v', 'o', 'fc', 'proj'];

/** A [layers][6] table with every cell `z`, or cell (l, m) = z(l, m). */
export const table = (layers: number, z: number | ((l: number, m: number) => number)): number[][] =>
  Array.from({ length: layers }, (_, l) => MATRICES.map((_, m) => (typeof z === 'number' ? z : z(l, m))));

export const sev = {
  sparsity: (step: number, zeroFraction: number[][], opts: { phase?: 'pretrain' | 'finetune'; masked?: boolean; tokens?: number; spent?: number; denseEquivalent?: number } = {}): EngineEvent => ({
    type: 'sparsity',
    time: T,
    step,
    phase: opts.phase ?? 'pretrain',
    masked: opts.masked ?? true,
    matrices: MATRICES,
    zeroFraction,
    flops: { tokens: opts.tokens ?? step * 100, spent: opts.spent ?? step * 1e6, denseEquivalent: opts.denseEquivalent ?? step * 2e6 },
  }),
  sample: (step: number, text: string, prompt = 'The ', reference?: string): EngineEvent => ({ type: 'text-sample', time: T, step, prompt, text, decoding: 'greedy', ...(reference === undefined ? {} : { reference }) }),
  validation: (step: number, metrics: Record<string, number>): EngineEvent => ({ type: 'validation', time: T, step, epoch: step / 10, on: '8 held-out sequences', metrics, best: false }),
  started: (startStep = 0): EngineEvent => ({ type: 'started', time: T, runId: 'r', runDir: '/runs/r', experiment: 'spdf-pretrain', backend: 'wasm', startStep, totalSteps: 100 }),
  done: (summary: Record<string, unknown>, step = 100): EngineEvent => ({ type: 'done', time: T, status: 'completed', step, summary }),
};

/** A FlopReport as shared/spdf-flops.ts makes one, from spent and dense-equivalent FLOPs. */
export const report = (spent: number, denseEquivalent: number, tokens = 1000) => ({
  perToken: spent / tokens,
  densePerToken: denseEquivalent / tokens,
  tokens,
  spent,
  denseEquivalent,
  saved: denseEquivalent - spent,
  reduction: denseEquivalent / spent,
});

export const pretrainSummary = (sparsity: number, valLoss: number, spent: number, denseEquivalent: number, extra: Record<string, unknown> = {}) => ({
  task: 'spdf-pretrain',
  status: 'completed',
  steps: 100,
  totalSteps: 100,
  trainSeconds: 10,
  backend: 'wasm',
  sparsity,
  model: { nLayer: 2, dModel: 32, nHead: 2, contextLength: 32, vocabSize: 300, ffnWidth: 128, parameters: 40000, sparseParameters: 24576 },
  tokenizer: 'char',
  tokens: 1000,
  tokensPerSecond: 100,
  flops: report(spent, denseEquivalent),
  valLoss,
  valPerplexity: Math.exp(valLoss),
  curves: [
    { step: 50, valLoss: valLoss + 0.5 },
    { step: 100, valLoss },
  ],
  ...extra,
});

export const finetuneSummary = (pretrainSparsity: number, mode: 'dense' | 'sparse', valLoss: number, bleu: number, pretrainSpent: number, extra: Record<string, unknown> = {}) => ({
  task: 'spdf-finetune',
  status: 'completed',
  steps: 40,
  totalSteps: 40,
  trainSeconds: 4,
  backend: 'wasm',
  mode,
  pretrainSparsity,
  pretrainRun: 'pre',
  variant: 'ignored by the GUI: it names the variant itself',
  flops: { pretrain: report(pretrainSpent, 2e9), finetune: report(1e8, 1e8, 200) },
  valLoss,
  valPerplexity: Math.exp(valLoss),
  bleu,
  curves: [
    { step: 20, valLoss: valLoss + 0.2, bleu: bleu - 10 },
    { step: 40, valLoss, bleu },
  ],
  samples: [{ source: 'name[x]', references: ['x is a pub.'], output: 'x is a pub.' }],
  ...extra,
});
