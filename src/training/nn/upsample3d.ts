/**
 * Nearest-neighbour ×2 upsampling of channels-last volumes, the decoder's upsampler
 * (METHODS.md §3: "trilinear + 1×1×1"; nearest + 1×1×1 here). Not conv3dTranspose: its gradient
 * is missing in tfjs 4.22 (ENVIRONMENT.md §2).
 *
 * Output voxel (d,h,w) copies input (⌊d/2⌋,⌊h/2⌋,⌊w/2⌋), so the input gradient is the sum of dy
 * over each input voxel's 2×2×2 children. A tf.customGrad with that gradient written out, because
 * the ENVIRONMENT.md recipe's autodiff gradient is WRONG on cpu whenever B·D > 1: tfjs-backend-cpu
 * 4.22's ResizeNearestNeighborGrad offsets dy by the *input's* batch stride (`dyROffset =
 * batchOffset + …` with batchOffset = b·imagesStrides[0]), so every image after the first reads
 * the wrong part of dy (found by upsample3d.test.ts; batch-1 resizes are right).
 *
 *  - 'kernel' (host backends cpu/wasm): typed-array copy forward, 8-child sum backward.
 *  - 'ops' (elsewhere): forward  [B,D,H,W,C] → [B,D,1,HWC] → concat twice → [B·2D,H,W,C] →
 *    resizeNearestNeighbor [2H,2W] → [B,2D,2H,2W,C] (forward resize is right at any batch);
 *    backward: three reshape + sum over a middle axis of size 2 (W, then H, then D).
 * Nothing is saved for the backward pass: it needs only shapes. Measured on cpu at
 * [1,16,16,16,64] → 32³ (bench/depthwise3d.bench.ts): kernel 29 ms fwd+bwd, 8 MB peak; ops 227 ms,
 * 30 MB.
 */
import * as tf from '@tensorflow/tfjs';
import { isHostBackend } from './host';

export type UpsampleImpl = 'auto' | 'kernel' | 'ops';

export interface UpsampleOptions {
  /** Which implementation; 'auto' = 'kernel' on cpu/wasm, 'ops' elsewhere. */
  readonly impl?: UpsampleImpl;
}


/** x: [B,D,H,W,C] → [B,2D,2H,2W,C]. */
export function upsampleNearest3d(x: tf.Tensor5D, factor: 2 = 2, opts: UpsampleOptions = {}): tf.Tensor5D {
  if (x.rank !== 5) throw new Error(`upsample3d: x must be [B,D,H,W,C], got [${x.shape}]`);
  if (factor !== 2) throw new Error(`upsample3d: only factor 2 is supported, got ${String(factor)}`);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? (isHostBackend(tf.getBackend()) ? 'kernel' : 'ops') : opts.impl;
  if (impl !== 'kernel' && impl !== 'ops') throw new Error(`upsample3d: unknown impl '${String(impl)}'`);
  return (impl === 'kernel' ? kernelOp : opsOp)(x);
}

type Op = (x: tf.Tensor5D) => tf.Tensor5D;

function makeOp(forward: Op, backward: (dy: tf.Tensor5D, xShape: number[]) => tf.Tensor5D): Op {
  const f = (x: tf.Tensor5D, save: tf.GradSaveFunc) => {
    save([]);
    const xShape = x.shape;
    return { value: forward(x), gradFunc: (dy: tf.Tensor5D) => [backward(dy, xShape)] };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Op;
}

// ---- 'ops'

function opsForward(x: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const [B, D, H, W, C] = x.shape;
    const planes = x.reshape([B, D, 1, H * W * C]); // [B,D,1,HWC]
    const deep = tf.concat([planes, planes], 2).reshape([B * 2 * D, H, W, C]) as tf.Tensor4D; // [B·2D,H,W,C]
    const wide = tf.image.resizeNearestNeighbor(deep, [2 * H, 2 * W]); // [B·2D,2H,2W,C]
    return wide.reshape([B, 2 * D, 2 * H, 2 * W, C]) as tf.Tensor5D;
  });
}

function opsBackward(dy: tf.Tensor5D, [B, D, H, W, C]: number[]): tf.Tensor5D {
  return tf.tidy(() => {
    const sw = dy.reshape([B * 2 * D * 2 * H * W, 2, C]).sum(1); // pairs along W → [B,2D,2H,W,C]
    const sh = sw.reshape([B * 2 * D * H, 2, W * C]).sum(1); // pairs along H → [B,2D,H,W,C]
    const sd = sh.reshape([B * D, 2, H * W * C]).sum(1); // pairs along D → [B,D,H,W,C]
    return sd.reshape([B, D, H, W, C]) as tf.Tensor5D;
  });
}

// ---- 'kernel': flat index of (b,d,h,w,c) is (((b·D + d)·H + h)·W + w)·C + c.

function kernelForward(x: tf.Tensor5D): tf.Tensor5D {
  const [B, D, H, W, C] = x.shape;
  const xv = x.dataSync() as Float32Array;
  const y = new Float32Array(xv.length * 8);
  const outRow = 2 * W * C; // one output row (fixed b, d', h')
  let o = 0;
  for (let bd = 0; bd < B * D; bd++) {
    const planeStart = o; // output plane 2d, to be copied to plane 2d+1 afterwards
    for (let h = 0; h < H; h++) {
      const rowStart = o;
      const i0 = (bd * H + h) * W * C;
      for (let w = 0; w < W; w++) {
        const i = i0 + w * C;
        for (let c = 0; c < C; c++) {
          const v = xv[i + c];
          y[o + c] = v;
          y[o + C + c] = v;
        }
        o += 2 * C;
      }
      y.copyWithin(o, rowStart, rowStart + outRow); // row 2h+1 = row 2h
      o += outRow;
    }
    const planeLen = o - planeStart;
    y.copyWithin(o, planeStart, planeStart + planeLen); // plane 2d+1 = plane 2d
    o += planeLen;
  }
  return tf.tensor5d(y, [B, 2 * D, 2 * H, 2 * W, C]);
}

function kernelBackward(dy: tf.Tensor5D, [B, D, H, W, C]: number[]): tf.Tensor5D {
  const dyv = dy.dataSync() as Float32Array;
  const dx = new Float32Array(B * D * H * W * C);
  const W2C = 2 * W * C;
  const plane2 = 2 * H * W2C; // one output plane
  for (let bd = 0; bd < B * D; bd++) {
    for (let dd = 0; dd < 2; dd++) {
      for (let h = 0; h < H; h++) {
        for (let hh = 0; hh < 2; hh++) {
          let o = (bd * 2 + dd) * plane2 + (2 * h + hh) * W2C;
          const i0 = (bd * H + h) * W * C;
          for (let w = 0; w < W; w++) {
            const i = i0 + w * C;
            for (let c = 0; c < C; c++) dx[i + c] += dyv[o + c] + dyv[o + C + c];
            o += 2 * C;
          }
        }
      }
    }
  }
  return tf.tensor5d(dx, [B, D, H, W, C]);
}

const kernelOp = makeOp(kernelForward, kernelBackward);
const opsOp = makeOp(opsForward, opsBackward);
