import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { measurePeak, memorySnapshot } from './memory';

const MiB = 1024 * 1024;

describe('memorySnapshot', () => {
  it('reports live tensors and bytes, and process memory', () => {
    const s0 = memorySnapshot();
    const t = tf.zeros([256, 1024]); // 262144 float32 × 4 B = 1 MiB
    const s1 = memorySnapshot();
    expect(s1.tensors - s0.tensors).toBe(1);
    expect(s1.bytes - s0.bytes).toBe(MiB);
    expect(s1.rss).toBeGreaterThan(0);
    expect(s1.heapUsed).toBeGreaterThan(0);
    expect(s1.gpuBytes).toBeUndefined(); // cpu backend has no GPU memory
    t.dispose();
  });
});

describe('measurePeak', () => {
  it('counts a 2 MiB temporary plus a 1 MiB result as a 3 MiB peak above the baseline', async () => {
    const resident = tf.ones([512, 1024]); // 2 MiB alive before: must not count
    const before = tf.memory().numTensors;
    const m = await measurePeak(() =>
      tf.tidy(() => {
        const tmp = tf.fill([262144, 2], 1); // [262144, 2] float32 = 2 MiB, freed by tidy
        return tf.sum(tmp, 1); // [262144] = 1 MiB, returned
      }),
    );
    // Engine bytes after each kernel: Fill → +2 MiB, Sum → +3 MiB; tidy then frees 2 MiB.
    expect(m.peakBytes).toBe(3 * MiB);
    expect(m.newBytes).toBe(MiB);
    expect(m.newTensors).toBe(1);
    expect(tf.memory().numTensors - before).toBe(1);
    expect(m.result.shape).toEqual([262144]);
    expect((await m.result.data())[0]).toBe(2); // 1 + 1
    expect(m.kernelMs).toBeGreaterThanOrEqual(0);
    m.result.dispose();
    resident.dispose();
  });

  it('sees the larger of two sequential temporaries, not their sum', async () => {
    const m = await measurePeak(() => {
      // Block bodies: a tidy keeps (does not free) the tensor its function returns.
      tf.tidy(() => {
        tf.fill([262144], 1).add(1); // 1 MiB + 1 MiB (+ 4 B for the scalar 1) alive together
      });
      tf.tidy(() => {
        tf.fill([3 * 262144], 1); // 3 MiB alone
      });
    });
    expect(m.peakBytes).toBe(3 * MiB);
    expect(m.newTensors).toBe(0);
    expect(m.newBytes).toBe(0);
  });

  it('counts kernel-free allocations that survive, and handles async functions', async () => {
    const m = await measurePeak(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return tf.tensor1d(new Float32Array(1024)); // no kernel runs: 4 KiB seen at the end
    });
    expect(m.peakBytes).toBe(4096);
    expect(m.newTensors).toBe(1);
    expect(m.kernelMs).toBeUndefined(); // no kernels, no kernel time
    m.result.dispose();
  });

  it('measures a gradient step: peak includes the activations kept for backprop', async () => {
    const x = tf.ones([1, 8, 8, 8, 2]) as tf.Tensor5D; // 1024 floats = 4 KiB
    const w = tf.variable(tf.ones([3, 3, 3, 2, 4])); // 216 floats
    const m = await measurePeak(() => {
      const g = tf.tidy(() => tf.grad((w0: tf.Tensor) => tf.conv3d(x, w0 as tf.Tensor5D, 1, 'same').square().sum())(w));
      g.dispose();
    });
    // The conv output alone is [1,8,8,8,4] = 2048 floats = 8 KiB; the backward pass adds more.
    expect(m.peakBytes).toBeGreaterThanOrEqual(8192);
    expect(m.newTensors).toBe(0);
    tf.dispose([x, w]);
  });

  it('leaves the engine out of profiling mode when fn throws', async () => {
    await expect(measurePeak(() => { tf.tidy(() => tf.fill([4], 1)); throw new Error('boom'); })).rejects.toThrow('boom');
    const state = (tf.engine() as unknown as { state: { profiling: boolean } }).state;
    expect(state.profiling).toBe(false);
    const m = await measurePeak(() => tf.tidy(() => { tf.fill([262144], 1); })); // 1 MiB
    expect(m.peakBytes).toBe(MiB);
  });
});
