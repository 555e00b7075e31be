/**
 * SPDF variant labels (METHODS.md §1), one wording for the engine's summaries, the CLI and the
 * GUI's comparisons: a pre-training run is 'Dense' or 'Sparse 75 %'; a fine-tuning run names the
 * model it started from and how it was fine-tuned: 'Dense → dense FT', 'Sparse 75 % → sparse FT'
 * (the baseline: masks kept) or 'Sparse 75 % → dense FT (SPDF)' (masks dropped). Pure.
 *
 *   pretrainVariant(0.75)              // 'Sparse 75 %'
 *   finetuneVariant(0.75, 'dense')     // 'Sparse 75 % → dense FT (SPDF)'
 *   variantRank('Sparse 50 %') < variantRank('Sparse 75 %')
 */

export type FinetuneMode = 'dense' | 'sparse';

/** A sparsity in [0, 1) as a percentage with at most one decimal: 0.75 → '75 %', 0.875 → '87.5 %'. */
export function sparsityPercent(sparsity: number): string {
  return `${Number((sparsity * 100).toFixed(1))} %`;
}

/** 'Dense' (sparsity 0) or 'Sparse 75 %'. */
export function pretrainVariant(sparsity: number): string {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`pretrainVariant: sparsity = ${sparsity} must be in [0, 1)`);
  return sparsity === 0 ? 'Dense' : `Sparse ${sparsityPercent(sparsity)}`;
}

/**
 * The fine-tuning variant. A dense pre-trained model has no mask to keep, so its fine-tuning is
 * dense whatever `mode` says: 'Dense → dense FT'.
 */
export function finetuneVariant(pretrainSparsity: number, mode: FinetuneMode): string {
  const from = pretrainVariant(pretrainSparsity);
  if (pretrainSparsity === 0) return `${from} → dense FT`;
  return mode === 'sparse' ? `${from} → sparse FT` : `${from} → dense FT (SPDF)`;
}

const PRETRAIN = /^(?:Dense|Sparse (\d+(?:\.\d+)?) %)/;

/**
 * Sort rank of a label: by pre-training sparsity (dense first), then sparse fine-tuning before
 * dense; labels that are not variants come last.
 */
export function variantRank(label: string): number {
  const m = PRETRAIN.exec(label);
  if (!m) return Number.MAX_SAFE_INTEGER;
  const percent = m[1] === undefined ? 0 : Number(m[1]);
  const finetune = label.endsWith('→ sparse FT') ? 1 : /→ dense FT/.test(label) ? 2 : 0;
  return percent * 10 + finetune;
}
