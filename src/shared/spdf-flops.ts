/**
 * SPDF FLOP accounting (METHODS.md §1 [D]; it reproduces the paper's 2.5× for GPT-3 XL): forward
 * FLOPs per token of a GPT decoder whose Q, K, V, attention-output and both FFN matrices are
 * sparse at `sparsity` s, counting 2 FLOPs per multiply-accumulate:
 *
 *   F(s) = L·[(1−s)·(6d² + 2d² + 4·d·f) + 4·n_ctx·d] + 2·d·V          (f = FFN width; 4d gives 16d²)
 *
 * The bracket holds the QKV, output and FFN matmuls (sparse), then the QKᵀ and A·V terms (dense);
 * the last term is the dense, tied LM head; embedding lookups count 0. Training FLOPs per token
 * are 3·F (forward + backward ≈ 2× forward). Pure arithmetic: the engine, the CLI and the
 * renderer all use this one calculator.
 */

export interface FlopShape {
  readonly nLayer: number; // L
  readonly dModel: number; // d
  readonly ffnWidth: number; // f (4d in GPT-2/3)
  readonly contextLength: number; // n_ctx
  readonly vocabSize: number; // V
}

/** GPT-3 XL (1.3B) and GPT-2 Small (125M) at the SPDF context of 2048 (METHODS.md §1 [C]). */
export const FLOP_SHAPES = {
  'gpt3-xl': { nLayer: 24, dModel: 2048, ffnWidth: 8192, contextLength: 2048, vocabSize: 50257 },
  'gpt2-small': { nLayer: 12, dModel: 768, ffnWidth: 3072, contextLength: 2048, vocabSize: 50257 },
} as const satisfies Record<string, FlopShape>;

function checkSparsity(s: number): void {
  if (!(s >= 0 && s < 1)) throw new Error(`sparsity = ${s} must be in [0, 1)`);
}

/** Forward FLOPs per token at sparsity s. */
export function forwardFlopsPerToken(shape: FlopShape, sparsity = 0): number {
  checkSparsity(sparsity);
  const { nLayer: L, dModel: d, ffnWidth: f, contextLength: n, vocabSize: V } = shape;
  return L * ((1 - sparsity) * (6 * d * d + 2 * d * d + 4 * d * f) + 4 * n * d) + 2 * d * V;
}

/** Training FLOPs per token (forward + backward = 3 × forward). */
export function trainingFlopsPerToken(shape: FlopShape, sparsity = 0): number {
  return 3 * forwardFlopsPerToken(shape, sparsity);
}

/** F(0) / F(s): how many times fewer pre-training FLOPs the sparse model costs per token. */
export function flopReduction(shape: FlopShape, sparsity: number): number {
  return forwardFlopsPerToken(shape, 0) / forwardFlopsPerToken(shape, sparsity);
}

export interface FlopReport {
  /** Training FLOPs per token at this sparsity, and dense. */
  readonly perToken: number;
  readonly densePerToken: number;
  /** Tokens trained on. */
  readonly tokens: number;
  /** FLOPs spent (perToken · tokens) and what the dense model would have spent on the same tokens. */
  readonly spent: number;
  readonly denseEquivalent: number;
  /** denseEquivalent − spent. */
  readonly saved: number;
  /** denseEquivalent / spent (1 when dense). */
  readonly reduction: number;
}

/** FLOPs spent training `tokens` tokens at `sparsity`, against the dense model on the same tokens. */
export function flopReport(shape: FlopShape, sparsity: number, tokens: number): FlopReport {
  const perToken = trainingFlopsPerToken(shape, sparsity);
  const densePerToken = trainingFlopsPerToken(shape, 0);
  const spent = perToken * tokens;
  const denseEquivalent = densePerToken * tokens;
  return { perToken, densePerToken, tokens, spent, denseEquivalent, saved: denseEquivalent - spent, reduction: densePerToken / perToken };
}
