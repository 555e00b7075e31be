/**
 * Dense 2-D convolution, channels-last, with PyTorch-style symmetric zero padding: the conv of
 * RevBiFPN's ConvNormAct and of every 1×1 conv in its MBConvs (METHODS.md §2 "Primitives"), of the
 * FCOS head, and of the LeNet CNNs.
 *
 *   y[b, i, j, o] = Σ_{u,v,c} xp[b, i·s + u, j·s + v, c] · w[u, v, c, o],  xp = x zero-padded by p on
 *   every side of H and W;  H' = floor((H + 2p − k)/s) + 1 (PyTorch's nn.Conv2d).
 *
 * Padding: PyTorch pads p = (k−1)/2 on both sides (`padding=(kernel_size-1)//2` in the official
 * `revbifpn.py` ConvNormAct). TF's 'same' pads asymmetrically when the stride is > 1 (extra zero at
 * the bottom/right only, e.g. H = 8, k = 3, s = 2: top 0, bottom 1, where PyTorch pads 1 and 1), so
 * we pad explicitly and convolve 'valid' (tf.pad; on host backends a row-copy customGrad, since
 * tf.pad's slice gradient is slow on cpu). Exception, same numbers and one op fewer: stride 1 with
 * odd k and p = (k−1)/2 is exactly TF's 'same' (total pad k−1, split evenly).
 *
 * Routes ('auto' picks by backend, conv2dRouteFor):
 *  - 'conv3d' on host backends (cpu, wasm): the conv as a depth-1 tf.conv3d
 *    (`conv3d(x.expandDims(1), w.expandDims(0), [1, s, s]).squeeze([1])`, ENVIRONMENT.md §3): tfjs
 *    cpu's Conv2DBackpropFilter is its slowest kernel (7.5 s of an 8.3 s MNIST step) and wasm has
 *    none; a depth-1 Conv3D's gradients are right on wasm (its Conv3DBackpropInputV2 is wrong
 *    only for depth > 1, ENVIRONMENT.md §2).
 *    On wasm its Conv3D backprop kernels are wrong at strides > 1 even at depth 1 (measured: dx and
 *    dW relative errors 0.5–1.2 for k 3/5, s 2; 1.0 for k 15, s 8; right at stride 1), so strided
 *    convs there get a tf.customGrad: dx by tf.conv2dTranspose, dW by the stride-1 filter gradient
 *    against a dilated dy (stridedWasmOp).
 *  - 'conv2d' elsewhere (webgl, webgpu, tensorflow): tf.conv2d.
 *  - stride-1 1×1 kernels without padding on host backends under 'auto' (pointwise: MBConv
 *    expand/project, SE, the head's 1×1 ConvNormAct) run as one matrix product over [B·H·W, Cin]
 *    through nn/conv3d.ts's `pointwiseConv3d` (its typed-array kernel, bias included); see the
 *    timings below. Strided 1×1 convs take the conv3d route (tfjs has no StridedSlice gradient).
 *
 * Measured on cpu (tfjs 4.22, shared 2-core machine under a parallel benchmark, so compare only
 * numbers from the same run; forward + backward with dx and dW for a fixed cotangent, wall ms of
 * one pass under tf.profile, the main kernels in brackets):
 *   1×1 48→48, x [8,56,56,48]: 'auto' (pointwise kernel) 286, conv3d route 916
 *   1×1 48→48, x [2,56,56,48]: 'auto' 166, conv3d 478, tf.conv2d 15218 (Conv2DBackpropFilter 14952)
 *   3×3 48→48, x [2,56,56,48], s 1: conv3d 6005, tf.conv2d 118741 (Conv2DBackpropFilter 115802)
 *   3×3 48→48, x [2,56,56,48], s 2: conv3d 3168 (tf.pad's Slice gradient 1343 of it), tf.conv2d 36548
 *   later run, lighter load: 3×3 s 1 conv3d 1175; s 2 conv3d with the host pad 454 (pad 5)
 * MBConv totals with each route: nn/mbconv2d.ts.
 *
 * Usage:
 *   const y = conv2d(x, w);                        // x [B,H,W,Cin], w [k,k,Cin,Cout] → [B,H,W,Cout]
 *   const z = conv2d(x, w, { stride: 2 });         // → [B, floor((H−1)/2)+1, …] for k = 3
 *   conv2dRouted(x, w, 'same', 'conv3d');          // stride-1 'same'/'valid' form LeNet uses
 */
import * as tf from '@tensorflow/tfjs';
import { pointwiseConv3d } from './conv3d';
import { isHostBackend } from './host';

/** 'auto': depth-1 conv3d on host backends (cpu, wasm), tf.conv2d elsewhere. */
export type Conv2dRoute = 'auto' | 'conv3d' | 'conv2d';

