// Reversible RevBiFPN training memory is flat in depth: peak bytes of one forward+backward of the
// backbone for num_ext_layers 1 vs 3 (METHODS.md §2 acceptance 4), against the taped twin.
// Set REVBIFPN_TEST_LOG=1 to print the peaks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeParams, flattenParams } from '../../core/params';
import { Rng } from '../../core/rng';
import { applyRevBifpnBackbone } from './backbone';
import { revbifpnConfig } from './config';
import { initRevBifpn } from './params';

const log = (s: string): void => {
  if (process.env.REVBIFPN_TEST_LOG) console.log(s);
};

describe('RevBiFPN training memory', () => {
  it('grows by < 15 % from ext 1 to ext 3 (only by the extra weight gradients) while the twin grows > 40 %', async () => {
    // Narrow widths (48/32/32/32) at 64×64, B = 4, BN training mode. `peakBytes` is engine-global:
    // subtract the bytes held before. The gradients returned for the weights are outputs, not
    // activations; they are the only thing that should grow with depth in reversible mode.
    const peak = async (extLayers: number, reversible: boolean): Promise<{ peak: number; weightBytes: number }> => {
      const cfg = revbifpnConfig('S0', { channels: [48, 32, 32, 32], headChannels: [16, 16, 16, 16], fcFeatures: 32, extLayers, classes: 4 });
      const { params, stats } = initRevBifpn(cfg, new Rng(4));
      const x = tf.tensor(new Rng(5).fill(4 * 64 * 64 * 3, (r) => r.normal()), [4, 64, 64, 3]) as tf.Tensor4D;
      const base = tf.memory().numBytes;
      const t0 = Date.now();
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.addN(applyRevBifpnBackbone(params, stats, x, cfg, { training: true, reversible }).map((y) => tf.sum(tf.square(y)))) as tf.Scalar,
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      const ms = Date.now() - t0;
      // Backbone weights only (the neck and head are not used by this loss).
      const weightBytes = [...flattenParams(params.stages).values()].reduce((a, v) => a + v.size * 4, 0);
      x.dispose();
      disposeParams(params);
      disposeParams(stats);
      log(`ext ${extLayers} ${reversible ? 'reversible' : 'twin'}: peak ${((info.peakBytes - base) / 1e6).toFixed(3)} MB, backbone weights ${(weightBytes / 1e6).toFixed(3)} MB, ${ms} ms`);
      return { peak: info.peakBytes - base, weightBytes };
    };
    const rev1 = await peak(1, true);
    const rev3 = await peak(3, true);
    const twin1 = await peak(1, false);
    const twin3 = await peak(3, false);
    expect(rev3.peak / rev1.peak).toBeLessThan(1.15);
    // The growth is the extra stages' weight gradients (to 2 % of the ext-1 peak).
    expect(Math.abs(rev3.peak - rev1.peak - (rev3.weightBytes - rev1.weightBytes))).toBeLessThan(0.02 * rev1.peak);
    expect(twin3.peak / twin1.peak).toBeGreaterThan(1.4);
    expect(rev3.peak).toBeLessThan(twin3.peak / 4);
  });
});
