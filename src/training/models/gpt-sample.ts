/**
 * Text generation with a GPT (models/gpt.ts): the decoding rule for one next token (`pickToken`)
 * and autoregressive continuation of a batch of prompts (`generate`), for SPDF's text samples and
 * BLEU on data-to-text validation (METHODS.md §1; decoding settings there are [U], so greedy is
 * the reproducible default and sampling is temperature + top-k).
 *
 * generate: prompts of equal length decode together with a key/value cache (applyGptCached): one
 * forward pass over the prompts, then one token per step, while prompt + continuation fit the
 * context. Prompts whose window must slide past `contextLength` (learned absolute positions: the
 * cache cannot slide) recompute their window for every new token: each unfinished sequence is
 * cropped to its last `contextLength` tokens and right-padded (with id 0) to the longest one, and
 * the next-token logits are read at each sequence's OWN last position. Causal attention makes the
 * padding harmless: position t attends to keys ≤ t only (the masked scores underflow to exactly 0
 * after softmax), so a padded row's logits at its last real position are those of the row alone.
 *
 * Randomness: sequence i draws from `new Rng(seed).fork('generate', i)`, so its samples do not
 * depend on how many other sequences there are or when they stop.
 *
 * Usage:
 *   const out = generate(params, cfg, [tok.encode('The cat')], { maxNewTokens: 40, decoding: { kind: 'greedy' }, seed: 0, stopToken: tok.eot });
 *   tok.decode(out[0]);   // the continuation only
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { applyGpt, applyGptCached, disposeKvCache, type GptConfig, type GptMasks, type GptParams, type KvCache } from './gpt';

export type Decoding = { kind: 'greedy' } | { kind: 'sample'; temperature: number; topK: number /* 0 = all */ };

/** 'greedy' or e.g. 'temperature 0.8, top-k 40' ('top-k off' for topK 0): for logs and text-sample events. */
export function describeDecoding(d: Decoding): string {
  checkDecoding(d);
  if (d.kind === 'greedy') return 'greedy';
  return `temperature ${d.temperature}, top-k ${d.topK === 0 ? 'off' : d.topK}`;
}

function checkDecoding(d: Decoding): void {
  if (d.kind === 'greedy') return;
  if (d.kind !== 'sample') throw new Error(`decoding: kind = '${String((d as { kind: unknown }).kind)}' must be 'greedy' or 'sample'`);
  if (!(Number.isFinite(d.temperature) && d.temperature > 0)) throw new Error(`decoding: temperature = ${d.temperature} must be > 0 (use kind 'greedy' for the argmax)`);
  if (!Number.isInteger(d.topK) || d.topK < 0) throw new Error(`decoding: topK = ${d.topK} must be an integer ≥ 0 (0 = all tokens)`);
}

/** Index of the largest logit (the first one on a tie). */
function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * The next token from one row of logits [V]: the argmax (greedy), or a draw from
 * softmax(logits/T) restricted to the topK largest logits (ties at the cut by smaller id; topK 0
 * or ≥ V keeps all). Logits may be −Infinity (excluded tokens) but not NaN or +Infinity.
 */
export function pickToken(logits: Float32Array, d: Decoding, rng: Rng): number {
  checkDecoding(d);
  const V = logits.length;
  if (V === 0) throw new Error('pickToken: empty logits');
  for (let i = 0; i < V; i++) {
    if (Number.isNaN(logits[i]) || logits[i] === Infinity) throw new Error(`pickToken: logits[${i}] = ${logits[i]} (must be finite or −Infinity)`);
  }
  const top = argmax(logits);
  if (logits[top] === -Infinity) throw new Error('pickToken: every logit is −Infinity');
  if (d.kind === 'greedy' || d.topK === 1) return top;

  let candidates: number[];
  if (d.topK === 0 || d.topK >= V) candidates = Array.from({ length: V }, (_, i) => i);
  else candidates = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b).slice(0, d.topK);
  // softmax(z/T) in float64, shifted by the max for stability: weights in (0, 1], the max's = 1.
  const max = logits[top];
  const weights = candidates.map((i) => Math.exp((logits[i] - max) / d.temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let u = rng.uniform() * total;
  for (let j = 0; j < candidates.length; j++) {
    u -= weights[j];
    if (u < 0) return candidates[j];
  }
  // Rounding left u ≥ 0 after the last weight: return the last candidate with weight > 0.
  for (let j = candidates.length - 1; j >= 0; j--) if (weights[j] > 0) return candidates[j];
  return top;
}

export interface GenerateOptions {
  maxNewTokens: number; // at most this many tokens per continuation
  decoding: Decoding;
  seed: number; // sequence i samples from new Rng(seed).fork('generate', i)
  stopToken?: number; // e.g. the tokenizer's eot: ends a continuation, not included in it
  masks?: GptMasks; // SPDF sparsity masks, as in applyGpt
}

/**
 * Continuations (new tokens only) of each prompt, generated together; see the file header.
 * Prompts must be non-empty lists of ids in [0, vocabSize). Params and masks are borrowed; every
 * tensor made here is disposed.
 */
export function generate(params: GptParams, cfg: GptConfig, prompts: readonly (readonly number[])[], opts: GenerateOptions): number[][] {
  const { maxNewTokens, decoding, seed, stopToken, masks } = opts;
  checkDecoding(decoding);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new Error(`generate: maxNewTokens = ${maxNewTokens} must be an integer ≥ 0`);
  if (!Number.isFinite(seed)) throw new Error(`generate: seed = ${seed} must be a finite number`);
  const V = cfg.vocabSize;
  const isId = (t: number) => Number.isInteger(t) && t >= 0 && t < V;
  if (stopToken !== undefined && !isId(stopToken)) throw new Error(`generate: stopToken = ${stopToken} is not a token id (0..${V - 1})`);
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`generate: prompt ${i} is empty (need ≥ 1 token to continue from)`);
    const bad = p.findIndex((t) => !isId(t));
    if (bad >= 0) throw new Error(`generate: prompt ${i} token ${bad} = ${p[bad]} is not a token id (0..${V - 1})`);
  });

  const root = new Rng(seed);
  const rngs = prompts.map((_, i) => root.fork('generate', i));
  const out: number[][] = prompts.map(() => []);
  if (maxNewTokens === 0) return out;
  // Prompts of one length decode together with a key/value cache while they fit the context;
  // the rest (a window that must slide past contextLength) recompute their window per token.
  const byLength = new Map<number, number[]>();
  prompts.forEach((p, i) => byLength.set(p.length, [...(byLength.get(p.length) ?? []), i]));
  const windowed: number[] = [];
  for (const [len, group] of byLength) {
    if (len + maxNewTokens - 1 <= cfg.contextLength) decodeCached(params, cfg, group, prompts, out, rngs, opts);
    else windowed.push(...group);
  }
  if (windowed.length > 0) decodeWindowed(params, cfg, windowed, prompts, out, rngs, opts);
  return out;
}

