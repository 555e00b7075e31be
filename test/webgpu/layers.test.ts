/**
 * Layer parity, webgpu vs cpu: every layer of the reversible MBConv 3D U-Net, forward and the
 * gradients of ⟨y, dy⟩ (dy a fixed random cotangent) with respect to its input and weights.
 *
 * Each backend runs its production path, the 'auto' choice: on cpu the typed-array kernels
 * ('kernel'), on webgpu the tfjs-op paths (tf.conv3d, fused matMul, grouped depthwise convs,
 * the fused groupNorm customGrad, op-chain activations and upsampling, tf.slice/concat); the first
 * test pins that mapping, so a change in it cannot silently turn this into same-code-on-both.
 * Shapes are tiny and odd-sized where 'same' padding could go wrong (SwiftShader emulates the GPU
 * on the CPU, ~25× slower than tfjs cpu).
 *
 * Tolerance: relErr = max|a − b| / max|b| ≤ 1e-4 (float32, sums of ≤ a few hundred terms; a wrong
 * tap, stride, padding or batch offset gives errors of order 1e-1). Every measured error is
 * printed at the end of the file.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { flattenParams, leaves, withLeaves } from '../../src/training/core/params';
import { Rng } from '../../src/training/core/rng';
import { ACTIVATIONS, activate } from '../../src/training/nn/activations';
import { concatChannels, sliceChannels, splitChannelHalves } from '../../src/training/nn/channels';
import { conv3d, conv3dImplFor, pointwiseConv3d, pointwiseImplFor } from '../../src/training/nn/conv3d';
import { depthwiseConv3d, depthwiseImplFor, type DepthwiseImpl } from '../../src/training/nn/depthwise3d';
import { isHostBackend } from '../../src/training/nn/host';
import { applyMbConv3d, initMbConv3d, type MbConv3dConfig, type MbConv3dParams } from '../../src/training/nn/mbconv3d';
import { groupNorm, normImplFor } from '../../src/training/nn/norm';
import { additiveCoupling, revSequence } from '../../src/training/nn/reversible';
import { upsampleNearest3d } from '../../src/training/nn/upsample3d';
import { relErr, values } from '../numeric';
import { runOn, startWebGpu } from '../webgpu';

const gpu = await startWebGpu();
const TOL = 1e-4;

type Host = Record<string, [number[], Float32Array]>;
type Ts = Record<string, tf.Tensor>;

/** Measured max relative errors, printed after the file runs (the report's numbers). */
const measured: [string, number][] = [];
afterAll(() => {
  if (measured.length) console.log(`webgpu vs cpu, max relative error per output:\n${measured.map(([k, e]) => `  ${k.padEnd(48)} ${e.toExponential(2)}`).join('\n')}`);
});

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Host inputs from deterministic values: name → [shape, seed, scale, offset]. */
function hostInputs(spec: Record<string, [number[], number, number?, number?]>): Host {
  return Object.fromEntries(Object.entries(spec).map(([k, [shape, seed, scale, offset]]) => [k, [shape, values(sizeOf(shape), seed, scale ?? 1, offset ?? 0)]]));
}

/**
 * f's output 'y' and the gradients 'd<name>' of ⟨f(inputs), dy⟩ with respect to the inputs named
 * in `wrt`; `dy` must be among the inputs (a cotangent of f's output shape).
 */
function withGrads(f: (t: Ts) => tf.Tensor, wrt: string[]): (t: Ts) => Ts {
  return (t) => {
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f({ ...t, ...Object.fromEntries(wrt.map((n, i) => [n, xs[i]])) }))(
      wrt.map((n) => t[n]),
      t.dy,
    );
    return { y: value, ...Object.fromEntries(wrt.map((n, i) => [`d${n}`, grads[i]])) };
  };
}

/**
 * Runs `fn` on cpu, then `gpuFn` (default `fn`) on webgpu, from the same host inputs; asserts every
 * output within `tol` and records the errors under `label`.
 */
async function expectParity(label: string, inputs: Host, fn: (t: Ts) => Ts, tol = TOL, gpuFn = fn): Promise<Record<string, number>> {
  const ref = await runOn('cpu', inputs, fn);
  const got = await runOn('webgpu', inputs, gpuFn);
  await tf.setBackend('cpu');
  const errs: Record<string, number> = {};
  for (const k of Object.keys(ref)) {
    expect(got[k], `${label}: ${k} missing on webgpu`).toBeDefined();
    expect(got[k].length, `${label}: ${k} size`).toBe(ref[k].length);
    expect(ref[k].every(Number.isFinite) && ref[k].some((v) => v !== 0), `${label}: cpu ${k} is finite and non-zero`).toBe(true);
    errs[k] = relErr(got[k], ref[k]);
    measured.push([`${label} ${k}`, errs[k]]);
  }
  for (const [k, e] of Object.entries(errs)) expect(e, `${label}: ${k} relErr`).toBeLessThan(tol);
  return errs;
}

