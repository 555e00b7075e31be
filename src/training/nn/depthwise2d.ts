/**
 * Depthwise 2-D convolution with a stride and PyTorch's symmetric zero padding: the k×k depthwise
 * layer of every RevBiFPN MBConv (METHODS.md §2; official `revbifpn.py` MBConvBlock.dw_conv =
 * ConvNormAct(groups = channels, padding (k−1)//2)). Kernels there: 3 and 5 in the residual blocks,
 * neck and head; 3/7/15 (k = 2s−1, `s_based_k`) at strides 2/4/8 in the RevSilo down paths.
 *
 *   y[b,i,j,c] = Σ_{u,v<k} xp[b, i·s+u, j·s+v, c] · w[u,v,c],  xp = x padded by p = floor((k−1)/2)
 *   on every side;  H' = floor((H + 2p − k)/s) + 1 (PyTorch).
 *
 * Implementations ('auto' picks by backend):
 *  - 'kernel': tf.customGrad whose forward and backward (dx, dw) are typed-array loops over host
 *    data (like nn/depthwise3d.ts). Per output row and tap (u, v) the overlapping run of output
 *    columns is found once; the inner loop is over the C contiguous channels. dx is the same walk
 *    scattering dy·w back to the input; dw sums x·dy in float64. Saves only x and w. For host
 *    backends (cpu, wasm): wasm has no DepthwiseConv2dNativeBackprop{Input,Filter} kernels at all,
 *    and cpu's are naive; on a GPU backend every `dataSync()` would be a blocking copy.
 *  - 'tfjs': tf.pad (explicit, symmetric) then tf.depthwiseConv2d 'valid' (TF's 'same' would pad
 *    asymmetrically for strides > 1). For GPU backends, whose depthwise kernels are tuned.
 *
 * Measured on cpu (shared, loaded 2-core machine; forward + backward with dx and dw for a fixed
 * cotangent, wall ms of one pass under tf.profile, same run), x [8,56,56,48]:
 *   k 3,  s 1: kernel 154, tfjs 3262 (DepthwiseConv2dNativeBackpropFilter 2395, tf.pad's Slice gradient 603)
 *   k 15, s 8: kernel 93,  tfjs 1707 (BackpropFilter 834, Slice 619)
 * In a whole MBConv(48, k 3, SE) step the kernel makes it 6.6× faster (nn/mbconv2d.ts). On wasm the
 * kernel is the only way to train (wasm has no depthwise backprop kernels).
 *
 * Usage:
 *   const y = depthwiseConv2d(x, w, { stride: 2 });   // x [B,H,W,C], w [k,k,C] → [B,H',W',C]
 */
import * as tf from '@tensorflow/tfjs';
import { hostData, isHostBackend } from './host';

export type Depthwise2dImpl = 'auto' | 'kernel' | 'tfjs';

export interface Depthwise2dOptions {
  /** Stride in H and W; default 1. */
  readonly stride?: number;
  /** Which implementation; 'auto' picks by backend (see header). */
  readonly impl?: Depthwise2dImpl;
}

/** The implementation 'auto' resolves to on a backend. */
export function depthwise2dImplFor(backend: string = tf.getBackend()): Exclude<Depthwise2dImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'tfjs';
}

/** Output size of one spatial axis: floor((n + 2p − k)/s) + 1 with p = floor((k−1)/2). */
export function depthwise2dOutSize(n: number, k: number, stride = 1): number {
  const p = (k - 1) >> 1;
  return Math.floor((n + 2 * p - k) / stride) + 1;
}

/**
 * x [B,H,W,C], w [k,k,C] or [k,k,C,1] → [B,H',W',C]. Arguments are borrowed; the result
 * belongs to the caller.
 */
export function depthwiseConv2d(x: tf.Tensor4D, w: tf.Tensor3D | tf.Tensor4D, opts: Depthwise2dOptions = {}): tf.Tensor4D {
  const stride = opts.stride ?? 1;
  checkShapes(x, w, stride);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? depthwise2dImplFor() : opts.impl;
  const [k, , C] = w.shape;
  if (impl === 'kernel') {
    return tf.tidy(() => kernelOp(stride)(x, (w.rank === 3 ? w : w.reshape([k, k, C])) as tf.Tensor3D));
  }
  if (impl !== 'tfjs') throw new Error(`depthwise2d: unknown impl '${String(impl)}' (valid: auto, kernel, tfjs)`);
  return tf.tidy(() => {
    const p = (k - 1) >> 1;
    const xp = p === 0 ? x : (tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D); // [B,H+2p,W+2p,C]
    const w4 = (w.rank === 4 ? w : w.reshape([k, k, C, 1])) as tf.Tensor4D; // [k,k,C,1]
    return tf.depthwiseConv2d(xp, w4, stride, 'valid'); // [B,H',W',C]
  });
}

