/**
 * Configuration of the two SPDF experiments (METHODS.md §1): `spdf-pretrain` trains a GPT on plain
 * text, dense or with static unstructured sparsity; `spdf-finetune` continues a pre-training run on a
 * data-to-text set, dense (SPDF: the masks are dropped) or sparse (the baseline: the masks stay).
 * One schema per experiment, a default and a description per key (the CLI's flags and the GUI's
 * form come from it).
 *
 * Defaults are the paper's recipe (GPT-2 Small, 2048 context, batch 256, a GPU's work). The
 * `cpu-demo` presets are what trains here in minutes on `frugal demo-data text` data: the tiny
 * 4-layer, 128-wide model of METHODS.md §1's acceptance, GPT-2's BPE cut to 2048 merges, a 256-token
 * context (the demo data-to-text pairs are up to ~300 characters, ~100 tokens).
 */
import { z } from 'zod';
import { GPT_SIZES } from '../../models/gpt';

const int = () => z.number().int();
const SIZES = Object.keys(GPT_SIZES) as [keyof typeof GPT_SIZES, ...(keyof typeof GPT_SIZES)[]];

const decodingKeys = {
  decoding: z.enum(['greedy', 'sample']).default('greedy').describe('how text samples are decoded: greedy (argmax) or sampled with temperature and top-k').meta({ title: 'Decoding' }),
  temperature: z.number().positive().max(5).default(0.8).describe('sampling temperature (decoding = sample)').meta({ title: 'Temperature' }),
  topK: int().min(0).default(40).describe('sample among the k most likely tokens; 0 = all (decoding = sample)').meta({ title: 'Top-k' }),
};

const optimKeys = {
  batchSize: int().positive().describe('sequences per update').meta({ title: 'Batch size' }),
  lr: z.number().positive().describe('peak learning rate of AdamW').meta({ title: 'Learning rate' }),
  minLr: z.number().min(0).describe('learning rate at the end of the cosine decay').meta({ title: 'Minimum learning rate' }),
  warmupSteps: int().min(0).describe('linear warm-up of the learning rate from 0, in updates').meta({ title: 'Warm-up steps' }),
  weightDecay: z.number().min(0).describe('decoupled weight decay (AdamW) of the weight matrices and embeddings; biases and LayerNorms are not decayed').meta({ title: 'Weight decay' }),
  beta2: z.number().min(0).max(0.9999).describe("AdamW's β₂ (β₁ = 0.9, ε = 1e-8)").meta({ title: 'Adam β₂' }),
  gradClip: z.number().min(0).default(1).describe('clip the global gradient norm to this value (0 = no clipping)').meta({ title: 'Gradient clip' }),
  validateEvery: int().min(0).describe('validate every this many updates (and at the end); 0 = only at the end').meta({ title: 'Validate every (steps)' }),
  sampleEvery: int().min(0).default(100).describe('generate a text sample every this many updates (0 = never)').meta({ title: 'Sample every (steps)' }),
  checkpointEvery: int().min(0).default(500).describe('checkpoint every this many updates (also on stop and at the end)').meta({ title: 'Checkpoint every (steps)' }),
  keepCheckpoints: int().positive().default(2).describe('interval checkpoints kept (plus the best)').meta({ title: 'Checkpoints kept' }),
  seed: int().min(0).default(0).describe('seed of initialisation, masks, data order and sampling').meta({ title: 'Seed' }),
  ...decodingKeys,
};

export const pretrainConfigSchema = z.object({
  data: z.string().min(1).describe('plain-text corpus: a .txt/.md file or a folder of them (as `frugal demo-data text` writes under corpus/)').meta({ title: 'Text corpus' }),
  tokenizer: z.enum(['gpt2', 'gpt2-merges', 'char']).default('gpt2').describe("GPT-2 byte-level BPE (50 257 tokens, as the paper), GPT-2's BPE with only its first merges (word pieces on a vocabulary small models can afford), or characters of the corpus with a UTF-8 byte fallback").meta({ title: 'Tokenizer' }),
  bpeMerges: int().min(0).max(50000).default(2048).describe("gpt2-merges tokenizer: how many of GPT-2's BPE merges (learned in order of frequency) to keep; vocabulary = 257 + this").meta({ title: 'BPE merges kept' }),
  maxChars: int().min(1).max(4096).default(256).describe('char tokenizer: the most frequent characters of the corpus that get their own token').meta({ title: 'Characters kept' }),
  size: z.enum(SIZES).default('gpt2-small').describe('model size: gpt2-small (125M, L 12, d 768), gpt3-xl (1.3B, L 24, d 2048) or tiny (L 4, d 128)').meta({ title: 'Model size' }),
  nLayer: int().min(0).max(96).default(0).describe("transformer blocks; 0 = the size's own").meta({ title: 'Layers' }),
  dModel: int().min(0).max(8192).default(0).describe("residual width; 0 = the size's own").meta({ title: 'Width' }),
  nHead: int().min(0).max(128).default(0).describe("attention heads (must divide the width); 0 = the size's own").meta({ title: 'Heads' }),
  contextLength: int().min(0).max(8192).default(2048).describe('tokens per training sequence (the position table has this many rows)').meta({ title: 'Context length' }),
  sparsity: z.number().min(0).max(0.95).default(0.75).describe('fraction of zeros in every Q, K, V, attention-output and FFN matrix (static random mask); 0 = dense').meta({ title: 'Sparsity' }),
  steps: int().positive().default(4778).describe('updates (the paper: 4778 × 256 × 2048 tokens ≈ 2.5B for 125M)').meta({ title: 'Steps' }),
  valFraction: z.number().min(0.001).max(0.5).default(0.05).describe('the last this fraction of the token stream is held out for validation').meta({ title: 'Validation fraction' }),
  valWindows: int().positive().default(64).describe('validation loss over at most this many held-out sequences').meta({ title: 'Validation sequences' }),
  samplePrompt: z.string().default('The').describe('the fixed prompt text samples continue (best without a trailing space: BPE tokens carry the space before a word, so a lone space token is rare in training)').meta({ title: 'Sample prompt' }),
  sampleTokens: int().positive().max(1024).default(64).describe('tokens generated per text sample').meta({ title: 'Sample length' }),
  ...optimKeys,
  batchSize: optimKeys.batchSize.default(256),
  lr: optimKeys.lr.default(6e-4),
  minLr: optimKeys.minLr.default(6e-5),
  warmupSteps: optimKeys.warmupSteps.default(716),
  weightDecay: optimKeys.weightDecay.default(0.1),
  beta2: optimKeys.beta2.default(0.95),
  validateEvery: optimKeys.validateEvery.default(500),
});
export type PretrainConfig = z.output<typeof pretrainConfigSchema>;

