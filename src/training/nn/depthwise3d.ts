/**
 * Depthwise 3D convolution (stride 1, 'same', odd cubic kernel), the middle layer of every
 * MBConv3D block (METHODS.md §3). tfjs has no depthwise 3D op, so this file holds four ways to
 * build one; 'auto' picks per backend:
 *
 *  - 'kernel'  : tf.customGrad whose forward and backward (dx, dw) are typed-array loops over host
 *                data (`dataSync()` hands back the cpu backend's own buffer: no copy). For k = 3
 *                each output row takes 9 input rows × 3 columns per depth tap, channel-outer so the
 *                9 weights sit in registers, with a sliding 3-column window (each input loaded
 *                once per row); rows outside the volume get zero weights instead of a branch. dx
 *                is the same loop over dy with the kernel mirrored; dw keeps float64 partial sums.
 *                Other odd k use a plain tap-by-tap loop. Saves only x and w for backward.
 *                Only on host-memory backends (cpu, wasm — where the other paths would also hit
 *                wasm's wrong Conv3DBackpropInputV2, ENVIRONMENT.md §2): on a GPU backend every
 *                `dataSync()` would be a blocking device-to-host copy.
 *  - 'grouped' : split channels, one 1→1-channel conv3d each, concat. Linear in C, built from
 *                tfjs ops whose kernels and gradients every backend has: the default off the host.
 *  - 'masked'  : one dense conv3d with a block-diagonal kernel (w[..., c]·I_C). One op, C× the
 *                multiply-adds.
 *  - 'slices2d': tf.depthwiseConv2d over (H, W) on each of the k depth-shifted slices, summed:
 *                k ops whatever C. Slow on cpu (its depthwise-2D backprop is naive) and 5× the
 *                peak memory; a candidate to measure on a real GPU, where tfjs has tuned
 *                depthwise-2D kernels (this machine has none).
 *
 * Measured on cpu (bench/depthwise3d.bench.ts → bench/results/depthwise3d.md; fwd+bwd ms, medians,
 * shared 2-core machine under load, ratios taken side by side within a run):
 *   |x (k = 3)          |kernel|grouped    |slices2d   |masked      |peak MB kernel/grouped/slices2d|
 *   |[1,32,32,32,16]    |50    |926 (×14)  |2423 (×37) |1604 (×16)  |4 / 12 / 67                   |
 *   |[1,16,16,16,32]    |7     |216 (×30)  |577 (×79)  |716 (×105)  |1 / 3 / 17                    |
 *   |[1,32,32,32,32]    |75    |1604 (×30) |4594 (×87) |6649 (×128) |8 / 24 / 134                  |
 *   |[1,16,16,16,64]    |14    |448 (×32)  |1092 (×81) |–           |2 / 6 / 34                    |
 *   |[1,32,32,32,64]    |143   |3711 (×26) |9098 (×65) |–           |16 / 48 / 268                 |
 *   |[1,16,16,16,128]   |25    |940 (×37)  |2134 (×85) |–           |4 / 12 / 68                   |
 *
 * The kernel is 14–37× faster than the best tfjs-op path (grouped) and has the smallest working
 * set (its output and dx), so 'auto' takes it on cpu (and on wasm: not testable here,
 * tfjs-backend-wasm is not installed); 'grouped' elsewhere. All paths agree to ≤ 3.2e-7 relative
 * (output and both gradients).
 */
import * as tf from '@tensorflow/tfjs';
import { hostData, isHostBackend } from './host';

export type DepthwiseImpl = 'auto' | 'kernel' | 'grouped' | 'masked' | 'slices2d';

export interface DepthwiseOptions {
  /** Which implementation; 'auto' picks by backend (see header). */
  readonly impl?: DepthwiseImpl;
}

/** Backends whose tensors live in host memory, so a typed-array kernel reads them for free. */

/** The implementation 'auto' resolves to on the current backend. */
export function depthwiseImplFor(backend: string = tf.getBackend()): Exclude<DepthwiseImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'grouped';
}

