/**
 * 'experiments:estimateMemory': predicted peak training memory of the BraTS U-Net for a config,
 * reversible and non-reversible twin, before anything trains.
 *
 * Method: one training step (gradients of soft Dice + BCE, as the experiment trains) is measured
 * with measurePeak at a small patch, the smallest valid cube of at least 16³
 * (2^(levels−1)·2 per edge, e.g. 16³ for 4 levels), and scaled linearly in voxels × batch.
 * bench/results/unet-memory.md shows why that holds: peak = a + b·voxels with R² = 1 and an
 * intercept of about the weight gradients' size (2.9 MB against 862 MB at 64³). The weight
 * gradients are taken out before scaling and added back, so the small patch's constant part is
 * not multiplied up. Added on top: the weights, Adam's two moments (3× the weight bytes) and the
 * batch's input and target. Measurements are cached per model config (patch and batch only scale).
 */
import * as tf from '@tensorflow/tfjs';
import type { MemoryEstimate } from '../../shared/api';
import { measurePeak } from '../backend/memory';
import { countParams, disposeParams, flattenParams } from '../core/params';
import { Rng } from '../core/rng';
import { resolveConfig } from '../experiments/config';
import { bratsExperiment } from '../experiments/brats';
import { unetConfigOf, type BratsConfig } from '../experiments/brats/config';
import { softDiceLoss } from '../losses/dice';
import { applyRevUnet3d, initRevUnet3d, type RevUnet3dConfig } from '../models/rev-unet3d';

interface Measured {
  edge: number;
  /** Step peak minus the weight gradients, per voxel of one patch. */
  bytesPerVoxel: { reversible: number; standard: number };
  paramBytes: number;
}

const MIN_EDGE = 16;

/** The smallest cube edge the U-Net takes that is at least 16: a multiple of 2^(levels−1), twice it at least. */
export function smallestPatchEdge(levels: number): number {
  const m = 2 ** (levels - 1);
  return Math.max(2 * m, Math.ceil(MIN_EDGE / m) * m);
}

/** Peak bytes of one gradient step above what is live before it (weights, input, target). */
async function stepPeak(cfg: RevUnet3dConfig, edge: number, bceWeight: number): Promise<{ peak: number; paramBytes: number }> {
  const params = initRevUnet3d(cfg, new Rng(0).fork('memory-estimate'));
  const vars = [...flattenParams(params).values()];
  const x = tf.randomNormal([1, edge, edge, edge, cfg.inChannels], 0, 1, 'float32', 1) as tf.Tensor5D;
  const target = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, edge, edge, edge, cfg.outChannels], 0, 1, 'float32', 2), 0.5), 'float32')) as tf.Tensor5D;
  try {
    const m = await measurePeak(() => {
      const r = tf.variableGrads(() => softDiceLoss(applyRevUnet3d(params, x, cfg), target, { bceWeight }), vars);
      tf.dispose([r.value, ...Object.values(r.grads)]);
    });
    return { peak: m.peakBytes, paramBytes: countParams(params) * 4 };
  } finally {
    tf.dispose([x, target]);
    disposeParams(params);
  }
}

export class MemoryEstimator {
  private readonly cache = new Map<string, Measured>();

  /** Whether an estimate for this config needs a new measurement (tensor work) or is cached. */
  isCached(cfg: BratsConfig): boolean {
    return this.cache.has(this.key(cfg));
  }

  private key(cfg: BratsConfig): string {
    const { reversible: _r, ...model } = unetConfigOf(cfg);
    return JSON.stringify({ ...model, bceWeight: cfg.bceWeight });
  }

  private async measure(cfg: BratsConfig): Promise<Measured> {
    const key = this.key(cfg);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const unet = unetConfigOf(cfg);
    const edge = smallestPatchEdge(unet.widths.length);
    const voxels = edge ** 3;
    const rev = await stepPeak({ ...unet, reversible: true }, edge, cfg.bceWeight);
    const twin = await stepPeak({ ...unet, reversible: false }, edge, cfg.bceWeight);
    const perVoxel = (peak: number) => Math.max(0, peak - rev.paramBytes) / voxels;
    const m: Measured = { edge, bytesPerVoxel: { reversible: perVoxel(rev.peak), standard: perVoxel(twin.peak) }, paramBytes: rev.paramBytes };
    this.cache.set(key, m);
    return m;
  }

  /** Resolves the config as training would (unknown keys and bad values are errors naming the key). */
  static resolve(config: Record<string, unknown>): BratsConfig {
    // The dataset does not change the model's memory; an unset one must not fail the estimate.
    const data = typeof config.data === 'string' && config.data !== '' ? config.data : '(not chosen)';
    return resolveConfig(bratsExperiment, { overrides: { ...config, data } }) as BratsConfig;
  }

  async estimate(cfg: BratsConfig): Promise<MemoryEstimate> {
    const m = await this.measure(cfg);
    const [d, h, w] = cfg.patchSize;
    const voxels = d * h * w * cfg.batchSize;
    // weights + Adam's m and v, the weight gradients (part of every step's peak), input [B,D,H,W,4] and target [B,D,H,W,3] float32
    const fixed = 3 * m.paramBytes + m.paramBytes + voxels * (4 + 3) * 4;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    const e = m.edge;
    return {
      patch: [d, h, w],
      batchSize: cfg.batchSize,
      reversibleBytes: Math.round(m.bytesPerVoxel.reversible * voxels + fixed),
      standardBytes: Math.round(m.bytesPerVoxel.standard * voxels + fixed),
      basis:
        `one training step measured at ${e}×${e}×${e}, batch 1, on the ${tf.getBackend()} backend ` +
        `(${m.bytesPerVoxel.reversible.toFixed(0)} B/voxel reversible, ${m.bytesPerVoxel.standard.toFixed(0)} B/voxel twin, weight gradients excluded), ` +
        `scaled linearly to ${d}×${h}×${w} × batch ${cfg.batchSize} (peak memory is linear in voxels with R² = 1, bench/results/unet-memory.md); ` +
        `plus ${mb(fixed)} MB for weights, their gradients, Adam state and the batch. Tensor memory only: the process itself adds a few hundred MB.`,
    };
  }
}
