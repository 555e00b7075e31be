/**
 * Dense 3D convolutions of the U-Net: the k×k×k stem and the stride-2 downsampling convs
 * between levels, and the 1×1×1 (pointwise) expand/project convs of every MBConv3D block
 * (METHODS.md §3). Channels-last, 'same' padding with TensorFlow's convention (out = ⌈n/s⌉,
 * total pad max((out−1)·s + k − n, 0), the odd voxel at the back).
 *
 * On host backends (cpu, wasm) both are tf.customGrad ops over typed arrays ('kernel'): tfjs's
 * cpu kernels are single loops with one load-multiply-store per multiply-add, and the bias
 * gradient of a matMul is a Sum over axis 0 that tfjs cpu runs as a generic transpose + reduce
 * (265 ms at N = 32768, Cout = 64: more than either matMul). Ours accumulate four outputs per pass in
 * registers (float64) and sum weight gradients in float64. Measured side by side, fwd+bwd
 * (bench/depthwise3d.bench.ts → bench/results/depthwise3d.md):
 *   conv3d k3 [1,32,32,32,16]→16 s1: kernel 692 ms, tf.conv3d 1490 (×2.2); 4→16 s1 ×1.7;
 *     16→32 s2 ×1.9; [1,16,16,16,32]→64 s2 ×1.9
 *   pointwise [1,32,32,32,16]→64: kernel 122 ms, fused matMul 407 (×4.0), 1×1×1 tf.conv3d 519
 *     (×5.7); 64→16 ×2.5 / ×3.8; [1,16,16,16,32]→128 ×3.2 / ×4.3
 * Elsewhere ('tfjs' / 'matmul'): tf.conv3d and tf.fused.matMul, whose kernels and gradients are
 * right on webgl, webgpu and tensorflow (not wasm's Conv3DBackpropInputV2, ENVIRONMENT.md §2 —
 * hence the kernel there too; untested here, tfjs-backend-wasm is not installed).
 *
 * - conv3d kernel, K = k³·Cin, weights viewed as rows [K, Cout] in w's own memory order:
 *   forward y[n,:] = patch(n)·W (patch = the K inputs under output n's window, zeros in the
 *   padding); dx: stride 1 is the forward with W mirrored in space and Cin/Cout swapped, stride 2
 *   scatters W·dy[n,:] into the window (no wasted taps); dW = Σ_n patch(n)ᵀ·dy[n,:], four voxels
 *   per accumulator pass.
 * - pointwiseConv3d: a matrix product over [N = B·D·H·W, Cin] (reshapes are free):
 *   y[n,o] = b[o] + x[n,:]·wᵀ[o,:] and dx[n,i] = dy[n,:]·w[i,:] as contiguous dot products,
 *   dw = xᵀ·dy and db = Σ_n dy.
 * - k = 1 with stride 2 on the tfjs path subsamples first: tfjs computes 'same' padding
 *   (computeConv3DInfo, shared by its JS/GPU kernels) without TensorFlow's max(0, ·), so its
 *   Conv3D would crop and read voxels 1, 3, … on even axes.
 */
import * as tf from '@tensorflow/tfjs';
import { isHostBackend } from './host';

export type PointwiseImpl = 'auto' | 'kernel' | 'matmul' | 'conv3d';

export interface PointwiseOptions {
  /** 'auto' = 'kernel' on cpu/wasm, 'matmul' elsewhere; 'conv3d' (1×1×1 tf.conv3d) is a reference. */
  readonly impl?: PointwiseImpl;
}


export function pointwiseImplFor(backend: string = tf.getBackend()): Exclude<PointwiseImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'matmul';
}

export type Conv3dImpl = 'auto' | 'kernel' | 'tfjs';

export interface Conv3dOptions {
  /** 'auto' = 'kernel' on cpu/wasm, 'tfjs' (tf.conv3d) elsewhere. */
  readonly impl?: Conv3dImpl;
}