export const FINETUNE_FORMATS = ['auto', 'e2e', 'webnlg', 'dart', 'jsonl'] as const;

export const finetuneConfigSchema = z.object({
  from: z.string().min(1).describe('the spdf-pretrain run to fine-tune: its run folder, its id (in the same runs folder) or one of its checkpoint files').meta({ title: 'Pre-trained run' }),
  data: z.string().min(1).describe('data-to-text set: an E2E, WebNLG or DART folder (official file names) or file, or JSONL prompt→completion (as `frugal demo-data text` writes under e2e/)').meta({ title: 'Fine-tuning data' }),
  format: z.enum(FINETUNE_FORMATS).default('auto').describe('file format; auto tells them apart by file names and content').meta({ title: 'Format' }),
  mode: z.enum(['dense', 'sparse']).default('dense').describe('dense: drop the masks, re-enabled weights start at 0 and learn (SPDF); sparse: keep the masks (the baseline)').meta({ title: 'Fine-tuning' }),
  epochs: int().positive().default(1).describe('passes over the training examples (each reference is one example)').meta({ title: 'Epochs' }),
  maxSteps: int().min(0).default(0).describe('stop after this many updates (0 = all the epochs)').meta({ title: 'Max steps' }),
  bleuExamples: int().min(0).default(100).describe('BLEU over the first this many validation inputs at each validation (0 = no BLEU)').meta({ title: 'BLEU inputs' }),
  maxNewTokens: int().positive().max(1024).default(64).describe('longest generated output for BLEU and samples, in tokens').meta({ title: 'Output length' }),
  ...optimKeys,
  batchSize: optimKeys.batchSize.default(32),
  lr: optimKeys.lr.default(1e-4),
  minLr: optimKeys.minLr.default(0),
  warmupSteps: optimKeys.warmupSteps.default(100),
  weightDecay: optimKeys.weightDecay.default(0.01),
  beta2: optimKeys.beta2.default(0.999),
  validateEvery: optimKeys.validateEvery.default(0),
  sampleEvery: optimKeys.sampleEvery.default(50),
});
export type FinetuneConfig = z.output<typeof finetuneConfigSchema>;

const TINY = { size: 'tiny', contextLength: 256 } as const;

export const pretrainPresets = {
  'cpu-demo': {
    description: "about 35 minutes on wasm with `frugal demo-data text` data: the tiny GPT (4 layers, width 128), GPT-2's BPE cut to 2048 merges (word pieces, ~2.9 characters per token; characters learn far slower), 256-token context, 600 updates of 4 sequences",
    values: { ...TINY, tokenizer: 'gpt2-merges', bpeMerges: 2048, steps: 600, batchSize: 4, lr: 2e-3, minLr: 2e-4, warmupSteps: 50, validateEvery: 100, valWindows: 32, sampleEvery: 100, checkpointEvery: 200 },
  },
  tiny: {
    description: 'a smoke run: 2 layers of width 32, 30 updates',
    values: { ...TINY, tokenizer: 'char', nLayer: 2, dModel: 32, nHead: 2, steps: 30, batchSize: 4, lr: 3e-3, minLr: 3e-4, warmupSteps: 5, validateEvery: 15, valWindows: 8, sampleEvery: 15, sampleTokens: 16, checkpointEvery: 0 },
  },
} satisfies Record<string, { description: string; values: Partial<z.input<typeof pretrainConfigSchema>> }>;

export const finetunePresets = {
  'cpu-demo': {
    description: 'about 12 minutes on wasm after a cpu-demo pre-training: 3 epochs of the demo E2E-format set (300 updates of 8), BLEU on 100 dev inputs every 100 updates',
    values: { epochs: 3, batchSize: 8, lr: 2e-3, warmupSteps: 30, validateEvery: 100, bleuExamples: 100, maxNewTokens: 80, sampleEvery: 50 },
  },
  tiny: {
    description: 'a smoke run: 12 updates, BLEU on 4 inputs',
    values: { maxSteps: 12, batchSize: 4, lr: 2e-3, warmupSteps: 2, validateEvery: 12, bleuExamples: 4, maxNewTokens: 16, sampleEvery: 6, checkpointEvery: 0 },
  },
} satisfies Record<string, { description: string; values: Partial<z.input<typeof finetuneConfigSchema>> }>;
