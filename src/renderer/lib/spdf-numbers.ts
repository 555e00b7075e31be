/**
 * An SPDF run's numbers for the Runs view's comparison (lib/method-compare.ts groups them by
 * variant): its validation curve, final validation loss / perplexity / BLEU, tokens and training
 * FLOPs, and for a fine-tune the pre-training FLOPs of the model it started from. From its summary
 * (lib/spdf-summary.ts) when the run has one, else from its events (a run being trained, or
 * interrupted): the validations ('val_loss', 'val_ppl', 'bleu') and the newest 'sparsity' event's
 * FLOPs. Events do not carry the pre-training FLOPs of a fine-tune's model; only its summary does.
 */
import { finetuneVariant, pretrainVariant } from '../../shared/spdf-variant';
import type { Curves } from './curves';
import { meanZeroFraction } from './spdf-sparsity';
import type { SpdfSummary } from './spdf-summary';

export interface FlopTotals {
  spent: number;
  /** What a dense model would have spent on the same tokens. */
  denseEquivalent: number;
}

export interface SpdfNumbers {
  phase: 'pretrain' | 'finetune';
  /** 'Sparse 75 %', 'Sparse 75 % → dense FT (SPDF)' (shared/spdf-variant.ts). */
  variant: string;
  /** The pre-training sparsity: this run's, or that of the model a fine-tune started from. */
  sparsity: number;
  /** Fine-tuning only: whether the masks were kept. */
  mode: 'dense' | 'sparse' | null;
  valSteps: readonly number[];
  valLoss: readonly (number | null)[];
  /** Fine-tuning: BLEU (0–100) per validation; null for pre-training. */
  bleu: readonly (number | null)[] | null;
  finalValLoss: number | null;
  perplexity: number | null;
  finalBleu: number | null;
  tokens: number | null;
  /** This run's training FLOPs (pre-training, or fine-tuning). */
  flops: FlopTotals | null;
  /** Fine-tuning: the pre-training FLOPs of the model it started from; null when unknown. */
  pretrainFlops: FlopTotals | null;
}

const lastNumber = (xs: readonly (number | null)[] | undefined): number | null => {
  for (let i = (xs?.length ?? 0) - 1; i >= 0; i--) if (typeof xs![i] === 'number') return xs![i];
  return null;
};
const totals = (f: FlopTotals): FlopTotals => ({ spent: f.spent, denseEquivalent: f.denseEquivalent });
/** A sparsity read off zero fractions, to the nearest percent (masks zero exactly round(s·n) of n weights), below 1. */
const toPercent = (s: number): number => Math.min(0.99, Math.round(s * 100) / 100);

export function spdfNumbersFromSummary(s: SpdfSummary): SpdfNumbers {
  const common = { valSteps: s.curves.map((p) => p.step), valLoss: s.curves.map((p) => p.valLoss), finalValLoss: s.valLoss, perplexity: s.valPerplexity };
  if (s.task === 'spdf-pretrain') {
    return { phase: 'pretrain', variant: pretrainVariant(s.sparsity), sparsity: s.sparsity, mode: null, ...common, bleu: null, finalBleu: null, tokens: s.tokens, flops: totals(s.flops), pretrainFlops: null };
  }
  return {
    phase: 'finetune',
    variant: finetuneVariant(s.pretrainSparsity, s.mode),
    sparsity: s.pretrainSparsity,
    mode: s.mode,
    ...common,
    bleu: s.curves.map((p) => p.bleu ?? null),
    finalBleu: s.bleu,
    tokens: s.flops.finetune.tokens,
    flops: totals(s.flops.finetune),
    pretrainFlops: totals(s.flops.pretrain),
  };
}

/** The run's numbers from its curves (and config, where it names the sparsity or mode); null when it is not an SPDF run. */
export function spdfNumbersOf(config: Readonly<Record<string, unknown>>, curves: Curves): SpdfNumbers | null {
  if (curves.spdfSummary) return spdfNumbersFromSummary(curves.spdfSummary);
  const h = curves.sparsity;
  if (!h) return null;
  const phase = h.latest.phase;
  const started = toPercent(meanZeroFraction(h.first.zeroFraction));
  const loss = curves.val.val_loss ?? curves.valSteps.map(() => null);
  const bleu = curves.val.bleu ?? null;
  const f = h.latest.flops;
  const common = {
    valSteps: curves.valSteps,
    valLoss: loss,
    finalValLoss: lastNumber(loss),
    perplexity: lastNumber(curves.val.val_ppl),
    tokens: f.tokens,
    flops: totals(f),
    pretrainFlops: null,
  };
  if (phase === 'pretrain') {
    const s = typeof config.sparsity === 'number' ? config.sparsity : started;
    return { phase, variant: pretrainVariant(s), sparsity: s, mode: null, ...common, bleu: null, finalBleu: null };
  }
  // A sparse fine-tune keeps its masks (masked at step 0); a dense one starts unmasked.
  const mode = config.mode === 'sparse' || config.mode === 'dense' ? config.mode : h.first.masked ? 'sparse' : 'dense';
  return { phase, variant: finetuneVariant(started, mode), sparsity: started, mode, ...common, bleu: bleu ?? curves.valSteps.map(() => null), finalBleu: lastNumber(bleu ?? undefined) };
}