export function conv3dImplFor(backend: string = tf.getBackend()): Exclude<Conv3dImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'tfjs';
}

/** x: [B,D,H,W,Cin], w: [k,k,k,Cin,Cout] (k odd) → [B,⌈D/s⌉,⌈H/s⌉,⌈W/s⌉,Cout]. */
export function conv3d(x: tf.Tensor5D, w: tf.Tensor5D, stride: 1 | 2 = 1, opts: Conv3dOptions = {}): tf.Tensor5D {
  if (x.rank !== 5) throw new Error(`conv3d: x must be [B,D,H,W,C], got [${x.shape}]`);
  if (w.rank !== 5) throw new Error(`conv3d: w must be [k,k,k,Cin,Cout], got [${w.shape}]`);
  if (w.shape[3] !== x.shape[4]) {
    throw new Error(`conv3d: w expects ${w.shape[3]} input channels but x has ${x.shape[4]}`);
  }
  if (w.shape[0] !== w.shape[1] || w.shape[1] !== w.shape[2]) {
    throw new Error(`conv3d: w must be a cubic kernel [k,k,k,Cin,Cout], got [${w.shape}]`);
  }
  if (stride !== 1 && stride !== 2) throw new Error(`conv3d: stride must be 1 or 2, got ${String(stride)}`);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? conv3dImplFor() : opts.impl;
  if (impl === 'kernel') return denseKernelOp(stride)(x, w);
  if (impl !== 'tfjs') throw new Error(`conv3d: unknown impl '${String(impl)}'`);
  if (w.shape[0] < stride) {
    // k = 1, s = 2: tfjs cpu/webgl compute 'same' padding without TensorFlow's max(0, ·) and so
    // crop one voxel at the front of even-sized axes (reading inputs 1, 3, … instead of 0, 2, …).
    // Subsample first, then convolve: TensorFlow's (and the kernel's) answer on every backend.
    return tf.tidy(() => tf.conv3d(subsample2(x), w, 1, 'same'));
  }
  return tf.conv3d(x, w, stride, 'same');
}

/**
 * x[:, ::2, ::2, ::2, :] from reshapes, zero-padding and slices (tf.stridedSlice has no gradient in
 * tfjs 4.22): per axis, pad to even length, view as [..., n/2, 2, ...] and keep index 0.
 */
function subsample2(x: tf.Tensor5D): tf.Tensor5D {
  const [B, D, H, W, C] = x.shape;
  const half = (n: number): number => Math.ceil(n / 2);
  /** [outer, n, inner] → [outer, ⌈n/2⌉, inner], keeping even indices. */
  const pick = (t: tf.Tensor, outer: number, n: number, inner: number): tf.Tensor => {
    let v = t.reshape([outer, n, inner]);
    if (n % 2 === 1) v = tf.concat([v, tf.zeros([outer, 1, inner])], 1);
    return v.reshape([outer, half(n), 2, inner]).slice([0, 0, 0, 0], [outer, half(n), 1, inner]);
  };
  const d = pick(x, B, D, H * W * C); // [B, D', 1, H·W·C]
  const h = pick(d, B * half(D), H, W * C); // [B·D', H', 1, W·C]
  const w = pick(h, B * half(D) * half(H), W, C); // [B·D'·H', W', 1, C]
  return w.reshape([B, half(D), half(H), half(W), C]) as tf.Tensor5D;
}

