/**
 * Sliding-window inference over a whole volume: overlapping patches, each prediction weighted by
 * a Gaussian importance map (nnU-Net: σ = patch/8 per axis) so that patch borders, where the
 * network sees least context, count least; the weighted sum is divided by the summed weights.
 *
 * Volumes are channels-last Float32Arrays [D, H, W, C] in row-major order. A volume smaller than
 * the patch along an axis is zero-padded (after the end) and cropped back.
 */
import * as tf from '@tensorflow/tfjs';

export type Shape3 = readonly [number, number, number];

export interface SlidingWindowOptions {
  readonly patch: Shape3; // window size [d, h, w]
  readonly overlap: number; // fraction of the patch shared by neighbouring windows, in [0, 1)
  readonly batchSize: number; // windows per forward pass
  readonly sigmaScale?: number; // Gaussian σ as a fraction of the patch edge; 1/8 as in nnU-Net
}

/** Window start positions along one axis: evenly spread, first at 0, last flush with the end. */
export function windowStarts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [0];
  const stride = Math.max(1, Math.floor(patch * (1 - overlap)));
  const n = Math.ceil((size - patch) / stride) + 1;
  const span = size - patch;
  return Array.from({ length: n }, (_, i) => Math.round((i * span) / (n - 1)));
}

/** Separable Gaussian importance map [d, h, w], max 1, floored at a small positive value. */
export function gaussianImportance(patch: Shape3, sigmaScale = 1 / 8): Float32Array {
  const axes = patch.map((n) => {
    const c = (n - 1) / 2;
    const s = Math.max(n * sigmaScale, 1e-6);
    return Float32Array.from({ length: n }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * s * s)));
  });
  const [pd, ph, pw] = patch;
  const out = new Float32Array(pd * ph * pw);
  let min = Infinity;
  for (let z = 0; z < pd; z++)
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) {
        const v = axes[0][z] * axes[1][y] * axes[2][x];
        out[(z * ph + y) * pw + x] = v;
        if (v > 0 && v < min) min = v;
      }
  // Far corners underflow to ~0; keep every voxel weighted so the division is defined.
  for (let i = 0; i < out.length; i++) if (out[i] < min) out[i] = min;
  return out;
}

/** Copies the window at `start` (zero-padded past the volume's end) into `dst` [pd, ph, pw, C]. */
function readWindow(src: Float32Array, shape: Shape3, c: number, start: Shape3, patch: Shape3, dst: Float32Array, dstOffset: number): void {
  const [D, H, W] = shape;
  const [pd, ph, pw] = patch;
  dst.fill(0, dstOffset, dstOffset + pd * ph * pw * c);
  const wLen = Math.min(pw, W - start[2]);
  for (let z = 0; z < pd && start[0] + z < D; z++)
    for (let y = 0; y < ph && start[1] + y < H; y++) {
      const s = (((start[0] + z) * H + start[1] + y) * W + start[2]) * c;
      dst.set(src.subarray(s, s + wLen * c), dstOffset + ((z * ph + y) * pw) * c);
    }
}

/**
 * Probabilities [D, H, W, outChannels] for `image` [D, H, W, C]. `predict` maps a batch
 * [n, pd, ph, pw, C] to probabilities [n, pd, ph, pw, outChannels] (it owns nothing it is given;
 * its result is disposed here).
 */
export async function slidingWindowPredict(
  image: Float32Array,
  shape: Shape3,
  channels: number,
  outChannels: number,
  predict: (batch: tf.Tensor5D) => tf.Tensor5D,
  opts: SlidingWindowOptions,
): Promise<Float32Array> {
  const [D, H, W] = shape;
  const patch = opts.patch;
  const [pd, ph, pw] = patch;
  if (image.length !== D * H * W * channels) throw new Error(`slidingWindowPredict: image has ${image.length} values, expected ${D}×${H}×${W}×${channels}`);
  const weight = gaussianImportance(patch, opts.sigmaScale);
  const acc = new Float32Array(D * H * W * outChannels);
  const norm = new Float32Array(D * H * W);
  const starts: Shape3[] = [];
  for (const z of windowStarts(D, pd, opts.overlap))
    for (const y of windowStarts(H, ph, opts.overlap))
      for (const x of windowStarts(W, pw, opts.overlap)) starts.push([z, y, x]);

  const vox = pd * ph * pw;
  for (let b = 0; b < starts.length; b += opts.batchSize) {
    const group = starts.slice(b, b + opts.batchSize);
    const input = new Float32Array(group.length * vox * channels);
    group.forEach((s, i) => readWindow(image, shape, channels, s, patch, input, i * vox * channels));
    const out = tf.tidy(() => predict(tf.tensor5d(input, [group.length, pd, ph, pw, channels])));
    const probs = (await out.data()) as Float32Array;
    out.dispose();
    group.forEach((s, i) => {
      for (let z = 0; z < pd && s[0] + z < D; z++)
        for (let y = 0; y < ph && s[1] + y < H; y++)
          for (let x = 0; x < pw && s[2] + x < W; x++) {
            const pi = (z * ph + y) * pw + x;
            const vi = ((s[0] + z) * H + s[1] + y) * W + s[2] + x;
            const wv = weight[pi];
            norm[vi] += wv;
            const po = (i * vox + pi) * outChannels;
            const ao = vi * outChannels;
            for (let k = 0; k < outChannels; k++) acc[ao + k] += wv * probs[po + k];
          }
    });
  }
  for (let v = 0; v < norm.length; v++) {
    const inv = 1 / norm[v];
    for (let k = 0; k < outChannels; k++) acc[v * outChannels + k] *= inv;
  }
  return acc;
}