/**
 * y[b,d,h,w,c] = Σ_{i,j,l} x[b, d+i-p, h+j-p, w+l-p, c] · w[i,j,l,c], p = (k-1)/2, zero outside.
 * x: [B,D,H,W,C], w: [k,k,k,C] → [B,D,H,W,C].
 */
export function depthwiseConv3d(x: tf.Tensor5D, w: tf.Tensor4D, opts: DepthwiseOptions = {}): tf.Tensor5D {
  checkShapes(x, w);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? depthwiseImplFor() : opts.impl;
  switch (impl) {
    case 'kernel':
      return depthwiseKernel(x, w);
    case 'grouped':
      return depthwiseGrouped(x, w);
    case 'masked':
      return depthwiseMasked(x, w);
    case 'slices2d':
      return depthwiseSlices2d(x, w);
    default:
      throw new Error(`depthwise3d: unknown impl '${String(impl)}'`);
  }
}

function checkShapes(x: tf.Tensor, w: tf.Tensor): void {
  if (x.rank !== 5) throw new Error(`depthwise3d: x must be [B,D,H,W,C], got shape [${x.shape}]`);
  if (w.rank !== 4) throw new Error(`depthwise3d: w must be [k,k,k,C], got shape [${w.shape}]`);
  const [k0, k1, k2, c] = w.shape;
  if (k0 !== k1 || k1 !== k2 || k0 % 2 !== 1) {
    throw new Error(`depthwise3d: w must be a cubic odd kernel [k,k,k,C], got [${w.shape}]`);
  }
  if (c !== x.shape[4]) throw new Error(`depthwise3d: w has ${c} channels but x has ${x.shape[4]}`);
  if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error('depthwise3d: x and w must be float32');
}

// ---------------------------------------------------------------------------------------------
// 'kernel': typed-array loops. Flat offset of voxel (b,d,h,w,c) is (((b·D + d)·H + h)·W + w)·C + c,
// so an image row (fixed b,d,h) is W·C contiguous floats.

interface Geometry {
  readonly B: number;
  readonly D: number;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly k: number;
}

/**
 * k = 3 row kernel, the hot loop of forward and dx: for every column j and channel c,
 *   out[o + j·C + c] += Σ_{a<3} Σ_{t<3} inp[rowA + (j+t-1)·C + c] · ws[(3a+t)·C + c]
 * with columns outside [0, W) read as zero. Rows rowA that fall outside the volume are passed as
 * a valid row with zero weights (branch-free). The loop runs channel-outer so the 9 weights sit
 * in registers, and slides a 3-column window so each input value is loaded once per row.
 */
function row9(
  out: Float32Array, o: number, inp: Float32Array, r0: number, r1: number, r2: number,
  ws: Float32Array, W: number, C: number,
): void {
  const C2 = 2 * C, C3 = 3 * C, C4 = 4 * C, C5 = 5 * C, C6 = 6 * C, C7 = 7 * C, C8 = 8 * C;
  for (let c = 0; c < C; c++) {
    const a0 = ws[c], a1 = ws[C + c], a2 = ws[C2 + c];
    const b0 = ws[C3 + c], b1 = ws[C4 + c], b2 = ws[C5 + c];
    const d0 = ws[C6 + c], d1 = ws[C7 + c], d2 = ws[C8 + c];
    // window: p* = column j-1, q* = column j, n* = column j+1 of rows 0,1,2 (zero outside).
    let p0 = 0, p1 = 0, p2 = 0;
    let q0 = inp[r0 + c], q1 = inp[r1 + c], q2 = inp[r2 + c];
    let oo = o + c;
    let i0 = r0 + c + C, i1 = r1 + c + C, i2 = r2 + c + C;
    for (let j = 0; j < W - 1; j++) {
      const n0 = inp[i0], n1 = inp[i1], n2 = inp[i2];
      out[oo] += p0 * a0 + q0 * a1 + n0 * a2 + p1 * b0 + q1 * b1 + n1 * b2 + p2 * d0 + q2 * d1 + n2 * d2;
      p0 = q0; p1 = q1; p2 = q2;
      q0 = n0; q1 = n1; q2 = n2;
      oo += C; i0 += C; i1 += C; i2 += C;
    }
    out[oo] += p0 * a0 + q0 * a1 + p1 * b0 + q1 * b1 + p2 * d0 + q2 * d1; // last column: no j+1
  }
}

