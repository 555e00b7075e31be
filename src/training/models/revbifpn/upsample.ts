/**
 * Bilinear upsampling by an integer factor (RevBiFPN's RevSilo up path uses ×2, ×4, ×8), with
 * PyTorch's `nn.Upsample(scale_factor=s, mode='bilinear')` semantics: align_corners=False, i.e.
 * half-pixel centres (TF's `resizeBilinear(x, size, false, true)`):
 *
 *   src(o) = (o + 0.5)/s − 0.5, clamped below at 0;  i0 = floor(src), i1 = min(i0 + 1, n − 1),
 *   λ = src − i0;  y[o] = (1 − λ)·x[i0] + λ·x[i1]    (separately along H and W).
 *
 * Why not tf.image.resizeBilinear: its cpu gradient (ResizeBilinearGrad) in tfjs 4.22 ignores
 * halfPixelCenters (adjoint test <Rx, dy> vs <x, Rᵀdy> on 4×4→8×8: −4.70 vs −9.36) and returns a
 * transposed shape for non-square images ("gradient of input 'images' has shape '1,6,4,2' …
 * input '1,4,6,2'"). Here the resize is two matrix products with fixed interpolation matrices
 * A_H [H·s, H] and A_W [W·s, W]; autodiff through matMul is exact (dx = Aᵀ·dy). tfjs's BatchMatMul
 * gradient does not handle a broadcast batch dimension either, so the matrices are tiled to the
 * batch (a few hundred KB at most: [B·H·s, W·s, W] floats).
 * Cost: B·Hs·H·W·C + B·Hs·Ws·W·C multiply-adds (dense rows, 2 non-zeros each) — small next to the
 * MBConvs at RevBiFPN sizes.
 *
 * Usage:
 *   const y = upsampleBilinear(x, 4); // x [B,H,W,C] → [B,4H,4W,C]
 */
import * as tf from '@tensorflow/tfjs';

/** Interpolation matrix [n·factor, n] (row-major) of half-pixel bilinear upsampling of one axis. */
export function bilinearMatrix(n: number, factor: number): Float32Array {
  const m = n * factor;
  const a = new Float32Array(m * n);
  for (let o = 0; o < m; o++) {
    const src = Math.max((o + 0.5) / factor - 0.5, 0);
    const i0 = Math.min(Math.floor(src), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    const lambda = src - i0;
    a[o * n + i0] += 1 - lambda;
    a[o * n + i1] += lambda;
  }
  return a;
}

/** `reps` copies of `a` back to back (the batch tiling of a fixed matrix). */
function tile(a: Float32Array, reps: number): Float32Array {
  const out = new Float32Array(a.length * reps);
  for (let r = 0; r < reps; r++) out.set(a, r * a.length);
  return out;
}

/** x [B,H,W,C] → [B, H·factor, W·factor, C]; factor a positive integer (1 returns a copy). */
export function upsampleBilinear(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`upsampleBilinear: x must be [B,H,W,C], got shape [${x.shape}]`);
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upsampleBilinear: factor = ${factor} must be a positive integer`);
  if (factor === 1) return tf.clone(x);
  const [B, H, W, C] = x.shape;
  const Hs = H * factor;
  const Ws = W * factor;
  return tf.tidy(() => {
    const aH = tf.tensor3d(tile(bilinearMatrix(H, factor), B), [B, Hs, H]); // fixed, no gradient
    const aW = tf.tensor3d(tile(bilinearMatrix(W, factor), B * Hs), [B * Hs, Ws, W]);
    const rows = tf.matMul(aH, x.reshape([B, H, W * C])); // [B, Hs, W·C]
    const cols = tf.matMul(aW, rows.reshape([B * Hs, W, C])); // [B·Hs, Ws, C]
    return cols.reshape([B, Hs, Ws, C]) as tf.Tensor4D; // [B, Hs, Ws, C]
  });
}
