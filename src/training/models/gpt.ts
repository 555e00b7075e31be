/**
 * GPT: the decoder-only transformer of GPT-2 / GPT-3, the dense model that SPDF (Thangarasa et
 * al., "SPDF: Sparse Pre-training and Dense Fine-tuning for Large Language Models", UAI 2023,
 * arXiv 2303.10464; METHODS.md §1) pre-trains sparse and fine-tunes dense. Shapes follow the
 * Cerebras Model Zoo GPT-3 configs [C]: pre-LN, GELU, learned position embeddings, biases on,
 * LM head tied to the token embedding.
 *
 *   h = wte[tokens] + wpe[0..T)                                   [B, T, d]
 *   per block:  h += Attn(LN1(h));  h += MLP(LN2(h))              (pre-LN, GPT-2)
 *     Attn(x) = concat_heads(softmax(q·kᵀ/√(d/H) + causal)·v)·Wo + bo,  q|k|v = x·W{q,k,v} + b
 *     MLP(x)  = gelu(x·Wfc + bfc)·Wproj + bproj,  hidden width ffnMultiplier·d, exact (erf) GELU
 *   logits = LNf(h)·wteᵀ                                          [B, T, V]
 * No dropout (the SPDF pre-training configs use none). Layout [B, T, C]; tokens int32.
 *
 * Sparsity (SPDF): `applyGpt(..., { masks })` takes 0/1 masks keyed by parameter name (the
 * dotted names of `flattenParams`, e.g. 'blocks.0.attn.q.w'), only for the weights SPDF
 * sparsifies (`sparseWeightNames`: Q, K, V, attention output, both MLP matrices per block; the
 * embeddings, LayerNorms and biases stay dense). The forward pass uses W⊙M, so
 *   - a masked entry has no effect on the output, whatever its value;
 *   - its gradient is exactly 0 (d(W⊙M)/dW = M), so Adam's moments for it stay 0 and its update
 *     is 0/(√0 + ε) = 0: with W := W⊙M once at init (METHODS.md: "init: W := W*M") masked
 *     entries stay exactly 0 through training, decoupled weight decay included;
 *   - dense fine-tuning = calling without masks: W⊙M = W bitwise, so step 0 is the sparse model.
 *
 * Usage:
 *   const cfg = gptConfig({ vocabSize: 256, contextLength: 64, nLayer: 4, nHead: 4, dModel: 128 });
 *   const params = initGpt(cfg, new Rng(0));
 *   const logits = applyGpt(params, tokens, cfg);       // tokens [B, T] int32, T ≤ contextLength
 *   const loss = gptLoss(params, windows, cfg);         // windows [B, T+1]: next-token CE (nats)
 */
import * as tf from '@tensorflow/tfjs';
import { truncNormal, constantInit } from '../core/params';
import { type Rng } from '../core/rng';

export type GptEmbedding = 'gather' | 'oneHot';

export interface GptConfig {
  readonly vocabSize: number; // V: 50257 for the GPT-2 BPE the SPDF configs use
  readonly contextLength: number; // rows of the position table = the longest input; 2048 in SPDF
  readonly nLayer: number; // transformer blocks L
  readonly nHead: number; // attention heads H; must divide dModel
  readonly dModel: number; // residual width d
  readonly ffnMultiplier: number; // MLP hidden width = ffnMultiplier·d; 4 as in GPT-2/3
  readonly layerNormEpsilon: number; // 1e-5, as PyTorch's LayerNorm and GPT-2
  readonly initStd: number; // truncated normal (±2σ) std of embeddings and weight matrices: 0.02 [C]
  readonly outputInitStd: number | null; // std of attn.o.w and mlp.proj.w; null → initStd/√(2L) (0.00408 at L=12 [C])
  readonly embedding: GptEmbedding; // 'gather' (gradient UnsortedSegmentSum) or 'oneHot' (oneHot·matMul: wasm lacks UnsortedSegmentSum)
}

/** GPT-2 Small as SPDF pre-trains it (125M, METHODS.md §1 [C]). */
export const GPT_DEFAULTS: GptConfig = {
  vocabSize: 50257,
  contextLength: 2048,
  nLayer: 12,
  nHead: 12,
  dModel: 768,
  ffnMultiplier: 4,
  layerNormEpsilon: 1e-5,
  initStd: 0.02,
  outputInitStd: null,
  embedding: 'gather',
};

