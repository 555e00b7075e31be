/**
 * One training step of the reversible MBConv 3D U-Net, webgpu vs cpu, built exactly as
 * experiments/brats/train.ts builds it: the BraTS config schema, createBratsModel (init from the
 * seed), batchLoss (soft Dice + 0.5·BCE on the 3 region logits) under tf.variableGrads in a tidy,
 * gradients re-keyed by parameter name, then one Adam update. Each backend runs its production
 * layer paths ('auto': typed-array kernels on cpu, tfjs ops on webgpu).
 *
 * Smallest config that still has every part of the net: 2 levels (stem, one stride-2 down conv,
 * one ×2 upsample with a skip), widths [4, 8] (MBConv on 2 and 4 channels, hidden 4 and 8),
 * 1 reversible block per level, GroupNorm with 2 groups, batch 2 (per-sample norms, batch offsets)
 * of 4×6×8 patches (distinct D, H, W so a swapped axis shows).
 *
 * The init's zero γ in each block's last norm makes every coupling the identity, with zero
 * gradients inside F and G; so the same seeded perturbation (host arrays) is added on both
 * backends first, and the test checks that every cpu gradient is non-zero.
 *
 * Tolerances (relErr = max|a − b| / max|b|, per tensor):
 *  - loss and each parameter gradient ≤ 1e-4: float32 through ~40 layers forward and the
 *    reversible backward (which reconstructs activations by subtraction); measured ≤ ~1e-5,
 *    while a wrong kernel gives ≥ 1e-2.
 *  - parameters after Adam: on each backend p1 = p0 − lr·g/(|g| + ε) to float32 rounding (checks
 *    webgpu's Adam kernels against its own gradients); across backends the updates Δp = p1 − p0
 *    agree to 1e-3 of lr (an update is ±lr·(1 − O(ε/|g|)), so only gradient elements near 0
 *    could flip; measured ~2e-4·lr, the float32 spacing of |p| ≈ 1 relative to lr = 1e-3).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/training/core/adam';
import { gradsByParamName } from '../../src/training/core/params';
import { Rng } from '../../src/training/core/rng';
import { bratsConfigSchema } from '../../src/training/experiments/brats/config';
import { batchLoss, createBratsModel } from '../../src/training/experiments/brats/model';
import { relErr, values } from '../numeric';
import { startWebGpu } from '../webgpu';

const gpu = await startWebGpu();

const config = bratsConfigSchema.parse({
  data: 'unused: the batch is made here',
  widths: [4, 8],
  blocksPerLevel: 1,
  normGroups: 2,
  patchSize: [4, 6, 8],
  batchSize: 2,
});
const LR = 1e-3;
const [PD, PH, PW] = config.patchSize;
const IMAGE_SHAPE = [config.batchSize, PD, PH, PW, 4];
const TARGET_SHAPE = [config.batchSize, PD, PH, PW, 3];
const N = config.batchSize * PD * PH * PW;

/** Image: 4 modalities in [−2, 2); target: nested regions WT ⊇ TC ⊇ ET as in BraTS. */
function batch(): { image: Float32Array; target: Float32Array } {
  const image = values(N * 4, 1, 2);
  const u = values(N * 3, 2);
  const target = new Float32Array(N * 3);
  for (let i = 0; i < N; i++) {
    const wt = u[3 * i] > -0.2 ? 1 : 0;
    const tc = wt && u[3 * i + 1] > 0 ? 1 : 0;
    target.set([wt, tc, tc && u[3 * i + 2] > 0.2 ? 1 : 0], 3 * i);
  }
  return { image, target };
}

interface StepResult {
  /** Parameter values right after createBratsModel (before the shared perturbation). */
  init: Map<string, Float32Array>;
  loss: number;
  grads: Map<string, Float32Array>;
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
  tensorsBefore: number;
  tensorsAfter: number;
  /** numBytesInGPU (bytes of live tensors' buffers): before the model, after the step, after disposal. */
  gpuBytes: [number, number, number];
  /** numBytesAllocatedInGPU after the step: live plus the buffer pool. */
  gpuAllocated: number;
  nParams: number;
  ms: number;
}

