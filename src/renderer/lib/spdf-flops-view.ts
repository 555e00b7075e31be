/**
 * SPDF FLOPs for the GUI: engineering-notation formatting ('3.2 PFLOP', '3.2e15'), and the
 * training FLOPs per token of the GPT an spdf-pretrain form describes, from the form's values and
 * the one calculator (src/shared/spdf-flops.ts), with GPT-3 XL at the same sparsity for reference.
 * The model sizes copy the engine's GPT_SIZES (models/gpt.ts; the renderer does not import the
 * engine; test/renderer/spdf-flops-view.test.ts keeps the copy equal).
 */
import { FLOP_SHAPES, type FlopShape, flopReduction, trainingFlopsPerToken } from '../../shared/spdf-flops';

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

/** FLOPs with an SI prefix and 2–3 significant digits: 3.2e15 → '3.2 PFLOP', 640 → '640 FLOP'; '—' when missing. */
export function formatFlops(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0 FLOP';
  const k = Math.min(PREFIXES.length - 1, Math.max(0, Math.floor(Math.log10(Math.abs(v)) / 3)));
  const m = v / 1000 ** k;
  const digits = Math.abs(m) >= 100 ? 0 : Math.abs(m) >= 10 ? 1 : 2;
  return `${Number(m.toFixed(digits))} ${PREFIXES[k]}FLOP`;
}

/** Scientific notation with 2 significant digits: 1.94e15 → '1.9e15'; 0 → '0'. */
export function scientific(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const [m, e] = v.toExponential(1).split('e');
  return `${m}e${Number(e)}`;
}

/** A reduction factor: 2.494 → '2.49×'. */
export const formatTimes = (r: number | null | undefined): string => (r === null || r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);

/** The engine's GPT sizes (models/gpt.ts GPT_SIZES over GPT_DEFAULTS): layers, width, heads; FFN width 4·d. */
export const GPT_SIZE_SHAPES = {
  'gpt2-small': { nLayer: 12, dModel: 768, nHead: 12 },
  'gpt3-xl': { nLayer: 24, dModel: 2048, nHead: 16 },
  tiny: { nLayer: 4, dModel: 128, nHead: 4 },
} as const;
const FFN_MULTIPLIER = 4;
/** GPT-2 BPE; the char tokenizer has end-of-text + 256 UTF-8 bytes + up to maxChars characters. */
const GPT2_VOCAB = 50257;
const CHAR_BASE = 257;

export interface FormFlops {
  shape: FlopShape;
  sparsity: number;
  /** Training FLOPs per token (3 × forward) at this sparsity, and dense. */
  perToken: number;
  densePerToken: number;
  reduction: number;
  /** GPT-3 XL (2048 context) at the same sparsity: the paper's scale. */
  xlReduction: number;
  /** How the vocabulary was counted (the char tokenizer's is only known once the corpus is read). */
  vocabNote: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The FLOPs of the model an spdf-pretrain form's values describe; a reason when they describe none. */
export function formFlops(values: Readonly<Record<string, unknown>>): FormFlops | { problem: string } {
  const size = GPT_SIZE_SHAPES[String(values.size ?? 'gpt2-small') as keyof typeof GPT_SIZE_SHAPES] ?? null;
  if (!size) return { problem: `unknown model size '${String(values.size)}'` };
  const pick = (key: 'nLayer' | 'dModel'): number => (num(values[key]) || size[key]); // 0 = the size's own
  const nLayer = pick('nLayer');
  const dModel = pick('dModel');
  const contextLength = num(values.contextLength);
  const sparsity = num(values.sparsity);
  if (!contextLength || contextLength < 1) return { problem: 'no FLOPs until the context length is set' };
  if (sparsity === null || sparsity < 0 || sparsity >= 1) return { problem: 'no FLOPs until the sparsity is in [0, 1)' };
  const char = values.tokenizer === 'char';
  const merges = values.tokenizer === 'gpt2-merges' ? (num(values.bpeMerges) ?? 2048) : null;
  const maxChars = num(values.maxChars) ?? 256;
  const vocabSize = char ? CHAR_BASE + maxChars : merges !== null ? CHAR_BASE + merges : GPT2_VOCAB;
  const shape: FlopShape = { nLayer, dModel, ffnWidth: FFN_MULTIPLIER * dModel, contextLength, vocabSize };
  return {
    shape,
    sparsity,
    perToken: trainingFlopsPerToken(shape, sparsity),
    densePerToken: trainingFlopsPerToken(shape, 0),
    reduction: flopReduction(shape, sparsity),
    xlReduction: flopReduction(FLOP_SHAPES['gpt3-xl'], sparsity),
    vocabNote: char
      ? `vocabulary counted as ${vocabSize} (257 + ${maxChars} characters at most; the corpus may have fewer)`
      : merges !== null
        ? `vocabulary ${vocabSize} (GPT-2 BPE, its first ${merges} merges)`
        : `vocabulary ${GPT2_VOCAB} (GPT-2 BPE)`,
  };
}

/** A token count with a k / M / B suffix: 614400 → '614 k', 2.5e9 → '2.5 B'. */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const [div, unit] = n >= 1e9 ? [1e9, ' B'] : n >= 1e6 ? [1e6, ' M'] : n >= 1e3 ? [1e3, ' k'] : [1, ''];
  const m = n / div;
  return `${Number(m.toFixed(m >= 100 ? 0 : m >= 10 ? 1 : 2))}${unit}`;
}
