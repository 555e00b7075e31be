/**
 * RevBiFPN stem (official `revbifpn.py` `_stack_x` and `rev_spatial_downsample.py`; METHODS.md §2
 * "Backbone"): the RGB image is tiled up to Cin = c₀/16 channels (⌊Cin/3⌋ copies of RGB, then the
 * first Cin mod 3 channels: S0 c₀ = 48 → RGB, S1 c₀ = 64 → RGBR), then a reversible, weightless
 * space-to-depth with block 4 turns [B,H,W,Cin] into [B,H/4,W/4,16·Cin] = scale 0 with c₀ channels.
 *
 * Channel order: output channel (by·b + bx)·Cin + c holds input pixel (b·i + by, b·j + bx),
 * channel c — the official code's reshape(bs,d,h,bl,w,bl).permute(0,3,5,1,2,4) in NCHW, and
 * TF's spaceToDepth in NHWC. tfjs has no spaceToDepth op, and its depthToSpace has no gradient,
 * so both are a reshape to 6-D, a transpose and a reshape (all with gradients on cpu).
 * The tiling is not invertible (it copies); it runs before the reversible sequence, as in the
 * official code, and its gradient sums the copies back onto the RGB input.
 *
 * Usage:
 *   const x0 = tileChannels(rgb, 3);                       // [B,H,W,3]
 *   const s = spaceToDepth(x0, 4);                         // [B,H/4,W/4,48]
 *   revSequence([spaceToDepthBlock(4), ...], [x0]);
 */
import * as tf from '@tensorflow/tfjs';
import { type RevBlock } from '../../nn/reversible';

/** [B,H,W,3] → [B,H,W,cin]: ⌊cin/3⌋ copies of the image, then its first cin mod 3 channels. */
export function tileChannels(x: tf.Tensor4D, cin: number): tf.Tensor4D {
  const c = x.shape[3];
  if (!Number.isInteger(cin) || cin < c) throw new Error(`tileChannels: cin = ${cin} must be an integer ≥ the image's ${c} channels`);
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = new Array(Math.floor(cin / c)).fill(x);
    const rest = cin % c;
    if (rest > 0) parts.push(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, rest]));
    return parts.length === 1 ? tf.clone(x) : (tf.concat(parts, 3) as tf.Tensor4D); // [B,H,W,cin]
  });
}

/** [B,H,W,C] → [B,H/b,W/b,b²·C], channel (by·b + bx)·C + c (TF's spaceToDepth order). */
export function spaceToDepth(x: tf.Tensor4D, block: number): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  if (H % block || W % block) throw new Error(`spaceToDepth: input ${H}×${W} must be divisible by the block ${block}`);
  const h = H / block;
  const w = W / block;
  return tf.tidy(
    () =>
      x
        .reshape([B, h, block, w, block, C]) // [B, i, by, j, bx, C]
        .transpose([0, 1, 3, 2, 4, 5]) // [B, i, j, by, bx, C]
        .reshape([B, h, w, block * block * C]) as tf.Tensor4D, // [B, H/b, W/b, b²C]
  );
}

/** Inverse of spaceToDepth: [B,h,w,b²·C] → [B,h·b,w·b,C]. */
export function depthToSpace(y: tf.Tensor4D, block: number): tf.Tensor4D {
  const [B, h, w, D] = y.shape;
  if (D % (block * block)) throw new Error(`depthToSpace: ${D} channels are not divisible by block² = ${block * block}`);
  const C = D / (block * block);
  return tf.tidy(
    () =>
      y
        .reshape([B, h, w, block, block, C]) // [B, i, j, by, bx, C]
        .transpose([0, 1, 3, 2, 4, 5]) // [B, i, by, j, bx, C]
        .reshape([B, h * block, w * block, C]) as tf.Tensor4D, // [B, H, W, C]
  );
}

/**
 * The reversible space-to-depth as a sequence block (1 tensor → 1 tensor of another shape). Its
 * backward is exact and cheap: the inverse permutation applied to the output and its cotangent.
 */
export function spaceToDepthBlock(block: number): RevBlock {
  return {
    weights: [],
    forward: ([x]) => [spaceToDepth(x as tf.Tensor4D, block)],
    backward: ([y], [dy]) => ({ xs: [depthToSpace(y as tf.Tensor4D, block)], dxs: [depthToSpace(dy as tf.Tensor4D, block)], dws: [] }),
  };
}