function checkShapes(x: tf.Tensor, w: tf.Tensor, stride: number): void {
  if (x.rank !== 4) throw new Error(`depthwise2d: x must be [B,H,W,C], got shape [${x.shape}]`);
  if (w.rank !== 3 && !(w.rank === 4 && w.shape[3] === 1)) {
    throw new Error(`depthwise2d: w must be [k,k,C] or [k,k,C,1], got shape [${w.shape}]`);
  }
  const [k0, k1, c] = w.shape;
  if (k0 !== k1 || k0 < 1) throw new Error(`depthwise2d: w must be a square kernel [k,k,C], got [${w.shape}]`);
  if (c !== x.shape[3]) throw new Error(`depthwise2d: w has ${c} channels but x [${x.shape}] has ${x.shape[3]}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`depthwise2d: stride = ${stride} must be an integer ≥ 1`);
  if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error('depthwise2d: x and w must be float32');
  const p = (k0 - 1) >> 1;
  const [, H, W] = x.shape;
  if (H + 2 * p < k0 || W + 2 * p < k0) throw new Error(`depthwise2d: input ${H}×${W} is smaller than the ${k0}×${k0} kernel with pad ${p}`);
}

// ---------------------------------------------------------------------------------------------
// 'kernel': typed-array loops. Flat offset of (b,h,w,c) is ((b·H + h)·W + w)·C + c, so an image
// row (fixed b,h) is W·C contiguous floats.

interface Geometry {
  readonly B: number;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly k: number;
  readonly s: number;
  readonly p: number;
  readonly Ho: number;
  readonly Wo: number;
}

function geometryOf(x: tf.Tensor, k: number, s: number): Geometry {
  const [B, H, W, C] = x.shape;
  const p = (k - 1) >> 1;
  return { B, H, W, C, k, s, p, Ho: Math.floor((H + 2 * p - k) / s) + 1, Wo: Math.floor((W + 2 * p - k) / s) + 1 };
}

/**
 * Visits every (output row, tap u, tap v) whose input row is inside the image and hands `run` the
 * flat offsets of the first output and input pixel of the overlapping column run, its length in
 * pixels, and the tap's weight offset. Output column j reads input column j·s + v − p, inside
 * [0, W) for j ∈ [ceil((p−v)/s), floor((W−1+p−v)/s)].
 */
function forEachTapRun(g: Geometry, run: (o: number, i: number, n: number, wOff: number) => void): void {
  const { B, H, W, C, k, s, p, Ho, Wo } = g;
  const j0s = new Int32Array(k);
  const j1s = new Int32Array(k);
  for (let v = 0; v < k; v++) {
    j0s[v] = Math.max(0, Math.ceil((p - v) / s));
    j1s[v] = Math.min(Wo - 1, Math.floor((W - 1 + p - v) / s));
  }
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Ho; i++) {
      const outRow = (b * Ho + i) * Wo * C;
      for (let u = 0; u < k; u++) {
        const ih = i * s + u - p;
        if (ih < 0 || ih >= H) continue;
        const inRow = (b * H + ih) * W * C;
        for (let v = 0; v < k; v++) {
          const j0 = j0s[v], j1 = j1s[v];
          if (j1 < j0) continue;
          run(outRow + j0 * C, inRow + (j0 * s + v - p) * C, j1 - j0 + 1, (u * k + v) * C);
        }
      }
    }
  }
}

function forwardLoop(xv: Float32Array, wv: Float32Array, g: Geometry): Float32Array {
  const { C, s } = g;
  const y = new Float32Array(g.B * g.Ho * g.Wo * C);
  const step = s * C;
  forEachTapRun(g, (o, i, n, wOff) => {
    for (let j = 0; j < n; j++, o += C, i += step) {
      for (let c = 0; c < C; c++) y[o + c] += xv[i + c] * wv[wOff + c];
    }
  });
  return y;
}

/** dx[in] += dy[out] · w[tap]: the forward walk with the roles of input and output swapped. */
function inputGradLoop(dyv: Float32Array, wv: Float32Array, g: Geometry): Float32Array {
  const { C, s } = g;
  const dx = new Float32Array(g.B * g.H * g.W * C);
  const step = s * C;
  forEachTapRun(g, (o, i, n, wOff) => {
    for (let j = 0; j < n; j++, o += C, i += step) {
      for (let c = 0; c < C; c++) dx[i + c] += dyv[o + c] * wv[wOff + c];
    }
  });
  return dx;
}

/** dw[u,v,c] = Σ_{b,i,j} x[b, i·s+u−p, j·s+v−p, c] · dy[b,i,j,c], summed in float64. */
function filterGradLoop(xv: Float32Array, dyv: Float32Array, g: Geometry): Float32Array {
  const { C, s, k } = g;
  const acc = new Float64Array(k * k * C);
  const step = s * C;
  forEachTapRun(g, (o, i, n, wOff) => {
    for (let j = 0; j < n; j++, o += C, i += step) {
      for (let c = 0; c < C; c++) acc[wOff + c] += xv[i + c] * dyv[o + c];
    }
  });
  return Float32Array.from(acc);
}

type KernelOp = (x: tf.Tensor4D, w: tf.Tensor3D) => tf.Tensor4D;
const kernelOps = new Map<number, KernelOp>();

/** The customGrad op for one stride (cached: customGrad builds a closure per call site). */
function kernelOp(stride: number): KernelOp {
  let op = kernelOps.get(stride);
  if (op !== undefined) return op;
  const f = (x: tf.Tensor4D, w: tf.Tensor3D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const g = geometryOf(x, w.shape[0], stride);
    const y = tf.tensor4d(forwardLoop(hostData(x), hostData(w), g), [g.B, g.Ho, g.Wo, g.C]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor3D];
        const dyv = hostData(dy);
        const dx = tf.tensor4d(inputGradLoop(dyv, hostData(ws), g), xs.shape);
        const dw = tf.tensor3d(filterGradLoop(hostData(xs), dyv, g), ws.shape);
        return [dx, dw];
      },
    };
  };
  op = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as KernelOp;
  kernelOps.set(stride, op);
  return op;
}
