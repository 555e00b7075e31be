import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeParams, flattenParams } from '../core/params';
import { Rng } from '../core/rng';
import { applyGpt, gptConfig, initGpt, sparseWeightNames } from './gpt';
import { describeDecoding, generate, pickToken, type Decoding } from './gpt-sample';

const GREEDY: Decoding = { kind: 'greedy' };
const softmax = (z: number[]): number[] => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
/** Empirical frequency of each token over `draws` picks. */
function frequencies(logits: number[], d: Decoding, draws: number, seed: number): number[] {
  const row = Float32Array.from(logits);
  const rng = new Rng(seed);
  const freq = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) freq[pickToken(row, d, rng)] += 1 / draws;
  return freq;
}

describe('pickToken', () => {
  it('greedy and top-k 1 take the argmax (the first one on a tie)', () => {
    const rng = new Rng(0);
    expect(pickToken(Float32Array.from([0.1, 2, -1, 2]), GREEDY, rng)).toBe(1);
    for (let t = 0; t < 50; t++) {
      const row = rng.fill(23, (r) => r.normal());
      const top = row.indexOf(Math.max(...row));
      expect(pickToken(row, GREEDY, rng)).toBe(top);
      expect(pickToken(row, { kind: 'sample', temperature: 5, topK: 1 }, rng)).toBe(top);
    }
  });

  it('with temperature T and no top-k, draws from softmax(logits/T): 20 000 draws within 0.01', () => {
    const logits = [1, 0.5, -0.3, 2, 0, -1];
    for (const T of [0.7, 1.5]) {
      const want = softmax(logits.map((z) => z / T)); // T = 0.7: [0.163, 0.080, 0.026, 0.677, 0.039, 0.009]
      const got = frequencies(logits, { kind: 'sample', temperature: T, topK: 0 }, 20_000, 1);
      got.forEach((f, i) => expect(Math.abs(f - want[i])).toBeLessThan(0.01));
    }
  });

  it('with top-k k, never returns a token outside the k largest logits, and renormalises over them', () => {
    const logits = [1, 0.5, -0.3, 2, 0, -1]; // top 3: ids 3 (2), 0 (1), 1 (0.5)
    const got = frequencies(logits, { kind: 'sample', temperature: 1, topK: 3 }, 20_000, 2);
    expect(got[2] + got[4] + got[5]).toBe(0);
    const want = softmax([1, 0.5, 2]); // ids 0, 1, 3: [0.231, 0.140, 0.629]
    expect(Math.abs(got[0] - want[0])).toBeLessThan(0.01);
    expect(Math.abs(got[1] - want[1])).toBeLessThan(0.01);
    expect(Math.abs(got[3] - want[2])).toBeLessThan(0.01);
    // Random rows: every pick is among the row's top k.
    const rng = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const row = rng.fill(50, (r) => r.normal());
      const k = 1 + rng.int(10);
      const topK = new Set([...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, k));
      expect(topK.has(pickToken(row, { kind: 'sample', temperature: 2, topK: k }, rng))).toBe(true);
    }
  });

  it('never picks a −Infinity logit; rejects bad decodings and logits', () => {
    const row = Float32Array.from([-Infinity, 0, -Infinity, 0.5]);
    const f = frequencies([...row], { kind: 'sample', temperature: 1, topK: 0 }, 2000, 4);
    expect(f[0] + f[2]).toBe(0);
    const rng = new Rng(0);
    const ok = Float32Array.from([0, 1]);
    expect(() => pickToken(ok, { kind: 'sample', temperature: 0, topK: 0 }, rng)).toThrow(/temperature = 0 must be > 0/);
    expect(() => pickToken(ok, { kind: 'sample', temperature: -1, topK: 0 }, rng)).toThrow(/temperature = -1/);
    expect(() => pickToken(ok, { kind: 'sample', temperature: NaN, topK: 0 }, rng)).toThrow(/temperature = NaN/);
    expect(() => pickToken(ok, { kind: 'sample', temperature: 1, topK: 1.5 }, rng)).toThrow(/topK = 1.5/);
    expect(() => pickToken(Float32Array.from([0, NaN]), GREEDY, rng)).toThrow(/logits\[1\] = NaN/);
    expect(() => pickToken(Float32Array.from([-Infinity]), GREEDY, rng)).toThrow(/every logit is −Infinity/);
    expect(() => pickToken(new Float32Array(0), GREEDY, rng)).toThrow(/empty logits/);
  });

  it('describes decodings', () => {
    expect(describeDecoding(GREEDY)).toBe('greedy');
    expect(describeDecoding({ kind: 'sample', temperature: 0.8, topK: 40 })).toBe('temperature 0.8, top-k 40');
    expect(describeDecoding({ kind: 'sample', temperature: 1, topK: 0 })).toBe('temperature 1, top-k off');
  });
});