export interface Conv2dOptions {
  /** Stride in H and W; default 1. */
  readonly stride?: number;
  /** Zero padding on each side of H and W; default floor((k−1)/2) (PyTorch's (k−1)//2). */
  readonly pad?: number;
  /** Which implementation; default 'auto'. */
  readonly route?: Conv2dRoute;
  /** Optional bias [Cout], added to every output pixel (SE convs and heads have one; convs before a BN do not). */
  readonly bias?: tf.Tensor1D;
}

/** 'auto' → 'conv3d' on host backends (cpu, wasm), 'conv2d' elsewhere. */
export function conv2dRouteFor(route: Conv2dRoute, backend: string = tf.getBackend()): Exclude<Conv2dRoute, 'auto'> {
  if (route === 'auto') return isHostBackend(backend) ? 'conv3d' : 'conv2d';
  if (route !== 'conv3d' && route !== 'conv2d') throw new Error(`conv2d: route = '${String(route)}' must be 'auto', 'conv3d' or 'conv2d'`);
  return route;
}

/** Output size of one spatial axis: floor((n + 2p − k)/s) + 1 (PyTorch). */
export function conv2dOutSize(n: number, k: number, stride = 1, pad = Math.floor((k - 1) / 2)): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

function checkConv(x: tf.Tensor, w: tf.Tensor, stride: number, pad: number): void {
  if (x.rank !== 4) throw new Error(`conv2d: x must be [B,H,W,Cin], got shape [${x.shape}]`);
  if (w.rank !== 4) throw new Error(`conv2d: w must be [k,k,Cin,Cout], got shape [${w.shape}]`);
  const [kh, kw, cin] = w.shape;
  if (kh !== kw) throw new Error(`conv2d: w must be a square kernel [k,k,Cin,Cout], got [${w.shape}]`);
  if (cin !== x.shape[3]) throw new Error(`conv2d: w has ${cin} input channels but x [${x.shape}] has ${x.shape[3]}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`conv2d: stride = ${stride} must be an integer ≥ 1`);
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`conv2d: pad = ${pad} must be an integer ≥ 0`);
  const [, H, W] = x.shape;
  if (H + 2 * pad < kh || W + 2 * pad < kh) {
    throw new Error(`conv2d: input ${H}×${W} with pad ${pad} is smaller than the ${kh}×${kh} kernel`);
  }
}

/**
 * x [B,H,W,Cin], w [k,k,Cin,Cout] → [B,H',W',Cout] with H' = floor((H + 2p − k)/s) + 1.
 * Arguments are borrowed; the result belongs to the caller.
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const k = w.shape[0];
  const stride = opts.stride ?? 1;
  const pad = opts.pad ?? Math.floor((k - 1) / 2);
  checkConv(x, w, stride, pad);
  const bias = opts.bias;
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== w.shape[3])) {
    throw new Error(`conv2d: bias must be [${w.shape[3]}] (Cout), got [${bias.shape}]`);
  }
  const backend = tf.getBackend();
  const route = conv2dRouteFor(opts.route ?? 'auto', backend);
  return tf.tidy(() => {
    if (k === 1 && pad === 0 && stride === 1 && isHostBackend(backend) && opts.route !== 'conv2d' && opts.route !== 'conv3d') {
      return pointwise(x, w, bias);
    }
    // Stride 1, odd k, p = (k−1)/2: TF's 'same' pads (k−1)/2 on each side, as PyTorch does.
    const same = stride === 1 && k % 2 === 1 && pad === (k - 1) / 2;
    const xp = same || pad === 0 ? x : isHostBackend(backend) ? hostPad(x, pad) : (tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) as tf.Tensor4D); // [B,H+2p,W+2p,Cin]
    const padding = same ? 'same' : 'valid';
    let y: tf.Tensor4D;
    if (route === 'conv2d') y = tf.conv2d(xp, w, stride, padding); // [B,H',W',Cout]
    else if (stride > 1 && backend === 'wasm') y = stridedWasmOp(stride)(xp, w); // [B,H',W',Cout]
    else y = tf.conv3d(xp.expandDims(1) as tf.Tensor5D, w.expandDims(0) as tf.Tensor5D, [1, stride, stride], padding).squeeze([1]) as tf.Tensor4D; // [B,1,H',W',Cout] → [B,H',W',Cout]
    return bias === undefined ? y : (y.add(bias) as tf.Tensor4D);
  });
}

/**
 * Zero-pads H and W by p on both sides with row copies on host data. tf.pad's gradient is a 4-D
 * tf.slice, which tfjs cpu walks element by element: 1.3 s of a 3.2 s 3×3 stride-2 conv fwd+bwd
 * at [2,56,56,48] (tf.profile); this copies W·C-float rows forward and back.
 */
function hostPad(x: tf.Tensor4D, p: number): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const Hp = H + 2 * p, Wp = W + 2 * p;
  const row = W * C;
  const op = tf.customGrad((...args: unknown[]) => {
    const t = args[0] as tf.Tensor4D;
    const xv = t.dataSync() as Float32Array;
    const out = new Float32Array(B * Hp * Wp * C);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++) out.set(xv.subarray((b * H + h) * row, (b * H + h + 1) * row), ((b * Hp + h + p) * Wp + p) * C);
    return {
      value: tf.tensor4d(out, [B, Hp, Wp, C]),
      gradFunc: (dy: tf.Tensor) => {
        const dyv = dy.dataSync() as Float32Array;
        const dx = new Float32Array(B * H * W * C);
        for (let b = 0; b < B; b++)
          for (let h = 0; h < H; h++) {
            const o = ((b * Hp + h + p) * Wp + p) * C;
            dx.set(dyv.subarray(o, o + row), (b * H + h) * row);
          }
        return tf.tensor4d(dx, [B, H, W, C]);
      },
    };
  });
  return op(x) as tf.Tensor4D;
}

type ConvOp = (xp: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
const stridedWasmOps = new Map<number, ConvOp>();

/**
 * Strided 'valid' conv of an already padded input for wasm, whose depth-1 Conv3D backprop kernels
 * are wrong at strides > 1 (conv2d.test.ts: dx and dW relative errors ~1 at s = 2 and 8). Forward:
 * the depth-1 conv3d (right). dx: tf.conv2dTranspose (wasm's Conv2DBackpropInput, right). dW: the
 * stride-1 Conv3DBackpropFilterV2 (right at depth 1) of the input cropped to the rows/columns the
 * windows cover, (H'−1)·s + k, against dy dilated by s (zeros between its pixels):
 *   dW[u,v,ci,co] = Σ_{b,i,j} xp[b, i·s+u, j·s+v, ci]·dy[b,i,j,co] = Σ_{b,p,q} xp[b, p+u, q+v, ci]·dyDil[b,p,q,co].
 */
function stridedWasmOp(stride: number): ConvOp {
  let op = stridedWasmOps.get(stride);
  if (op !== undefined) return op;
  const f = (xp: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xp, w]);
    const value = tf.tidy(() => tf.conv3d(xp.expandDims(1) as tf.Tensor5D, w.expandDims(0) as tf.Tensor5D, [1, stride, stride], 'valid').squeeze([1]) as tf.Tensor4D); // [B,H',W',Cout]
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
          const [B, Hp, Wp, Cin] = xs.shape;
          const [k, , , Cout] = ws.shape;
          const [, Ho, Wo] = dy.shape;
          const dx = tf.conv2dTranspose(dy, ws, [B, Hp, Wp, Cin], stride, 'valid'); // [B,Hp,Wp,Cin]
          const hc = (Ho - 1) * stride + 1, wc = (Wo - 1) * stride + 1; // dilated dy size
          const dil = tf
            .pad(dy.reshape([B, Ho, 1, Wo, 1, Cout]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]])
            .reshape([B, Ho * stride, Wo * stride, Cout])
            .slice([0, 0, 0, 0], [B, hc, wc, Cout]); // [B,hc,wc,Cout]
          const xc = xs.slice([0, 0, 0, 0], [B, hc + k - 1, wc + k - 1, Cin]); // [B,hc+k−1,wc+k−1,Cin]
          const dw = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: xc.expandDims(1), dy: dil.expandDims(1) }, { strides: [1, 1, 1], pad: 'valid', filterShape: [1, k, k, Cin, Cout] }) as tf.Tensor; // [1,k,k,Cin,Cout]
          return [dx, dw.reshape([k, k, Cin, Cout])];
        }),
    };
  };
  op = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as ConvOp;
  stridedWasmOps.set(stride, op);
  return op;
}

/** Stride-1 1×1 conv through nn/conv3d.ts's pointwise matrix product: x [B,H,W,Cin], w [1,1,Cin,Cout] → [B,H,W,Cout]. */
function pointwise(x: tf.Tensor4D, w: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [B, H, W, Cin] = x.shape;
  const Cout = w.shape[3];
  const y = pointwiseConv3d(x.reshape([B, 1, H, W, Cin]) as tf.Tensor5D, w.reshape([Cin, Cout]) as tf.Tensor2D, bias); // [B,1,H,W,Cout]
  return y.reshape([B, H, W, Cout]) as tf.Tensor4D;
}

/**
 * Stride-1 2-D convolution with TF-style padding names, the form LeNet uses: 'same' (odd k: the
 * PyTorch symmetric (k−1)/2) or 'valid'. x [B,H,W,Cin], w [k,k,Cin,Cout].
 */
export function conv2dRouted(x: tf.Tensor4D, w: tf.Tensor4D, padding: 'same' | 'valid', route: Exclude<Conv2dRoute, 'auto'>): tf.Tensor4D {
  const k = w.shape[0];
  if (padding === 'same' && k % 2 === 0) throw new Error(`conv2dRouted: 'same' needs an odd kernel, got k = ${k}`);
  return conv2d(x, w, { stride: 1, pad: padding === 'same' ? (k - 1) / 2 : 0, route });
}