/** 1×1×1 conv: y[..., o] = Σ_i x[..., i]·w[i, o] + b[o]. x: [B,D,H,W,Cin], w: [Cin,Cout], b: [Cout]. */
export function pointwiseConv3d(
  x: tf.Tensor5D,
  w: tf.Tensor2D,
  b?: tf.Tensor1D,
  opts: PointwiseOptions = {},
): tf.Tensor5D {
  if (x.rank !== 5) throw new Error(`conv3d: pointwiseConv3d x must be [B,D,H,W,C], got [${x.shape}]`);
  if (w.rank !== 2 || w.shape[0] !== x.shape[4]) {
    throw new Error(`conv3d: pointwiseConv3d w must be [Cin=${x.shape[4]}, Cout], got [${w.shape}]`);
  }
  const [Cin, Cout] = w.shape;
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== Cout)) {
    throw new Error(`conv3d: pointwiseConv3d bias must be [${Cout}], got [${b.shape}]`);
  }
  const [B, D, H, W] = x.shape;
  const impl = opts.impl === undefined || opts.impl === 'auto' ? pointwiseImplFor() : opts.impl;
  if (impl === 'kernel') {
    const flat = x.reshape([B * D * H * W, Cin]) as tf.Tensor2D; // [N,Cin], shares x's data
    const y = b === undefined ? pointwiseKernelNoBias(flat, w) : pointwiseKernel(flat, w, b); // [N,Cout]
    flat.dispose();
    const out = y.reshape([B, D, H, W, Cout]) as tf.Tensor5D;
    y.dispose();
    return out;
  }
  return tf.tidy(() => {
    if (impl === 'conv3d') {
      const y = tf.conv3d(x, w.reshape([1, 1, 1, Cin, Cout]) as tf.Tensor5D, 1, 'same'); // [B,D,H,W,Cout]
      return b === undefined ? y : (y.add(b) as tf.Tensor5D);
    }
    if (impl !== 'matmul') throw new Error(`conv3d: unknown pointwise impl '${String(impl)}'`);
    const flat = x.reshape([B * D * H * W, Cin]) as tf.Tensor2D; // [N,Cin]
    const y = tf.fused.matMul({ a: flat, b: w, bias: b }); // [N,Cout]
    return y.reshape([B, D, H, W, Cout]) as tf.Tensor5D;
  });
}

// ---------------------------------------------------------------------------------------------
// Pointwise typed-array kernel over row-major x [N,Cin], w [Cin,Cout], y [N,Cout].

/**
 * out[n,r] = bias[r] + Σ_k inp[n,k]·rows[r,k], for inp [N,K] and rows [R,K] (both row-major).
 * Forward: inp = x, rows = wᵀ; input gradient: inp = dy, rows = w. Four outputs per pass over the
 * input row, accumulated in registers (doubles): 1.25 loads per multiply-add and no stores in
 * the inner loop.
 */
function rowsDot(inp: Float32Array, N: number, K: number, rows: Float32Array, R: number, bias: Float32Array | null): Float32Array {
  const out = new Float32Array(N * R);
  for (let n = 0; n < N; n++) {
    const io = n * K;
    const oo = n * R;
    let r = 0;
    for (; r + 4 <= R; r += 4) {
      const r0 = r * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const v = inp[io + k];
        s0 += v * rows[r0 + k];
        s1 += v * rows[r1 + k];
        s2 += v * rows[r2 + k];
        s3 += v * rows[r3 + k];
      }
      if (bias !== null) {
        s0 += bias[r];
        s1 += bias[r + 1];
        s2 += bias[r + 2];
        s3 += bias[r + 3];
      }
      out[oo + r] = s0;
      out[oo + r + 1] = s1;
      out[oo + r + 2] = s2;
      out[oo + r + 3] = s3;
    }
    for (; r < R; r++) {
      const r0 = r * K;
      let s = bias !== null ? bias[r] : 0;
      for (let k = 0; k < K; k++) s += inp[io + k] * rows[r0 + k];
      out[oo + r] = s;
    }
  }
  return out;
}

function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/**
 * dw = xᵀ·dy and db = Σ_n dy, accumulated in float64 (sums over N ~ 10⁴–10⁶ voxels). Four voxels
 * per pass, so each accumulator is read and written once per four multiply-adds.
 */