/**
 * Per depth tap kd and row-validity pattern (bit 0: row a=0 valid, bit 1: row a=2 valid), the 9·C
 * plane weights in row9's [a][t][c] layout. `flip` mirrors both in-plane axes (for dx, which
 * correlates dy with the mirrored kernel).
 */
function planeWeights(wv: Float32Array, C: number, flip: boolean): Float32Array[][] {
  const table: Float32Array[][] = [];
  for (let kd = 0; kd < 3; kd++) {
    const row: Float32Array[] = [];
    for (let mask = 0; mask < 4; mask++) {
      const ws = new Float32Array(9 * C);
      for (let a = 0; a < 3; a++) {
        const valid = a === 1 || (a === 0 && (mask & 1) !== 0) || (a === 2 && (mask & 2) !== 0);
        if (!valid) continue;
        for (let t = 0; t < 3; t++) {
          const src = ((kd * 3 + (flip ? 2 - a : a)) * 3 + (flip ? 2 - t : t)) * C;
          ws.set(wv.subarray(src, src + C), (a * 3 + t) * C);
        }
      }
      row.push(ws);
    }
    table.push(row);
  }
  return table;
}

/**
 * out = inp ⋆ w (forward: inp = x) or inp ⋆ mirror(w) (dx: inp = dy) for k = 3. Output row (d,h)
 * takes depth tap kd from input depth d + kd - 1 (forward) or d + 1 - kd (mirrored); after the
 * in-plane mirror in planeWeights, both read rows h-1, h, h+1 in that order.
 */
function correlate3(inp: Float32Array, wv: Float32Array, g: Geometry, mirrored: boolean): Float32Array {
  const { B, D, H, W, C } = g;
  const out = new Float32Array(inp.length);
  const table = planeWeights(wv, C, mirrored);
  const rowLen = W * C;
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      for (let kd = 0; kd < 3; kd++) {
        const id = mirrored ? d + 1 - kd : d + kd - 1;
        if (id < 0 || id >= D) continue;
        const plane = (b * D + id) * H;
        for (let h = 0; h < H; h++) {
          const mid = (plane + h) * rowLen;
          const up = h > 0, down = h < H - 1;
          const ws = table[kd][(up ? 1 : 0) | (down ? 2 : 0)];
          row9(out, ((b * D + d) * H + h) * rowLen, inp, up ? mid - rowLen : mid, mid, down ? mid + rowLen : mid, ws, W, C);
        }
      }
    }
  }
  return out;
}

/**
 * dw for k = 3: dw[kd,a,t,c] = Σ_{out voxels} x[d+kd-1, h+a-1, w+t-1, c] · dy[d, h, w, c]. Per
 * (output row, kd, a) and channel, three float64 accumulators over the row, with a sliding
 * 3-column window of x; partial sums go to a float64 table (sums of up to B·D·H·W terms).
 */
