/**
 * One training step of the tiny GPT (the SPDF model) on webgpu against cpu: same seed, same
 * token windows, both embedding paths (gather, whose gradient is UnsortedSegmentSum; one-hot
 * matMul), and the sparse (masked) forward SPDF pre-trains with. Loss and every parameter
 * gradient must agree within 1e-4 relative (float32 through 2 blocks of attention and MLP;
 * measured ≤ 5e-7), and masked weights must get exactly zero gradient on webgpu too.
 * Op-by-op parity: ops.test.ts. Skipped, with the reason, where no adapter exists.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { flattenParams, gradsByParamName } from '../../src/training/core/params';
import { Rng } from '../../src/training/core/rng';
import { gptConfig, gptLoss, initGpt, sparseWeightNames, type GptConfig, type GptEmbedding } from '../../src/training/models/gpt';
import { relErr } from '../numeric';
import { startWebGpu } from '../webgpu';

const gpu = await startWebGpu();

const cfgFor = (embedding: GptEmbedding): GptConfig => gptConfig({ vocabSize: 16, contextLength: 8, nLayer: 2, nHead: 2, dModel: 16, embedding }, 'tiny');
/** Batch 3 of 9-token windows (8 inputs + the next token), a fixed pattern. */
const WINDOWS = Int32Array.from({ length: 27 }, (_, i) => (i * 7 + Math.floor(i / 9) * 3) % 16);

interface Step {
  loss: number;
  grads: Map<string, Float32Array>;
}

async function stepOn(backend: 'cpu' | 'webgpu', cfg: GptConfig, sparse: boolean): Promise<Step> {
  await tf.setBackend(backend);
  const params = initGpt(cfg, new Rng(11));
  const named = flattenParams(params);
  // SPDF's sparse forward: a fixed 0/1 mask (every third weight kept out) on each sparsifiable matrix.
  const masks = new Map<string, tf.Tensor>();
  if (sparse) for (const name of sparseWeightNames(cfg)) masks.set(name, tf.tidy(() => tf.cast(tf.notEqual(tf.mod(tf.range(0, named.get(name)!.size, 1, 'int32'), 3), 0), 'float32').reshape(named.get(name)!.shape)));
  const windows = tf.tensor2d(WINDOWS, [3, 9], 'int32');
  const { value, grads } = tf.variableGrads(() => gptLoss(params, windows, cfg, sparse ? { masks } : {}), [...named.values()]);
  const out: Step = { loss: (await value.data())[0], grads: new Map() };
  for (const [k, g] of gradsByParamName(named, grads)) out.grads.set(k, Float32Array.from(await g.data()));
  tf.dispose([value, windows, ...Object.values(grads), ...masks.values(), ...named.values()]);
  await tf.setBackend('cpu');
  return out;
}

describe('tiny GPT training step, webgpu vs cpu', () => {
  const cases: [GptEmbedding, boolean][] = [
    ['gather', false],
    ['oneHot', false],
    ['gather', true],
  ];
  for (const [embedding, sparse] of cases) it(`embedding ${embedding}, ${sparse ? 'sparse (masked)' : 'dense'}: loss and every gradient match`, async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const cfg = cfgFor(embedding);
    const cpu = await stepOn('cpu', cfg, sparse);
    const gpuStep = await stepOn('webgpu', cfg, sparse);
    expect(Math.abs(cpu.loss - Math.log(16))).toBeLessThan(0.05); // untrained: ≈ ln(vocab)
    expect(relErr([gpuStep.loss], [cpu.loss])).toBeLessThan(1e-5);
    let worst = 0;
    for (const [k, g] of cpu.grads) {
      // The key bias's gradient is 0 in theory (softmax is shift-invariant per query); its
      // float noise (~1e-12) has no meaningful relative error.
      if (k.endsWith('attn.k.b')) continue;
      const e = relErr(gpuStep.grads.get(k)!, g);
      worst = Math.max(worst, e);
      expect(e, `gradient of ${k}`).toBeLessThan(1e-4);
    }
    if (sparse) {
      for (const name of sparseWeightNames(cfg)) {
        const g = gpuStep.grads.get(name)!;
        for (let i = 0; i < g.length; i += 3) expect(Math.abs(g[i]), `masked ${name}[${i}]`).toBe(0);
      }
    }
    console.log(`GPT step (${embedding}${sparse ? ', sparse' : ''}): loss ${cpu.loss.toFixed(6)}, ${cpu.grads.size} gradients, worst relErr ${worst.toExponential(2)}`);
  });
});