const read = async (named: Map<string, tf.Tensor>): Promise<Map<string, Float32Array>> =>
  new Map(await Promise.all([...named].map(async ([k, t]) => [k, Float32Array.from(await t.data())] as const)));

/** The perturbation: the same host arrays on every backend, derived from the cpu init. */
let perturbed: Map<string, Float32Array> | undefined;

type GpuMemory = tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
const gpuMemory = (): GpuMemory => tf.memory() as GpuMemory;

async function trainStep(backend: 'cpu' | 'webgpu'): Promise<StepResult> {
  await tf.setBackend(backend);
  const bytes0 = gpuMemory().numBytesInGPU ?? 0;
  const model = createBratsModel(config);
  const init = await read(model.named);
  if (perturbed === undefined) {
    const rng = new Rng(3);
    perturbed = new Map([...init].map(([k, v]) => [k, v.map((x) => x + 0.2 * rng.normal())]));
  }
  for (const [k, v] of model.named) tf.tidy(() => v.assign(tf.tensor(perturbed!.get(k)!, v.shape)));
  const before = await read(model.named);
  const optimizer = new Adam(model.named, { weightDecay: config.weightDecay });
  const { image, target } = batch();

  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  // train.ts's trainStep, verbatim but for reading the gradients before they are freed.
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor5d(image, IMAGE_SHAPE as [number, number, number, number, number]);
    const y = tf.tensor5d(target, TARGET_SHAPE as [number, number, number, number, number]);
    return tf.variableGrads(() => batchLoss(model, x, y, config.bceWeight));
  });
  const named = gradsByParamName(model.named, grads);
  const gradValues = await read(named);
  optimizer.apply(named, LR);
  tf.dispose(grads);
  const loss = (await value.data())[0];
  value.dispose();
  const after = await read(model.named);
  const ms = performance.now() - t0;
  const tensorsAfter = tf.memory().numTensors;
  const bytes1 = gpuMemory().numBytesInGPU ?? 0;
  const gpuAllocated = gpuMemory().numBytesAllocatedInGPU ?? 0;
  const nParams = [...model.named.values()].reduce((n, v) => n + v.size, 0);

  optimizer.dispose();
  model.dispose();
  const bytes2 = gpuMemory().numBytesInGPU ?? 0;
  await tf.setBackend('cpu');
  return { init, loss, grads: gradValues, before, after, tensorsBefore, tensorsAfter, gpuBytes: [bytes0, bytes1, bytes2], gpuAllocated, nParams, ms };
}