/** Sizes by name: what differs from GPT_DEFAULTS. */
export const GPT_SIZES = {
  'gpt2-small': {}, // 125M: L 12, d 768, 12 heads, FFN 3072 [C]
  'gpt3-xl': { nLayer: 24, nHead: 16, dModel: 2048, outputInitStd: 0.0025 }, // 1.3B [C]
  tiny: { nLayer: 4, nHead: 4, dModel: 128 }, // METHODS.md §1 acceptance 4 (small corpus)
} as const satisfies Record<string, Partial<GptConfig>>;

/** GPT_DEFAULTS, then a named size, then overrides; validated. */
export function gptConfig(over: Partial<GptConfig> = {}, size: keyof typeof GPT_SIZES = 'gpt2-small'): GptConfig {
  const cfg = { ...GPT_DEFAULTS, ...GPT_SIZES[size], ...over };
  validateGptConfig(cfg);
  return cfg;
}

export function validateGptConfig(cfg: GptConfig): void {
  const positiveInt = (field: keyof GptConfig) => {
    const v = cfg[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Gpt: ${field} = ${String(v)} must be an integer ≥ 1`);
  };
  (['vocabSize', 'contextLength', 'nLayer', 'nHead', 'dModel'] as const).forEach(positiveInt);
  if (cfg.dModel % cfg.nHead !== 0) throw new Error(`Gpt: nHead = ${cfg.nHead} must divide dModel = ${cfg.dModel}`);
  const hidden = cfg.ffnMultiplier * cfg.dModel;
  if (!(cfg.ffnMultiplier > 0) || !Number.isInteger(hidden)) throw new Error(`Gpt: ffnMultiplier = ${cfg.ffnMultiplier} must be > 0 with ffnMultiplier·dModel an integer (got ${hidden})`);
  for (const field of ['layerNormEpsilon', 'initStd'] as const) {
    if (!(cfg[field] > 0)) throw new Error(`Gpt: ${field} = ${cfg[field]} must be > 0`);
  }
  if (cfg.outputInitStd !== null && !(cfg.outputInitStd > 0)) throw new Error(`Gpt: outputInitStd = ${cfg.outputInitStd} must be > 0 or null`);
  if (cfg.embedding !== 'gather' && cfg.embedding !== 'oneHot') throw new Error(`Gpt: embedding = '${String(cfg.embedding)}' must be 'gather' or 'oneHot'`);
}

interface Linear<T> {
  readonly w: T; // [in, out]
  readonly b: T; // [out]
}
interface LayerNormParams<T> {
  readonly gamma: T; // [d], 1 at init
  readonly beta: T; // [d], 0 at init
}
export interface GptBlockParams<T = tf.Tensor> {
  readonly ln1: LayerNormParams<T>;
  readonly attn: { readonly q: Linear<T>; readonly k: Linear<T>; readonly v: Linear<T>; readonly o: Linear<T> }; // each w [d, d]
  readonly ln2: LayerNormParams<T>;
  readonly mlp: { readonly fc: Linear<T> /* w [d, f] */; readonly proj: Linear<T> /* w [f, d] */ };
}
export interface GptParams<T = tf.Tensor> {
  readonly wte: T; // [V, d] token embedding, also the LM head (tied)
  readonly wpe: T; // [contextLength, d] learned positions
  readonly blocks: readonly GptBlockParams<T>[];
  readonly lnF: LayerNormParams<T>;
}

const hiddenWidth = (cfg: GptConfig): number => cfg.ffnMultiplier * cfg.dModel;

/**
 * Parameters, in closed form: V·d + n_ctx·d + L·(4d² + 2·d·f + f + 9d) + 2d with f = ffnMultiplier·d
 * (per block: Q, K, V, O with biases 4d² + 4d; MLP d·f + f + f·d + d; two LayerNorms 4d).
 * GPT-2 Small at n_ctx 1024 gives the well-known 124,439,808.
 */
export function gptParamCount(cfg: GptConfig): number {
  const { vocabSize: V, contextLength: C, nLayer: L, dModel: d } = cfg;
  const f = hiddenWidth(cfg);
  return V * d + C * d + L * (4 * d * d + 2 * d * f + f + 9 * d) + 2 * d;
}

const SPARSE_WEIGHTS = ['attn.q.w', 'attn.k.w', 'attn.v.w', 'attn.o.w', 'mlp.fc.w', 'mlp.proj.w'] as const;
const SPARSE_NAME = /^blocks\.(\d+)\.((?:attn\.[qkvo])|(?:mlp\.(?:fc|proj)))\.w$/;

/** Names of the matrices SPDF sparsifies (METHODS.md §1 `param_filter` [C]), in flattenParams order. */
export function sparseWeightNames(cfg: GptConfig): string[] {
  return Array.from({ length: cfg.nLayer }, (_, l) => SPARSE_WEIGHTS.map((w) => `blocks.${l}.${w}`)).flat();
}

/** 0/1 masks by parameter name (a subset of `sparseWeightNames`), each shaped like its weight. */
export type GptMasks = ReadonlyMap<string, tf.Tensor>;

const initLinear = (rng: Rng, fanIn: number, fanOut: number, std: number): Linear<tf.Variable> => ({
  w: truncNormal(rng, [fanIn, fanOut], std),
  b: constantInit([fanOut], 0),
});
const initLayerNorm = (d: number): LayerNormParams<tf.Variable> => ({ gamma: constantInit([d], 1), beta: constantInit([d], 0) });

export function initGpt(cfg: GptConfig, rng: Rng): GptParams<tf.Variable> {
  validateGptConfig(cfg);
  const { dModel: d, initStd: std } = cfg;
  const f = hiddenWidth(cfg);
  const outStd = cfg.outputInitStd ?? std / Math.sqrt(2 * cfg.nLayer);
  return {
    wte: truncNormal(rng.fork('wte'), [cfg.vocabSize, d], std),
    wpe: truncNormal(rng.fork('wpe'), [cfg.contextLength, d], std),
    blocks: Array.from({ length: cfg.nLayer }, (_, l) => {
      const r = (name: string) => rng.fork('block', l, name);
      return {
        ln1: initLayerNorm(d),
        attn: { q: initLinear(r('q'), d, d, std), k: initLinear(r('k'), d, d, std), v: initLinear(r('v'), d, d, std), o: initLinear(r('o'), d, d, outStd) },
        ln2: initLayerNorm(d),
        mlp: { fc: initLinear(r('fc'), d, f, std), proj: initLinear(r('proj'), f, d, outStd) },
      };
    }),
    lnF: initLayerNorm(d),
  };
}

/** Throws unless every mask names a sparse weight of this config and has its shape. */
function checkMasks(p: GptParams, masks: GptMasks, cfg: GptConfig): void {
  for (const [name, m] of masks) {
    const hit = SPARSE_NAME.exec(name);
    if (!hit || Number(hit[1]) >= cfg.nLayer) throw new Error(`Gpt: mask '${name}' names no sparse weight (valid: blocks.<0..${cfg.nLayer - 1}>.{${SPARSE_WEIGHTS.join(',')}})`);
    const [group, layer] = hit[2].split('.') as ['attn' | 'mlp', string];
    const block = p.blocks[Number(hit[1])] as unknown as Record<string, Record<string, Linear<tf.Tensor>>>;
    const w = block[group][layer].w;
    if (m.shape.join(',') !== w.shape.join(',')) throw new Error(`Gpt: mask '${name}' has shape [${m.shape}], its weight [${w.shape}]`);
  }
}

/**
 * float32 one-hot rows. Not `tf.oneHot(…, 'float32')`: tfjs-backend-wasm 4.22's OneHot ignores the
 * dtype and writes int32 bits into the float32 tensor (1 reads as 1.4e-45), so int32 then cast.
 */
const oneHotFloat = (indices: tf.Tensor, depth: number): tf.Tensor => tf.cast(tf.oneHot(indices, depth), 'float32');

/** x [..., d] normalised over the last axis (biased variance), then γ·x̂ + β. */
function layerNorm(x: tf.Tensor, p: LayerNormParams<tf.Tensor>, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), p.gamma), p.beta);
}

/** Exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's default, which the Cerebras configs use). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** x [N, in] · w [in, out] + b. */
const dense = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b);

/**
 * Keys and values of every layer for the tokens seen so far ([B, H, t, d/H] each), so that decoding
 * one more token costs one token's forward pass instead of the whole window's (models/gpt-sample.ts).
 */
export interface KvCache {
  readonly keys: readonly tf.Tensor4D[];
  readonly values: readonly tf.Tensor4D[];
  /** Tokens cached (t): the next token's position. */
  readonly length: number;
}

export function disposeKvCache(cache: KvCache): void {
  tf.dispose([...cache.keys, ...cache.values]);
}

/** [n, t+n] additive mask: query i (position t+i) sees keys 0..t+i; −1e9 elsewhere (exp underflows to exactly 0). */
function causalBias(n: number, past = 0): tf.Tensor2D {
  const width = past + n;
  const bias = new Float32Array(n * width);
  for (let i = 0; i < n; i++) for (let j = past + i + 1; j < width; j++) bias[i * width + j] = -1e9;
  return tf.tensor2d(bias, [n, width]);
}

function checkTokens(tokens: tf.Tensor2D, cfg: GptConfig, past: number): void {
  if (tokens.rank !== 2) throw new Error(`Gpt: tokens must be [B, T], got [${tokens.shape}]`);
  if (tokens.dtype !== 'int32') throw new Error(`Gpt: tokens must be int32, got ${tokens.dtype}`);
  if (past + tokens.shape[1] > cfg.contextLength) throw new Error(`Gpt: ${past + tokens.shape[1]} tokens exceed contextLength = ${cfg.contextLength}`);
}

/**
 * The forward pass of tokens [B, n] that follow `past` (null: none) — one code path for training
 * (no cache) and incremental decoding. Returns logits [B, n, V] and this call's keys and values
 * appended to the past's. Call inside a tidy.
 */
function forward(p: GptParams, tokens: tf.Tensor2D, cfg: GptConfig, masks: GptMasks | undefined, past: KvCache | null): { logits: tf.Tensor3D; keys: tf.Tensor4D[]; values: tf.Tensor4D[] } {
  const [B, T] = tokens.shape;
  const t0 = past?.length ?? 0;
  const { dModel: d, nHead: H, vocabSize: V, layerNormEpsilon: eps } = cfg;
  const hd = d / H;
  const N = B * T;
  const masked = (l: number, name: string, w: tf.Tensor) => {
    const m = masks?.get(`blocks.${l}.${name}`);
    return m ? tf.mul(w, m) : w;
  };
  const flatTokens = tf.reshape(tokens, [N]);
  const tok =
    cfg.embedding === 'gather'
      ? tf.gather(p.wte, flatTokens) // [N, d]
      : tf.matMul(oneHotFloat(flatTokens, V), p.wte as tf.Tensor2D); // [N, V]·[V, d]
  const pos = tf.slice(p.wpe, [t0, 0], [T, d]); // [T, d]
  let h = tf.reshape(tf.add(tf.reshape(tok, [B, T, d]), pos), [N, d]) as tf.Tensor2D; // residual [B·T, d]
  const bias = causalBias(T, t0);
  const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, T, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, hd]
  const keys: tf.Tensor4D[] = [];
  const values: tf.Tensor4D[] = [];
  p.blocks.forEach((blk, l) => {
    const { q, k, v, o } = blk.attn;
    const x = layerNorm(h, blk.ln1, eps) as tf.Tensor2D; // [N, d]
    // One matmul for Q, K and V (kept as separate weights: SPDF masks each on its own).
    const wqkv = tf.concat([masked(l, 'attn.q.w', q.w), masked(l, 'attn.k.w', k.w), masked(l, 'attn.v.w', v.w)], 1); // [d, 3d]
    const [qs, ks, vs] = tf.split(dense(x, wqkv, tf.concat([q.b, k.b, v.b])), 3, 1); // each [N, d]
    const kAll = past ? tf.concat([past.keys[l], heads(ks)], 2) : heads(ks); // [B, H, t0+T, hd]
    const vAll = past ? tf.concat([past.values[l], heads(vs)], 2) : heads(vs);
    keys.push(kAll);
    values.push(vAll);
    const scores = tf.add(tf.mul(tf.matMul(heads(qs), kAll, false, true), 1 / Math.sqrt(hd)), bias); // [B, H, T, t0+T]
    const att = tf.matMul(tf.softmax(scores), vAll); // [B, H, T, hd]
    const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [N, d]) as tf.Tensor2D; // [N, d]
    h = tf.add(h, dense(merged, masked(l, 'attn.o.w', o.w), o.b));
    const y = layerNorm(h, blk.ln2, eps) as tf.Tensor2D;
    const hidden = gelu(dense(y, masked(l, 'mlp.fc.w', blk.mlp.fc.w), blk.mlp.fc.b)) as tf.Tensor2D; // [N, f]
    h = tf.add(h, dense(hidden, masked(l, 'mlp.proj.w', blk.mlp.proj.w), blk.mlp.proj.b));
  });
  const logits = tf.matMul(layerNorm(h, p.lnF, eps) as tf.Tensor2D, p.wte as tf.Tensor2D, false, true); // [N, V], tied head
  return { logits: tf.reshape(logits, [B, T, V]) as tf.Tensor3D, keys, values };
}

/** Logits [B, T, V] for tokens [B, T] (int32, T ≤ contextLength). Params and masks borrowed. */
export function applyGpt(p: GptParams, tokens: tf.Tensor2D, cfg: GptConfig, opts: { masks?: GptMasks } = {}): tf.Tensor3D {
  checkTokens(tokens, cfg, 0);
  if (opts.masks) checkMasks(p, opts.masks, cfg);
  return tf.tidy(() => forward(p, tokens, cfg, opts.masks, null).logits);
}

/**
 * Logits [B, n, V] of tokens [B, n] that follow the cached ones (cache null: from position 0), and
 * the cache extended by them. The input cache is not disposed; the caller owns both caches.
 */
export function applyGptCached(p: GptParams, tokens: tf.Tensor2D, cfg: GptConfig, cache: KvCache | null, opts: { masks?: GptMasks } = {}): { logits: tf.Tensor3D; cache: KvCache } {
  checkTokens(tokens, cfg, cache?.length ?? 0);
  if (cache && cache.keys.length !== cfg.nLayer) throw new Error(`Gpt: the cache holds ${cache.keys.length} layers, the model ${cfg.nLayer}`);
  if (cache && cache.keys[0].shape[0] !== tokens.shape[0]) throw new Error(`Gpt: the cache holds ${cache.keys[0].shape[0]} sequences, tokens ${tokens.shape[0]}`);
  if (opts.masks) checkMasks(p, opts.masks, cfg);
  const out = tf.tidy(() => {
    const r = forward(p, tokens, cfg, opts.masks, cache);
    return [r.logits, ...r.keys, ...r.values];
  });
  const L = cfg.nLayer;
  return {
    logits: out[0] as tf.Tensor3D,
    cache: { keys: out.slice(1, 1 + L) as tf.Tensor4D[], values: out.slice(1 + L) as tf.Tensor4D[], length: (cache?.length ?? 0) + tokens.shape[1] },
  };
}

/**
 * Next-token cross-entropy in nats: logits [B, T, V] against targets [B, T] (int32), averaged
 * over positions; with `weights` [B, T] (e.g. a 0/1 loss mask over padding or prompt tokens)
 * Σ w·nll / Σ w, and 0 when every weight is 0.
 */
export function nextTokenLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights?: tf.Tensor2D): tf.Scalar {
  const [B, T, V] = logits.shape;
  if (targets.shape[0] !== B || targets.shape[1] !== T) throw new Error(`Gpt: targets [${targets.shape}] do not match logits [${logits.shape}]`);
  if (weights && (weights.shape[0] !== B || weights.shape[1] !== T)) throw new Error(`Gpt: loss weights [${weights.shape}] do not match targets [${targets.shape}]`);
  return tf.tidy(() => {
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHotFloat(targets, V)), -1)); // [B, T]
    if (!weights) return tf.mean(nll) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}

/**
 * Language-model loss of windows [B, T+1] (int32): the model reads tokens 0..T−1 and predicts
 * 1..T. `lossMask` [B, T] weights the predictions (see nextTokenLoss); `masks` as in applyGpt.
 */
export function gptLoss(p: GptParams, windows: tf.Tensor2D, cfg: GptConfig, opts: { masks?: GptMasks; lossMask?: tf.Tensor2D } = {}): tf.Scalar {
  const [B, T1] = windows.shape;
  if (T1 < 2) throw new Error(`Gpt: windows need ≥ 2 tokens (input and next token), got [${windows.shape}]`);
  return tf.tidy(() => {
    const input = tf.slice(windows, [0, 0], [B, T1 - 1]) as tf.Tensor2D;
    const targets = tf.slice(windows, [0, 1], [B, T1 - 1]) as tf.Tensor2D;
    return nextTokenLoss(applyGpt(p, input, cfg, { masks: opts.masks }), targets, opts.lossMask);
  });
}
