import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { conv3dSanityCheck, formatDoctor, referenceConv3d, runDoctor } from './doctor';

const appVersion = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

describe('referenceConv3d', () => {
  it('2×2×2 ones kernel over x = 1..27 (valid): hand-computed y, dx, dW', () => {
    // x[d,h,w] = 9d + 3h + w + 1. A 2×2×2 window at corner v = x[d,h,w] sums
    // v + (v+1) + (v+3) + (v+4) + (v+9) + (v+10) + (v+12) + (v+13) = 8v + 52.
    const x = Float32Array.from({ length: 27 }, (_, i) => i + 1);
    const w = new Float32Array(8).fill(1);
    const g = new Float32Array(8).fill(1); // L = Σ y
    const r = referenceConv3d(x, [1, 3, 3, 3, 1], w, [2, 2, 2, 1, 1], g, 'valid');
    expect(r.yShape).toEqual([1, 2, 2, 2, 1]);
    // corners v = 1, 2, 4, 5, 10, 11, 13, 14 → 8v + 52
    expect([...r.y]).toEqual([60, 68, 84, 92, 132, 140, 156, 164]);
    // dL/dW[i,j,k] = Σ over the 8 windows of x at offset (i,j,k) = the same 8v + 52 pattern.
    expect([...r.dw]).toEqual([60, 68, 84, 92, 132, 140, 156, 164]);
    // dL/dx = number of windows covering each voxel: per axis 1, 2, 1 → products.
    const c = [1, 2, 1];
    const dx: number[] = [];
    for (const a of c) for (const b of c) for (const e of c) dx.push(a * b * e);
    expect([...r.dx]).toEqual(dx);
  });

  it("'same' is cross-correlation (not flipped), matching tf.conv3d", () => {
    // x = [1,2,3] along W, w = [1,10,100], zero pad 1:
    // y0 = 0·1 + 1·10 + 2·100 = 210; y1 = 1 + 20 + 300 = 321; y2 = 2 + 30 + 0 = 32.
    // With g = 1: dx_j = Σ_{i+k-1=j} w_k: dx0 = 10+1 = 11, dx1 = 100+10+1 = 111, dx2 = 100+10 = 110;
    // dW_k = Σ_i x_{i+k-1}: dW0 = 0+1+2 = 3, dW1 = 1+2+3 = 6, dW2 = 2+3+0 = 5.
    const x = new Float32Array([1, 2, 3]);
    const w = new Float32Array([1, 10, 100]);
    const r = referenceConv3d(x, [1, 1, 1, 3, 1], w, [1, 1, 3, 1, 1], new Float32Array([1, 1, 1]), 'same');
    expect([...r.y]).toEqual([210, 321, 32]);
    expect([...r.dx]).toEqual([11, 111, 110]);
    expect([...r.dw]).toEqual([3, 6, 5]);
    const y = tf.tidy(() => tf.conv3d(tf.tensor5d(x, [1, 1, 1, 3, 1]), tf.tensor5d(w, [1, 1, 3, 1, 1]), 1, 'same'));
    expect([...y.dataSync()]).toEqual([210, 321, 32]);
    y.dispose();
  });
});

describe('conv3dSanityCheck', () => {
  it('passes on the cpu backend without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const s = await conv3dSanityCheck();
    expect(s.pass).toBe(true);
    expect(s.backend).toBe('cpu');
    expect(s.maxRelError.y).toBeLessThan(1e-6);
    expect(s.maxRelError.dx).toBeLessThan(1e-6);
    expect(s.maxRelError.dw).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails a conv3d with a flipped kernel, and one whose gradients are wrong (like wasm dx)', async () => {
    const flipped = await conv3dSanityCheck((x, w) => tf.conv3d(x, tf.reverse(w, [0, 1, 2]), 1, 'same'));
    expect(flipped.pass).toBe(false);
    expect(flipped.detail).toMatch(/^WRONG y, dx, dw/);
    const badGrad = await conv3dSanityCheck((x, w) =>
      tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [a, b, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.GradSaveFunc];
        save([a, b]);
        // Correct forward, zero gradients: a backend whose backprop is silently wrong.
        return { value: tf.conv3d(a, b, 1, 'same'), gradFunc: (_dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [tf.zerosLike(sa), tf.zerosLike(sb)] };
      })(x, w),
    );
    expect(badGrad.pass).toBe(false);
    expect(badGrad.maxRelError.y).toBeLessThan(1e-6);
    expect(badGrad.maxRelError.dx).toBe(1); // zero gradient: error = max|ref| / max|ref|
    expect(badGrad.detail).toMatch(/^WRONG dx, dw/);
  });
});

describe('runDoctor / formatDoctor', () => {
  it('reports versions, backend choice, machine, memory and the sanity check', async () => {
    const before = tf.memory().numTensors;
    const r = await runDoctor({ env: { TF_FORCE_GPU_ALLOW_GROWTH: 'true' } });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.app).toEqual({ name: 'frugal-studio', version: appVersion });
    expect(r.versions).toMatchObject({ node: process.versions.node, tfjs: '4.22.0' });
    expect(r.backend?.chosen).toBe('cpu');
    expect(r.backend?.candidates.map((c) => c.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    expect(r.threads).toBe(1);
    expect(r.cpu.count).toBe(cpus().length);
    expect(r.memory.totalBytes).toBeGreaterThan(r.memory.freeBytes);
    expect(r.memory.process.rss).toBeGreaterThan(0);
    expect(r.env.TF_FORCE_GPU_ALLOW_GROWTH).toBe('true');
    expect(r.sanity.pass).toBe(true);
    expect(r.volumeSanity).toMatchObject({ pass: true, backend: 'cpu' });
    expect(r.volumeSanity.maxRelError.sliceGrad).toBeLessThan(1e-6);
    expect(r.warnings.some((w) => w.includes('pure-JavaScript cpu backend'))).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // --json prints it as is

    const text = formatDoctor(r);
    expect(text).toContain(`Frugal Studio ${appVersion}`);
    expect(text).toContain(`tfjs 4.22.0`);
    expect(text).toContain('backend: cpu — CPU (JavaScript, 1 thread)');
    expect(text).toMatch(/unavailable +tensorflow-gpu +not installed/);
    expect(text).toContain("sanity check (conv3d + gradients on 'cpu'): PASS");
    expect(text).toContain("sanity check (volume ops on 'cpu'): PASS");
    expect(text).toContain('TF_FORCE_GPU_ALLOW_GROWTH=true');
  });

  it('still reports when a forced backend cannot load', async () => {
    const r = await runDoctor({ env: { FRUGAL_BACKEND: 'tensorflow' } }); // tfjs-node is not installed here
    expect(r.backendError).toContain("backend 'tensorflow' cannot be used");
    expect(r.backend?.forcedBy).toBe('FRUGAL_BACKEND=tensorflow');
    expect(r.sanity.backend).toBe('cpu'); // checked on what is actually active
    expect(r.warnings[0]).toMatch(/^backend selection failed/);
    expect(formatDoctor(r)).toContain('backend error: FRUGAL_BACKEND=tensorflow');
  });
});