function matmulParamGrads(xv: Float32Array, dyv: Float32Array, N: number, Cin: number, Cout: number): [Float32Array, Float32Array] {
  const dw = new Float64Array(Cin * Cout);
  const db = new Float64Array(Cout);
  let n = 0;
  for (; n + 4 <= N; n += 4) {
    const d0 = n * Cout, d1 = d0 + Cout, d2 = d1 + Cout, d3 = d2 + Cout;
    for (let o = 0; o < Cout; o++) db[o] += dyv[d0 + o] + dyv[d1 + o] + dyv[d2 + o] + dyv[d3 + o];
    const x0 = n * Cin;
    for (let i = 0; i < Cin; i++) {
      const a0 = xv[x0 + i], a1 = xv[x0 + Cin + i], a2 = xv[x0 + 2 * Cin + i], a3 = xv[x0 + 3 * Cin + i];
      const wo = i * Cout;
      for (let o = 0; o < Cout; o++) {
        dw[wo + o] += a0 * dyv[d0 + o] + a1 * dyv[d1 + o] + a2 * dyv[d2 + o] + a3 * dyv[d3 + o];
      }
    }
  }
  for (; n < N; n++) {
    const d0 = n * Cout;
    for (let o = 0; o < Cout; o++) db[o] += dyv[d0 + o];
    for (let i = 0; i < Cin; i++) {
      const a = xv[n * Cin + i];
      for (let o = 0; o < Cout; o++) dw[i * Cout + o] += a * dyv[d0 + o];
    }
  }
  return [Float32Array.from(dw), Float32Array.from(db)];
}

function pointwiseGradFunc(withBias: boolean) {
  return (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, save: tf.GradSaveFunc) => {
    save([x, w]);
    const [N, Cin] = x.shape;
    const Cout = w.shape[1];
    const wv = w.dataSync() as Float32Array;
    const y = rowsDot(x.dataSync() as Float32Array, N, Cin, transpose2d(wv, Cin, Cout), Cout, b ? (b.dataSync() as Float32Array) : null);
    return {
      value: tf.tensor2d(y, [N, Cout]),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved;
        const dyv = dy.dataSync() as Float32Array;
        const dx = tf.tensor2d(rowsDot(dyv, N, Cout, ws.dataSync() as Float32Array, Cin, null), [N, Cin]);
        const [dw, db] = matmulParamGrads(xs.dataSync() as Float32Array, dyv, N, Cin, Cout);
        const grads: tf.Tensor[] = [dx, tf.tensor2d(dw, [Cin, Cout])];
        if (withBias) grads.push(tf.tensor1d(db));
        return grads;
      },
    };
  };
}

type CustomFn = Parameters<typeof tf.customGrad>[0];
const pointwiseKernel = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) =>
  pointwiseGradFunc(true)(x, w, b, save)) as unknown as CustomFn) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
const pointwiseKernelNoBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) =>
  pointwiseGradFunc(false)(x, w, null, save)) as unknown as CustomFn) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

// ---------------------------------------------------------------------------------------------
// Dense conv3d typed-array kernel ('same', stride s, cubic k). With K = k³·Cin and the weights
// viewed as wRows [K, Cout] (row (tap, i), tap = (kd·k + kh)·k + kw — w's own memory order):
//   forward   y[n,:]    = patch(n) · wRows        patch(n) = the K input values under output n's
//                                                 window (zeros in the padding)
//   input     dx[in(n,tap),:] += wRows[tap] · dy[n,:]   (scatter; right for any stride)
//   filter    dW = Σ_n patch(n)ᵀ · dy[n,:]        (float64 accumulation)
// 'same' padding as TensorFlow: out = ⌈n/s⌉, total pad = max((out−1)·s + k − n, 0), front half
// rounded down.

interface DenseGeometry {
  readonly B: number;
  readonly D: number;
  readonly H: number;
  readonly W: number;
  readonly Cin: number;
  readonly Do: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly Cout: number;
  readonly k: number;
  readonly s: number;
  readonly pd: number;
  readonly ph: number;
  readonly pw: number;
}