describe('reversible U-Net training step on webgpu matches cpu', () => {
  it('loss, every parameter gradient and the parameters after one Adam step; no leaked tensors', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const cpu = await trainStep('cpu');
    const gpuR = await trainStep('webgpu');
    const rows: string[] = [];

    // Same seed, same initial parameters (bit for bit: host-side init), same starting point.
    for (const [k, v] of cpu.init) expect(relErr(gpuR.init.get(k)!, v), `init ${k}`).toBe(0);
    for (const [k, v] of cpu.before) expect(relErr(gpuR.before.get(k)!, v), `start ${k}`).toBe(0);

    const lossErr = Math.abs(gpuR.loss - cpu.loss) / Math.abs(cpu.loss);
    rows.push(`loss cpu ${cpu.loss.toFixed(6)} webgpu ${gpuR.loss.toFixed(6)} relErr ${lossErr.toExponential(2)}`);
    expect(cpu.loss).toBeGreaterThan(0.5); // soft Dice of an untrained net is near 1, plus BCE
    expect(lossErr, 'loss').toBeLessThan(1e-4);

    let worstGrad = 0;
    let worstGradName = '';
    for (const [k, g] of cpu.grads) {
      expect(g.some((v) => v !== 0) && g.every(Number.isFinite), `cpu gradient of ${k} is non-zero and finite`).toBe(true);
      const e = relErr(gpuR.grads.get(k)!, g);
      if (e > worstGrad) [worstGrad, worstGradName] = [e, k];
      expect(e, `gradient of ${k}`).toBeLessThan(1e-4);
    }
    rows.push(`gradients: ${cpu.grads.size} parameters, worst relErr ${worstGrad.toExponential(2)} (${worstGradName})`);

    // Adam on each backend from its own gradients: one step from zero moments moves each weight by
    // lr·m̂/(√v̂ + ε) = lr·g/(|g| + ε) (m̂ = g, v̂ = g²), rounded to float32.
    let worstAdam = 0;
    let worstUpdate = 0;
    let worstUpdateName = '';
    for (const r of [cpu, gpuR]) {
      for (const [k, p1] of r.after) {
        const p0 = r.before.get(k)!;
        const g = r.grads.get(k)!;
        for (let i = 0; i < p1.length; i++) {
          const want = p0[i] - (LR * g[i]) / (Math.abs(g[i]) + 1e-8);
          const ulp = (Math.max(Math.abs(p0[i]), Math.abs(want)) + LR) * 2 ** -23; // float32 spacing at this size
          worstAdam = Math.max(worstAdam, Math.abs(p1[i] - want) / ulp);
        }
      }
    }
    rows.push(`Adam p1 vs p0 − lr·g/(|g|+ε): worst ${worstAdam.toFixed(2)} float32 ulps`);
    expect(worstAdam).toBeLessThan(4);
    for (const [k, p1] of cpu.after) {
      const q1 = gpuR.after.get(k)!;
      const p0 = cpu.before.get(k)!;
      for (let i = 0; i < p1.length; i++) {
        const e = Math.abs(q1[i] - p0[i] - (p1[i] - p0[i])) / LR;
        if (e > worstUpdate) [worstUpdate, worstUpdateName] = [e, k];
      }
    }
    rows.push(`parameters after Adam: worst |Δp_webgpu − Δp_cpu| = ${worstUpdate.toExponential(2)}·lr (${worstUpdateName})`);
    expect(worstUpdate).toBeLessThan(1e-3);

    // No tensor outlives the step (DESIGN.md: every experiment's step leaves the count unchanged).
    expect(gpuR.tensorsAfter).toBe(gpuR.tensorsBefore);
    expect(cpu.tensorsAfter).toBe(cpu.tensorsBefore);
    // GPU buffers: after the step only the parameters and Adam's two moments are live (3 × 4 bytes
    // per weight), and disposing model and optimiser returns to where we started.
    const [bytes0, bytes1, bytes2] = gpuR.gpuBytes;
    expect(bytes1 - bytes0).toBe(3 * 4 * gpuR.nParams);
    expect(bytes2).toBe(bytes0);
    rows.push(`tensors before/after the step: cpu ${cpu.tensorsBefore}/${cpu.tensorsAfter}, webgpu ${gpuR.tensorsBefore}/${gpuR.tensorsAfter}`);
    rows.push(`numBytesInGPU: ${bytes0} before the model, ${bytes1} after the step (${gpuR.nParams} weights × 3 × 4 B), ${bytes2} after disposal; numBytesAllocatedInGPU (with the pool) ${gpuR.gpuAllocated}`);
    rows.push(`step time (incl. reads): cpu ${cpu.ms.toFixed(0)} ms, webgpu ${gpuR.ms.toFixed(0)} ms`);
    console.log(`U-Net step, webgpu vs cpu (widths ${config.widths.join('/')}, batch ${IMAGE_SHAPE.join('×')}):\n  ${rows.join('\n  ')}`);
  });
});