describe('layers on webgpu match cpu (forward, input and weight gradients)', () => {
  it('auto resolves to the typed-array kernels on cpu and to tfjs ops on webgpu', () => {
    expect(isHostBackend('cpu')).toBe(true);
    expect(isHostBackend('webgpu')).toBe(false);
    expect([conv3dImplFor('cpu'), pointwiseImplFor('cpu'), depthwiseImplFor('cpu'), normImplFor('cpu')]).toEqual(['kernel', 'kernel', 'kernel', 'kernel']);
    expect([conv3dImplFor('webgpu'), pointwiseImplFor('webgpu'), depthwiseImplFor('webgpu'), normImplFor('webgpu')]).toEqual(['tfjs', 'matmul', 'grouped', 'fused']);
  });

  // The stem (k3 s1) and the downsampling convs (k3 s2). Odd and even edges: 'same' padding puts
  // the odd voxel at the back, and stride 2 on an odd edge pads, on an even edge does not.
  it.for([
    [1, [1, 5, 4, 3, 3], [1, 5, 4, 3, 4]],
    [2, [2, 5, 6, 4, 4], [2, 3, 3, 2, 6]],
  ] as const)('conv3d k3 stride %i', async ([stride, xShape, yShape], ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[...xShape], 1], w: [[3, 3, 3, xShape[4], yShape[4]], 2, 0.3], dy: [[...yShape], 3] });
    await expectParity(`conv3d s${stride}`, inputs, withGrads((t) => conv3d(t.x as tf.Tensor5D, t.w as tf.Tensor5D, stride), ['x', 'w']));
  });

  it.for([true, false])('pointwiseConv3d (bias: %s)', async (bias, ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[2, 3, 4, 5, 6], 4], w: [[6, 5], 5, 0.5], b: [[5], 6], dy: [[2, 3, 4, 5, 5], 7] });
    const wrt = bias ? ['x', 'w', 'b'] : ['x', 'w'];
    const f = (t: Ts) => pointwiseConv3d(t.x as tf.Tensor5D, t.w as tf.Tensor2D, bias ? (t.b as tf.Tensor1D) : undefined);
    await expectParity(`pointwise${bias ? '+bias' : ''}`, inputs, withGrads(f, wrt));
  });

  // 'auto' is 'grouped' on webgpu; 'slices2d' (tf.depthwiseConv2d per depth tap) is the
  // candidate for real GPUs, checked here against the same cpu kernel.
  it.for(['auto', 'slices2d'] as const)('depthwiseConv3d k3, webgpu %s vs cpu kernel', async (impl, ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[2, 4, 5, 3, 4], 8], w: [[3, 3, 3, 4], 9, 0.5], dy: [[2, 4, 5, 3, 4], 10] });
    const f = (opts: { impl?: DepthwiseImpl }) => withGrads((t) => depthwiseConv3d(t.x as tf.Tensor5D, t.w as tf.Tensor4D, opts), ['x', 'w']);
    await expectParity(`depthwise ${impl}`, inputs, f({}), TOL, f(impl === 'auto' ? {} : { impl }));
  });

  // GroupNorm (2 groups of 3) and instance norm (groups = C, the normGroups = 0 setting), on
  // inputs with a mean far from 0 so a wrong mean or variance shows.
  it.for([2, 6])('groupNorm with %i groups', async (groups, ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[2, 3, 4, 3, 6], 11, 2, 1.5], gamma: [[6], 12, 0.5, 1], beta: [[6], 13], dy: [[2, 3, 4, 3, 6], 14] });
    const f = (t: Ts) => groupNorm(t.x as tf.Tensor5D, t.gamma as tf.Tensor1D, t.beta as tf.Tensor1D, groups);
    await expectParity(`groupNorm G=${groups}`, inputs, withGrads(f, ['x', 'gamma', 'beta']));
  });

  // Inputs in [−5, 5): both sides of every kink (0 for relu/leakyRelu, 6 for relu6, ±3 for hardswish).
  it.for(ACTIVATIONS)('activation %s', async (act, ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[1, 3, 4, 5, 4], 15, 5], dy: [[1, 3, 4, 5, 4], 16] });
    if (act === 'relu6') inputs.x[1].forEach((v, i, a) => (a[i] = v * 1.6)); // reach past 6
    await expectParity(`activation ${act}`, inputs, withGrads((t) => activate(t.x, act), ['x']));
  });

  // Batch 2: tfjs cpu's ResizeNearestNeighborGrad is wrong past the first image (upsample3d.ts).
  it('upsampleNearest3d ×2', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[2, 2, 3, 4, 3], 17], dy: [[2, 4, 6, 8, 3], 18] });
    await expectParity('upsample ×2', inputs, withGrads((t) => upsampleNearest3d(t.x as tf.Tensor5D), ['x']));
  });

  it('sliceChannels, splitChannelHalves and concatChannels', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs = hostInputs({ x: [[2, 3, 2, 3, 6], 19], z: [[2, 3, 2, 3, 2], 20], dy: [[2, 3, 2, 3, 10], 21] });
    // y = concat(second half, channels 1..2 of x, z, first half): every channel op forward and back.
    const f = (t: Ts) => {
      const [a, b] = splitChannelHalves(t.x);
      return concatChannels([b, sliceChannels(t.x, 1, 2), t.z, a]);
    };
    await expectParity('channels', inputs, withGrads(f, ['x', 'z']));
  });
});