function denseGeometry(xShape: number[], wShape: number[], s: number): DenseGeometry {
  const [B, D, H, W, Cin] = xShape;
  const k = wShape[0];
  const Cout = wShape[4];
  const out = (n: number): number => Math.ceil(n / s);
  const front = (n: number): number => Math.floor(Math.max((out(n) - 1) * s + k - n, 0) / 2);
  return { B, D, H, W, Cin, Do: out(D), Ho: out(H), Wo: out(W), Cout, k, s, pd: front(D), ph: front(H), pw: front(W) };
}

/**
 * Calls visit(n, b, od, oh, ow) for every output voxel n in order, after filling `taps` with, per
 * tap, the flat offset of its input voxel's channel 0, or −1 where the tap reads padding.
 */
function forEachOutput(g: DenseGeometry, taps: Int32Array, visit: (n: number) => void): void {
  const { B, D, H, W, Cin, Do, Ho, Wo, k, s, pd, ph, pw } = g;
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let od = 0; od < Do; od++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          let t = 0;
          for (let kd = 0; kd < k; kd++) {
            const id = od * s + kd - pd;
            for (let kh = 0; kh < k; kh++) {
              const ih = oh * s + kh - ph;
              for (let kw = 0; kw < k; kw++) {
                const iw = ow * s + kw - pw;
                taps[t++] = id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W ? -1 : (((b * D + id) * H + ih) * W + iw) * Cin;
              }
            }
          }
          visit(n++);
        }
      }
    }
  }
}

function gatherPatch(xv: Float32Array, taps: Int32Array, Cin: number, patch: Float32Array, at: number): void {
  for (let t = 0; t < taps.length; t++) {
    const src = taps[t];
    const dst = at + t * Cin;
    if (src < 0) patch.fill(0, dst, dst + Cin);
    else for (let i = 0; i < Cin; i++) patch[dst + i] = xv[src + i];
  }
}

function denseForward(xv: Float32Array, wv: Float32Array, g: DenseGeometry): Float32Array {
  const K = g.k * g.k * g.k * g.Cin;
  const Cout = g.Cout;
  const wT = transpose2d(wv, K, Cout); // [Cout, K]: each output channel's weights contiguous
  const y = new Float32Array(g.B * g.Do * g.Ho * g.Wo * Cout);
  const taps = new Int32Array(g.k * g.k * g.k);
  const patch = new Float32Array(K);
  forEachOutput(g, taps, (n) => {
    gatherPatch(xv, taps, g.Cin, patch, 0);
    const yo = n * Cout;
    let o = 0;
    for (; o + 4 <= Cout; o += 4) {
      const r0 = o * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = 0; q < K; q++) {
        const v = patch[q];
        s0 += v * wT[r0 + q];
        s1 += v * wT[r1 + q];
        s2 += v * wT[r2 + q];
        s3 += v * wT[r3 + q];
      }
      y[yo + o] = s0;
      y[yo + o + 1] = s1;
      y[yo + o + 2] = s2;
      y[yo + o + 3] = s3;
    }
    for (; o < Cout; o++) {
      let s = 0;
      for (let q = 0; q < K; q++) s += patch[q] * wT[o * K + q];
      y[yo + o] = s;
    }
  });
  return y;
}

/**
 * Stride 1: dx is the 'same' convolution of dy with the kernel mirrored in space and its channel
 * axes swapped, W'[tap', o, i] = W[k³−1−tap', i, o] — so it reuses the forward's blocked dot
 * products. Stride 2 scatters instead (a gather would multiply 7 of 8 taps by padding).
 */