/** A token per active sequence from its row (`row(i, a)`) of the logits [·, V]; returns the sequences still going. */
function pickAll(data: Float32Array, V: number, active: number[], row: (i: number, a: number) => number, out: number[][], rngs: Rng[], o: GenerateOptions): number[] {
  return active.filter((i, a) => {
    const r = row(i, a);
    const tok = pickToken(data.subarray(r * V, (r + 1) * V), o.decoding, rngs[i]);
    if (tok === o.stopToken) return false;
    out[i].push(tok);
    return out[i].length < o.maxNewTokens;
  });
}

/** Equal-length prompts that fit the context with their continuations: prefill once, then one token per step from the cache. */
function decodeCached(params: GptParams, cfg: GptConfig, group: number[], prompts: readonly (readonly number[])[], out: number[][], rngs: Rng[], o: GenerateOptions): void {
  const V = cfg.vocabSize;
  const len = prompts[group[0]].length;
  const ids = new Int32Array(group.length * len);
  group.forEach((i, a) => ids.set(prompts[i], a * len));
  let input = tf.tensor2d(ids, [group.length, len], 'int32');
  let cache: KvCache | null = null;
  let active = [...group];
  try {
    while (active.length > 0) {
      const r: { logits: tf.Tensor3D; cache: KvCache } = applyGptCached(params, input, cfg, cache, { masks: o.masks });
      input.dispose();
      if (cache) disposeKvCache(cache);
      cache = r.cache;
      const n = r.logits.shape[1];
      const last = tf.tidy(() => tf.reshape(tf.slice(r.logits, [0, n - 1, 0], [-1, 1, -1]), [group.length, V]));
      r.logits.dispose();
      const data = last.dataSync() as Float32Array;
      last.dispose();
      // Every sequence of the group keeps its row (finished ones are fed a token and ignored), so the cache stays one batch.
      const still = pickAll(data, V, active, (i) => group.indexOf(i), out, rngs, o);
      const next = new Int32Array(group.length);
      group.forEach((i, a) => (next[a] = out[i].at(-1) ?? prompts[i][len - 1]));
      active = still;
      input = tf.tensor2d(next, [group.length, 1], 'int32');
    }
  } finally {
    input.dispose();
    if (cache) disposeKvCache(cache);
  }
}

/** Prompts whose windows slide past contextLength: each new token recomputes the cropped, right-padded window. */
function decodeWindowed(params: GptParams, cfg: GptConfig, group: number[], prompts: readonly (readonly number[])[], out: number[][], rngs: Rng[], o: GenerateOptions): void {
  const V = cfg.vocabSize;
  const seqs = new Map(group.map((i) => [i, [...prompts[i]]]));
  let active = [...group];
  while (active.length > 0) {
    const windows = active.map((i) => [...seqs.get(i)!, ...out[i]].slice(-cfg.contextLength));
    const T = Math.max(...windows.map((w) => w.length));
    const ids = new Int32Array(active.length * T); // right-padded with 0
    windows.forEach((w, a) => ids.set(w, a * T));
    // Row a·T + (len − 1) of the flattened logits is sequence a's next-token distribution.
    const rows = tf.tidy(() => {
      const logits = applyGpt(params, tf.tensor2d(ids, [active.length, T], 'int32'), cfg, { masks: o.masks }); // [A, T, V]
      const last = tf.tensor1d(windows.map((w, a) => a * T + w.length - 1), 'int32');
      return tf.gather(tf.reshape(logits, [active.length * T, V]), last); // [A, V]
    });
    const data = rows.dataSync() as Float32Array;
    rows.dispose();
    active = pickAll(data, V, active, (_, a) => a, out, rngs, o);
  }
}
