/**
 * Language-model training windows over a token stream (SPDF pre-training, METHODS.md §1), the
 * nanoGPT way: the documents are joined into one stream, the tail is held out for validation, and
 * each training batch is `batch` windows of `length` = T+1 tokens at random offsets (inputs are a
 * window's first T tokens, targets its last T). Tokenizer-agnostic: ids in, ids out.
 *
 *   const { train, val } = splitTokens(docs.map((d) => Int32Array.from(tok.encode(d.text))), 0.05, tok.eot, T + 1);
 *   const batch = trainWindows(train, 8, T + 1, seed, step);   // Int32Array [8·(T+1)], row-major
 *   const evalSet = valWindows(val, T + 1, 32);                 // ≤ 32 windows of T+1 ids
 *
 * - splitTokens: stream = doc₀ EOT doc₁ EOT … docₙ₋₁ (the end-of-text id between documents, not
 *   after the last). Validation is the LAST round(valFraction · length) tokens of that stream, so
 *   with documents in file order it is the end of the corpus (e.g. the last chapters of a book);
 *   the cut may fall inside a document. Both sides must hold at least `minLength` tokens (pass the
 *   window length T+1), else the error says how many they hold and what to change.
 * - trainWindows: the offsets of step s are drawn from `new Rng(seed).fork('lm-train-windows', s)`,
 *   a pure function of (seed, step) whatever ran before, so a resumed run sees exactly the batches
 *   an uninterrupted one would. Offsets are uniform over [0, stream.length − length].
 * - valWindows: windows [0, L), [L, 2L), … from the start of the stream, at most `maxWindows`;
 *   the same every call (a deterministic validation loss). They are views into `stream`.
 */

import { Rng } from '../../core/rng';

export interface TokenSplit {
  train: Int32Array;
  val: Int32Array;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
}

/** Join documents with `eot` between them and cut off the last `valFraction` for validation. */
export function splitTokens(docs: readonly ArrayLike<number>[], valFraction: number, eot: number, minLength = 2): TokenSplit {
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`splitTokens: valFraction must be in (0, 1), got ${valFraction}`);
  checkInt('splitTokens: eot', eot, 0);
  checkInt('splitTokens: minLength', minLength, 1);
  if (docs.length === 0) throw new Error('splitTokens: no documents');
  let total = docs.length - 1;
  for (const d of docs) total += d.length;
  const stream = new Int32Array(total);
  let at = 0;
  docs.forEach((d, i) => {
    if (i > 0) stream[at++] = eot;
    stream.set(d, at);
    at += d.length;
  });
  const valLen = Math.round(total * valFraction);
  const trainLen = total - valLen;
  const what = `the stream has ${total} tokens (${docs.length} documents); valFraction ${valFraction}`;
  if (valLen < minLength) {
    throw new Error(`splitTokens: the validation split has ${valLen} tokens, fewer than the ${minLength} one window needs (${what}): raise valFraction, add text or shorten the context`);
  }
  if (trainLen < minLength) {
    throw new Error(`splitTokens: the training split has ${trainLen} tokens, fewer than the ${minLength} one window needs (${what}): lower valFraction, add text or shorten the context`);
  }
  return { train: stream.subarray(0, trainLen), val: stream.subarray(trainLen) };
}

/** `batch` windows of `length` tokens at offsets determined by (seed, step): Int32Array [batch·length]. */
export function trainWindows(stream: Int32Array, batch: number, length: number, seed: number, step: number): Int32Array {
  checkInt('trainWindows: batch', batch, 1);
  checkInt('trainWindows: length', length, 2);
  checkInt('trainWindows: step', step, 0);
  if (stream.length < length) throw new Error(`trainWindows: the stream has ${stream.length} tokens, fewer than one window of ${length}`);
  const rng = new Rng(seed).fork('lm-train-windows', step);
  const span = stream.length - length + 1; // number of possible offsets
  const out = new Int32Array(batch * length); // [batch, length]
  for (let b = 0; b < batch; b++) {
    const off = rng.int(span);
    out.set(stream.subarray(off, off + length), b * length);
  }
  return out;
}

/** Non-overlapping windows of `length` tokens from the start of `stream`, at most `maxWindows` (views). */
export function valWindows(stream: Int32Array, length: number, maxWindows: number): Int32Array[] {
  checkInt('valWindows: length', length, 2);
  checkInt('valWindows: maxWindows', maxWindows, 1);
  const n = Math.min(maxWindows, Math.floor(stream.length / length));
  if (n === 0) throw new Error(`valWindows: the stream has ${stream.length} tokens, fewer than one window of ${length}`);
  return Array.from({ length: n }, (_, i) => stream.subarray(i * length, (i + 1) * length));
}
