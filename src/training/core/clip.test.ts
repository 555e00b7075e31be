import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip';

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / ‖g‖ when the global norm is larger', () => {
    // ‖(3, 4, 0, 12)‖ = 13: clipped to 1 → each entry / 13 (up to PyTorch's +1e-6).
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 4])],
      ['b', tf.tensor2d([[0, 12]])],
    ]);
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(13, 5);
    expect(Array.from(out.get('a')!.dataSync())).toEqual([3, 4].map((v) => expect.closeTo(v / 13, 6)));
    expect(Array.from(out.get('b')!.dataSync())).toEqual([0, 12].map((v) => expect.closeTo(v / 13, 6)));
    const small = clipByGlobalNorm(grads, 20);
    expect(Array.from(small.grads.get('b')!.dataSync())).toEqual([0, 12]);
    tf.dispose([...grads.values(), ...out.values(), ...small.grads.values()]);
    expect(() => clipByGlobalNorm(grads, 0)).toThrow(/max norm = 0/);
  });
});