function denseInputGrad(dyv: Float32Array, wv: Float32Array, g: DenseGeometry): Float32Array {
  const { Cin, Cout } = g;
  if (g.s === 1) {
    const T = g.k * g.k * g.k;
    const wm = new Float32Array(wv.length); // [k,k,k,Cout,Cin]
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < Cin; i++) {
        for (let o = 0; o < Cout; o++) wm[((T - 1 - t) * Cout + o) * Cin + i] = wv[(t * Cin + i) * Cout + o];
      }
    }
    return denseForward(dyv, wm, { ...g, Cin: Cout, Cout: Cin });
  }
  const dx = new Float32Array(g.B * g.D * g.H * g.W * Cin);
  const taps = new Int32Array(g.k * g.k * g.k);
  forEachOutput(g, taps, (n) => {
    const d0 = n * Cout;
    for (let t = 0; t < taps.length; t++) {
      const dst = taps[t];
      if (dst < 0) continue;
      const wt = t * Cin * Cout; // wRows[(t, i)] = wv[wt + i·Cout .. + Cout]
      for (let i = 0; i < Cin; i++) {
        const wr = wt + i * Cout;
        let acc = 0;
        for (let o = 0; o < Cout; o++) acc += wv[wr + o] * dyv[d0 + o];
        dx[dst + i] += acc;
      }
    }
  });
  return dx;
}

function denseFilterGrad(xv: Float32Array, dyv: Float32Array, g: DenseGeometry): Float32Array {
  const K = g.k * g.k * g.k * g.Cin;
  const Cout = g.Cout;
  const acc = new Float64Array(K * Cout);
  const taps = new Int32Array(g.k * g.k * g.k);
  const patches = new Float32Array(4 * K); // four voxels per accumulation pass
  const rows = new Int32Array(4);
  let filled = 0;
  const flush = (m: number): void => {
    if (m === 4) {
      const d0 = rows[0], d1 = rows[1], d2 = rows[2], d3 = rows[3];
      for (let q = 0; q < K; q++) {
        const a0 = patches[q], a1 = patches[K + q], a2 = patches[2 * K + q], a3 = patches[3 * K + q];
        if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue; // padding (and dead ReLUs)
        const r = q * Cout;
        for (let o = 0; o < Cout; o++) acc[r + o] += a0 * dyv[d0 + o] + a1 * dyv[d1 + o] + a2 * dyv[d2 + o] + a3 * dyv[d3 + o];
      }
    } else {
      for (let j = 0; j < m; j++) {
        for (let q = 0; q < K; q++) {
          const a = patches[j * K + q];
          if (a === 0) continue;
          for (let o = 0; o < Cout; o++) acc[q * Cout + o] += a * dyv[rows[j] + o];
        }
      }
    }
  };
  forEachOutput(g, taps, (n) => {
    gatherPatch(xv, taps, g.Cin, patches, filled * K);
    rows[filled++] = n * Cout;
    if (filled === 4) {
      flush(4);
      filled = 0;
    }
  });
  flush(filled);
  return Float32Array.from(acc);
}

type DenseOp = (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D;
const denseOps = new Map<number, DenseOp>();

function denseKernelOp(stride: number): DenseOp {
  let op = denseOps.get(stride);
  if (op !== undefined) return op;
  const f = (x: tf.Tensor5D, w: tf.Tensor5D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const g = denseGeometry(x.shape, w.shape, stride);
    const y = denseForward(x.dataSync() as Float32Array, w.dataSync() as Float32Array, g);
    return {
      value: tf.tensor5d(y, [g.B, g.Do, g.Ho, g.Wo, g.Cout]),
      gradFunc: (dy: tf.Tensor5D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor5D, tf.Tensor5D];
        const dyv = dy.dataSync() as Float32Array;
        const dx = tf.tensor5d(denseInputGrad(dyv, ws.dataSync() as Float32Array, g), xs.shape);
        const dw = tf.tensor5d(denseFilterGrad(xs.dataSync() as Float32Array, dyv, g), ws.shape);
        return [dx, dw];
      },
    };
  };
  op = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as DenseOp;
  denseOps.set(stride, op);
  return op;
}