describe('generate on a tiny random GPT', () => {
  // V 17, context 8, 1 layer, 2 heads, width 8. Weights at std 1, not 0.02: at 0.02 the tied head
  // mostly repeats the last token ([1, 2, 3] → 2, 2, 2, …), which would make these tests blind to
  // the context; at std 1 greedy continuations depend on it ([1, 2, 3] → 12, 9, 1, 2, 7, …).
  const cfg = gptConfig({ vocabSize: 17, contextLength: 8, nLayer: 1, nHead: 2, dModel: 8, initStd: 1, outputInitStd: 1 }, 'tiny');
  const params = initGpt(cfg, new Rng(0));
  afterAll(() => disposeParams(params));

  /** Reference: one prompt, one applyGpt per token on its last contextLength tokens, argmax of the last row. */
  function greedyReference(prompt: number[], n: number): number[] {
    const seq = [...prompt];
    const out: number[] = [];
    for (let s = 0; s < n; s++) {
      const window = seq.slice(-cfg.contextLength);
      const logits = tf.tidy(() => applyGpt(params, tf.tensor2d([window], [1, window.length], 'int32'), cfg));
      const all = logits.dataSync();
      logits.dispose();
      const last = [...all.slice((window.length - 1) * cfg.vocabSize, window.length * cfg.vocabSize)];
      const tok = last.indexOf(Math.max(...last));
      seq.push(tok);
      out.push(tok);
    }
    return out;
  }

  // Lengths 3, 1 and 10 (> contextLength 8): 12 new tokens take every window past the context.
  const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]];

  it('greedy continuation equals a step-by-step argmax with applyGpt, batched or alone', () => {
    const batched = generate(params, cfg, prompts, { maxNewTokens: 12, decoding: GREEDY, seed: 0 });
    prompts.forEach((p, i) => {
      const ref = greedyReference(p, 12);
      expect(batched[i]).toEqual(ref);
      expect(generate(params, cfg, [p], { maxNewTokens: 12, decoding: GREEDY, seed: 0 })[0]).toEqual(ref);
    });
    // Sampling with top-k 1 is greedy.
    expect(generate(params, cfg, prompts, { maxNewTokens: 12, decoding: { kind: 'sample', temperature: 1, topK: 1 }, seed: 5 })).toEqual(batched);
  });

  it('crops the window to the last contextLength tokens', () => {
    // Two 11-token prompts that differ only before their last 8 tokens continue identically…
    const tail = [3, 1, 4, 1, 5, 9, 2, 6];
    const [a, b, c] = generate(params, cfg, [[0, 0, 0, ...tail], [16, 7, 11, ...tail], [16, 7, 11, ...tail.slice(0, 7)]], { maxNewTokens: 6, decoding: GREEDY, seed: 0 });
    expect(a).toEqual(b);
    expect(a).toEqual(greedyReference(tail, 6));
    // …while the model does read the context: dropping the last token changes the continuation.
    expect(c).not.toEqual(a);
  });

  it('stops a sequence at stopToken, which is not included', () => {
    const refs = prompts.map((p) => greedyReference(p, 12));
    const stop = refs[0][2];
    const out = generate(params, cfg, prompts, { maxNewTokens: 12, decoding: GREEDY, seed: 0, stopToken: stop });
    refs.forEach((ref, i) => {
      const cut = ref.indexOf(stop);
      expect(out[i]).toEqual(cut < 0 ? ref : ref.slice(0, cut));
    });
    // Here the sequences stop at different steps (step 2, at once, never), each on its own.
    expect(out.map((o) => o.length)).toEqual(refs.map((r) => (r.includes(stop) ? r.indexOf(stop) : 12)));
    expect(new Set(out.map((o) => o.length)).size).toBe(3);
  });

  it('samples reproducibly: same seed → same tokens, another seed → different ones', () => {
    const decoding: Decoding = { kind: 'sample', temperature: 1, topK: 0 };
    const run = (seed: number, ps = prompts) => generate(params, cfg, ps, { maxNewTokens: 12, decoding, seed });
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    // Sequence i draws from its own stream, so sequence 0 does not depend on its batch companions.
    expect(run(7, [prompts[0]])[0]).toEqual(a[0]);
    expect(a.every((s) => s.length === 12 && s.every((t) => Number.isInteger(t) && t >= 0 && t < 17))).toBe(true);
  });

  it('passes SPDF masks to the model', () => {
    const named = flattenParams(params);
    const rng = new Rng(9);
    const masksOf = (keep: (r: Rng) => number) => new Map(sparseWeightNames(cfg).map((n) => [n, tf.tensor(rng.fill(named.get(n)!.size, keep), named.get(n)!.shape)]));
    const ones = masksOf(() => 1);
    const sparse = masksOf((r) => (r.bernoulli(0.75) ? 0 : 1));
    const run = (masks?: Map<string, tf.Tensor>) => generate(params, cfg, prompts, { maxNewTokens: 8, decoding: GREEDY, seed: 0, masks });
    expect(run(ones)).toEqual(run()); // W⊙1 = W
    expect(run(sparse)).not.toEqual(run()); // 75 % of the block weights removed
    tf.dispose([...ones.values(), ...sparse.values()]);
  });

  it('disposes every tensor', () => {
    const before = tf.memory().numTensors;
    generate(params, cfg, prompts, { maxNewTokens: 10, decoding: { kind: 'sample', temperature: 0.8, topK: 5 }, seed: 1, stopToken: 3 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles edge cases and rejects bad input, naming the prompt', () => {
    expect(generate(params, cfg, prompts, { maxNewTokens: 0, decoding: GREEDY, seed: 0 })).toEqual([[], [], []]);
    expect(generate(params, cfg, [], { maxNewTokens: 5, decoding: GREEDY, seed: 0 })).toEqual([]);
    const opts = { maxNewTokens: 3, decoding: GREEDY, seed: 0 };
    expect(() => generate(params, cfg, [[1], []], opts)).toThrow(/prompt 1 is empty/);
    expect(() => generate(params, cfg, [[1, 17]], opts)).toThrow(/prompt 0 token 1 = 17 is not a token id \(0..16\)/);
    expect(() => generate(params, cfg, [[1]], { ...opts, maxNewTokens: -1 })).toThrow(/maxNewTokens = -1/);
    expect(() => generate(params, cfg, [[1]], { ...opts, stopToken: 99 })).toThrow(/stopToken = 99/);
    expect(() => generate(params, cfg, [[1]], { ...opts, decoding: { kind: 'sample', temperature: 0, topK: 0 } })).toThrow(/temperature = 0/);
  });
});