// ------------------------------------------------------------------------------------------------
// MBConv block and a reversible sequence of couplings, with weights from the model's own init.

const MB: MbConv3dConfig = { channels: 4, expansion: 2, kernel: 3, activation: 'silu', normGroups: 2, se: 0, zeroInitLast: false };

/** A block's weights as host arrays (init on cpu, then freed), and a shape template to rebuild the tree. */
function mbHostWeights(cfg: MbConv3dConfig, seed: number): { names: string[]; host: Host; template: MbConv3dParams } {
  const params = initMbConv3d(cfg, new Rng(seed));
  const named = flattenParams(params);
  const host: Host = {};
  const names: string[] = [];
  for (const [name, v] of named) {
    // Perturb γ and β (init 1 and 0) so no weight sits at a value that hides a wrong gradient.
    const extra = /gamma|beta/.test(name) ? values(v.size, seed + names.length, 0.3) : new Float32Array(v.size);
    host[`${seed}:${name}`] = [v.shape, (v.dataSync() as Float32Array).map((x, i) => x + extra[i])];
    names.push(`${seed}:${name}`);
  }
  const template = withLeaves(params, leaves(params).map((v) => tf.zeros(v.shape))) as MbConv3dParams;
  for (const v of named.values()) v.dispose();
  return { names, host, template };
}

describe('blocks on webgpu match cpu', () => {
  it.for([0, 0.5])('MBConv3d block (4 ch, expansion 2, GroupNorm 2, SiLU, SE %s)', async (se, ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const cfg = { ...MB, se };
    const w = mbHostWeights(cfg, 30);
    const inputs: Host = { ...hostInputs({ x: [[2, 3, 4, 3, 4], 31], dy: [[2, 3, 4, 3, 4], 32] }), ...w.host };
    const f = (t: Ts) => applyMbConv3d(withLeaves(w.template, w.names.map((n) => t[n])), t.x as tf.Tensor5D, cfg);
    await expectParity(`mbconv se=${se}`, inputs, withGrads(f, ['x', ...w.names]));
    tf.dispose(leaves(w.template));
  });

  it('reversible sequence of 2 MBConv couplings: matches cpu, and its non-reversible twin on webgpu', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const blocks = [40, 41, 42, 43].map((s) => mbHostWeights(MB, s)); // F0, G0, F1, G1
    const inputs: Host = { ...hostInputs({ x: [[1, 4, 3, 4, 8], 44], dy: [[1, 4, 3, 4, 8], 45] }), ...Object.assign({}, ...blocks.map((b) => b.host)) };
    const allNames = blocks.flatMap((b) => b.names);
    const seq = (reversible: boolean) => (t: Ts) => {
      const ws = blocks.map((b) => b.names.map((n) => t[n]));
      const mb = (i: number) => (x: tf.Tensor, list: readonly tf.Tensor[]) => applyMbConv3d(withLeaves(blocks[i].template, list), x as tf.Tensor5D, MB);
      const couplings = [additiveCoupling(mb(0), mb(1), ws[0], ws[1]), additiveCoupling(mb(2), mb(3), ws[2], ws[3])];
      return revSequence(couplings, [t.x], { reversible })[0];
    };
    // Production (reversible) on both backends.
    await expectParity('revSequence', inputs, withGrads(seq(true), ['x', ...allNames]));
    // On webgpu: the reversible backward (reconstruction + recomputation) equals plain autodiff.
    const rev = await runOn('webgpu', inputs, withGrads(seq(true), ['x', ...allNames]));
    const twin = await runOn('webgpu', inputs, withGrads(seq(false), ['x', ...allNames]));
    await tf.setBackend('cpu');
    let worst = 0;
    for (const k of Object.keys(twin)) {
      const e = relErr(rev[k], twin[k]);
      worst = Math.max(worst, e);
      expect(e, `reversible vs twin on webgpu: ${k}`).toBeLessThan(TOL);
    }
    measured.push(['revSequence vs twin on webgpu (worst of all)', worst]);
    expect(Object.keys(twin)).toHaveLength(2 + allNames.length);
    for (const b of blocks) tf.dispose(leaves(b.template));
  });
});