function filterGrad3(xv: Float32Array, dyv: Float32Array, g: Geometry): Float32Array {
  const { B, D, H, W, C } = g;
  const acc = new Float64Array(27 * C);
  const rowLen = W * C;
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      for (let kd = 0; kd < 3; kd++) {
        const id = d + kd - 1;
        if (id < 0 || id >= D) continue;
        for (let h = 0; h < H; h++) {
          const o = ((b * D + d) * H + h) * rowLen;
          for (let a = 0; a < 3; a++) {
            const ih = h + a - 1;
            if (ih < 0 || ih >= H) continue;
            const r = ((b * D + id) * H + ih) * rowLen;
            const base = (kd * 3 + a) * 3 * C;
            for (let c = 0; c < C; c++) {
              let s0 = 0, s1 = 0, s2 = 0;
              let p = 0, q = xv[r + c];
              let oo = o + c, ii = r + c + C;
              for (let j = 0; j < W - 1; j++) {
                const n = xv[ii], e = dyv[oo];
                s0 += p * e; s1 += q * e; s2 += n * e;
                p = q; q = n;
                oo += C; ii += C;
              }
              const e = dyv[oo];
              s0 += p * e; s1 += q * e;
              acc[base + c] += s0;
              acc[base + C + c] += s1;
              acc[base + 2 * C + c] += s2;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * Any odd k (reference and fallback; the U-Net uses k = 3): visits every overlapping (tap, output
 * row, input row) and hands `run` the offsets of the first output/input voxel of the overlapping
 * run along W, its length in floats and the tap's weight offset.
 */
function forEachTapRun(g: Geometry, run: (o: number, i: number, len: number, wOff: number) => void): void {
  const { B, D, H, W, C, k } = g;
  const p = (k - 1) >> 1;
  const rowLen = W * C;
  for (let b = 0; b < B; b++) {
    for (let od = 0; od < D; od++) {
      for (let kd = 0; kd < k; kd++) {
        const id = od + kd - p;
        if (id < 0 || id >= D) continue;
        for (let oh = 0; oh < H; oh++) {
          const outRow = ((b * D + od) * H + oh) * rowLen;
          for (let kh = 0; kh < k; kh++) {
            const ih = oh + kh - p;
            if (ih < 0 || ih >= H) continue;
            const inRow = ((b * D + id) * H + ih) * rowLen;
            for (let kw = 0; kw < k; kw++) {
              const s = kw - p; // input column = output column + s
              const w0 = s < 0 ? -s : 0;
              const w1 = s > 0 ? W - s : W;
              if (w1 <= w0) continue;
              run(outRow + w0 * C, inRow + (w0 + s) * C, (w1 - w0) * C, ((kd * k + kh) * k + kw) * C);
            }
          }
        }
      }
    }
  }
}

function forwardLoop(xv: Float32Array, wv: Float32Array, g: Geometry): Float32Array {
  if (g.k === 3) return correlate3(xv, wv, g, false);
  const C = g.C;
  const y = new Float32Array(xv.length);
  forEachTapRun(g, (o, i, len, wOff) => {
    for (let c = 0; c < C; c++) {
      const wc = wv[wOff + c];
      for (let j = c; j < len; j += C) y[o + j] += xv[i + j] * wc;
    }
  });
  return y;
}

/** dx[in] = Σ dy[out] · w[tap]: the forward walk with input and output swapped. */
function inputGradLoop(dyv: Float32Array, wv: Float32Array, g: Geometry): Float32Array {
  if (g.k === 3) return correlate3(dyv, wv, g, true);
  const C = g.C;
  const dx = new Float32Array(dyv.length);
  forEachTapRun(g, (o, i, len, wOff) => {
    for (let c = 0; c < C; c++) {
      const wc = wv[wOff + c];
      for (let j = c; j < len; j += C) dx[i + j] += dyv[o + j] * wc;
    }
  });
  return dx;
}

function filterGradLoop(xv: Float32Array, dyv: Float32Array, g: Geometry): Float32Array {
  if (g.k === 3) return filterGrad3(xv, dyv, g);
  const C = g.C;
  const acc = new Float64Array(g.k * g.k * g.k * C);
  forEachTapRun(g, (o, i, len, wOff) => {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = c; j < len; j += C) s += xv[i + j] * dyv[o + j];
      acc[wOff + c] += s;
    }
  });
  return Float32Array.from(acc);
}

function geometryOf(x: tf.Tensor, w: tf.Tensor): Geometry {
  const [B, D, H, W, C] = x.shape;
  return { B, D, H, W, C, k: w.shape[0] };
}

/** Host view of a float32 tensor: the cpu backend's own buffer (read-only by convention). */
const host = hostData;

const kernelOp = tf.customGrad(((x: tf.Tensor5D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const g = geometryOf(x, w);
  const y = tf.tensor5d(forwardLoop(host(x), host(w), g), x.shape);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor5D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor5D, tf.Tensor4D];
      const dyv = host(dy);
      const dx = tf.tensor5d(inputGradLoop(dyv, host(ws), g), xs.shape);
      const dw = tf.tensor4d(filterGradLoop(host(xs), dyv, g), ws.shape);
      return [dx, dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor5D, w: tf.Tensor4D) => tf.Tensor5D;

/** The typed-array kernel, differentiable w.r.t. x and w. */
export function depthwiseKernel(x: tf.Tensor5D, w: tf.Tensor4D): tf.Tensor5D {
  return kernelOp(x, w);
}

// ---------------------------------------------------------------------------------------------
// tfjs-op paths (any backend).

/** One conv3d per channel. */
export function depthwiseGrouped(x: tf.Tensor5D, w: tf.Tensor4D): tf.Tensor5D {
  return tf.tidy(() => {
    const [k, , , C] = w.shape;
    // C = 1 bypasses split: tfjs's SplitV gradient fails for a single piece ("Pass at least one tensor to concat").
    if (C === 1) return tf.conv3d(x, w.reshape([k, k, k, 1, 1]) as tf.Tensor5D, 1, 'same');
    const xs = tf.split(x, C, 4) as tf.Tensor5D[]; // C × [B,D,H,W,1]
    const ws = tf.split(w, C, 3); // C × [k,k,k,1]
    const ys = xs.map((xi, c) => tf.conv3d(xi, ws[c].reshape([k, k, k, 1, 1]) as tf.Tensor5D, 1, 'same'));
    return tf.concat(ys, 4) as tf.Tensor5D; // [B,D,H,W,C]
  });
}

/** One dense conv3d with a block-diagonal [k,k,k,C,C] kernel. */
export function depthwiseMasked(x: tf.Tensor5D, w: tf.Tensor4D): tf.Tensor5D {
  return tf.tidy(() => {
    const C = w.shape[3];
    const dense = tf.mul(w.expandDims(4), tf.eye(C)) as tf.Tensor5D; // [k,k,k,C,1]·[C,C] → [k,k,k,C,C]
    return tf.conv3d(x, dense, 1, 'same');
  });
}

/** Σ_i depthwiseConv2d(x[:, d+i-p], w[i]) over the k depth taps. */
export function depthwiseSlices2d(x: tf.Tensor5D, w: tf.Tensor4D): tf.Tensor5D {
  return tf.tidy(() => {
    const [B, D, H, W, C] = x.shape;
    const k = w.shape[0];
    const p = (k - 1) >> 1;
    const plane = H * W * C;
    const flat = x.reshape([B, D, plane]); // [B,D,H·W·C]: depth slices are contiguous
    const zeros = tf.zeros([B, p, plane]);
    const padded = p > 0 ? tf.concat([zeros, flat, zeros], 1) : flat; // [B,D+2p,H·W·C]
    let y: tf.Tensor4D | null = null;
    for (let i = 0; i < k; i++) {
      const xi = padded.slice([0, i, 0], [B, D, plane]).reshape([B * D, H, W, C]) as tf.Tensor4D;
      const wi = w.slice([i, 0, 0, 0], [1, k, k, C]).reshape([k, k, C, 1]) as tf.Tensor4D; // [k,k,C,1]
      const yi = tf.depthwiseConv2d(xi, wi, 1, 'same'); // [B·D,H,W,C]
      y = y === null ? yi : (y.add(yi) as tf.Tensor4D);
    }
    return (y as tf.Tensor4D).reshape([B, D, H, W, C]) as tf.Tensor5D;
  });
}
