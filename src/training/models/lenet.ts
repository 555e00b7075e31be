/**
 * LeNet-style CNNs of SPL-ADVisE on MNIST / Fashion-MNIST (Thangarasa & Taylor, BMVC 2018,
 * arXiv 1807.09200; METHODS.md §5: "Fashion-MNIST: LeNet / LeNet" for embedding / student):
 *
 *   per stage s: conv k×k (Cin → C_s) + bias, ReLU, 2×2 max-pool stride 2 (floor)
 *   flatten, then per hidden width h: dense + ReLU; then dense → outDim (no activation)
 *
 * Two variants, both as in the released code [C] (METHODS.md gives no layer sizes):
 * - 'magnet-embedding' (`models/magnet_lenet.py`, MagnetLeNet): conv 5×5 1→32 pad 2, pool,
 *   conv 5×5 32→64 pad 2, pool, 64·7·7 = 3136 → embedding. The driver passes emb_dim = 2
 *   (METHODS.md §5 (d); `--feature-size` defaults to 64) [U which one the paper used]: default 2.
 *   The Magnet loss uses the raw embedding (the model's L2-normalised copy is unused).
 * - 'lenet5' (`models/lenet.py`, the student): conv 5×5 1→6 valid, pool, conv 5×5 6→16 valid,
 *   pool, 16·4·4 = 256 → 120 → 84 → 10. The code puts a ReLU on the logits (`F.relu(self.fc3(x))`),
 *   which clips every negative logit to 0; we leave the logits linear.
 * Init: PyTorch's default for Conv2d/Linear (kaiming_uniform a=√5: weights and biases
 * U(±1/√fanIn)), as the code trained with it.
 *
 * Convolutions: on host backends (cpu, wasm) the 2-D conv runs as a depth-1 tf.conv3d
 * (`conv3d(x.expandDims(1), w.expandDims(0)).squeeze([1])`, ENVIRONMENT.md §3): tfjs cpu's
 * Conv2DBackpropFilter is its slowest kernel and wasm has none; a depth-1 Conv3D's gradients are
 * right on wasm too (its Conv3DBackpropInputV2 is wrong only for depth > 1). Elsewhere (webgl,
 * webgpu, tensorflow) tf.conv2d. Same values and gradients (0 difference on cpu). One training
 * step on cpu (bench/results/lenet-routes.md, `npm run bench -- lenet-routes`): the depth-1
 * conv3d is 10.4× faster than tf.conv2d for LeNet-5 at batch 64 and 19.9× for the code's
 * embedding CNN at batch 16; on wasm tf.conv2d cannot train at all (no Conv2DBackpropFilter).
 * Max-pool 2×2/2 (floor): tf.maxPool on every backend. Its gradient sends each output's gradient
 * to one input of the window, ties included, on cpu and wasm alike (wasm's MaxPoolGrad is right,
 * unlike its MaxPool3DGrad; test in lenet.test.ts). An earlier reshape + max route sent it to
 * every tied input: zero-padded (shifted) images have flat regions of tied activations, and with
 * crop augmentation on wasm the student then stayed at chance (11 % test accuracy after one epoch of
 * spl-advise cpu-5k where cpu reached 33 %).
 *
 * Layout: x [B, H, W, C] (NHWC), output [B, outDim].
 * Usage:
 *   const cfg = lenetConfig('lenet5');                 // or lenetConfig('magnet-embedding', { outDim: 64 })
 *   const params = initLeNet(cfg, new Rng(0));
 *   const logits = applyLeNet(params, x, cfg);          // x [B, 28, 28, 1] → [B, 10]
 */
import * as tf from '@tensorflow/tfjs';
import { uniformInit } from '../core/params';
import { type Rng } from '../core/rng';
import { type Conv2dRoute, conv2dRouted, conv2dRouteFor } from '../nn/conv2d';

export interface LeNetConfig {
  readonly inputSize: number; // H = W of the input images: 28 for MNIST and Fashion-MNIST
  readonly inChannels: number; // 1 (grey)
  readonly convChannels: readonly number[]; // output channels per conv stage (conv + ReLU + 2×2 pool)
  readonly kernelSize: number; // conv kernel k×k: 5 in both variants
  readonly padding: 'same' | 'valid'; // 'same' = PyTorch padding (k−1)/2 (odd k); 'valid' = none
  readonly hidden: readonly number[]; // ReLU dense widths after the flatten
  readonly outDim: number; // logits (classes) or embedding width
  readonly conv: Conv2dRoute; // 'auto': depth-1 conv3d on cpu/wasm, tf.conv2d elsewhere
}

export const LENET_DEFAULTS: LeNetConfig = {
  inputSize: 28,
  inChannels: 1,
  convChannels: [6, 16],
  kernelSize: 5,
  padding: 'valid',
  hidden: [120, 84],
  outDim: 10,
  conv: 'auto',
};

/** Named variants: what differs from LENET_DEFAULTS (the classic LeNet-5 student). */
export const LENET_VARIANTS = {
  lenet5: {}, // student [C models/lenet.py]: 6, 16, 120, 84 → 10 classes (44,426 parameters)
  'magnet-embedding': { convChannels: [32, 64], padding: 'same', hidden: [], outDim: 2 }, // [C models/magnet_lenet.py], emb_dim 2 [U]
} as const satisfies Record<string, Partial<LeNetConfig>>;

export type LeNetVariant = keyof typeof LENET_VARIANTS;

/** LENET_DEFAULTS, then the variant, then overrides; validated. */
export function lenetConfig(variant: LeNetVariant = 'lenet5', over: Partial<LeNetConfig> = {}): LeNetConfig {
  if (!(variant in LENET_VARIANTS)) throw new Error(`LeNet: unknown variant '${String(variant)}' (valid: ${Object.keys(LENET_VARIANTS).join(', ')})`);
  const cfg: LeNetConfig = { ...LENET_DEFAULTS, ...LENET_VARIANTS[variant], ...over };
  validateLeNetConfig(cfg);
  return cfg;
}

/** Spatial size after each conv stage (after its pool): e.g. lenet5 [12, 4], magnet [14, 7]. */
export function lenetStageSizes(cfg: LeNetConfig): number[] {
  const sizes: number[] = [];
  let s = cfg.inputSize;
  for (let i = 0; i < cfg.convChannels.length; i++) {
    const conv = cfg.padding === 'same' ? s : s - cfg.kernelSize + 1;
    s = Math.floor(conv / 2);
    sizes.push(s);
  }
  return sizes;
}

/** Width of the flattened features entering the dense layers. */
export function lenetFeatureSize(cfg: LeNetConfig): number {
  const sizes = lenetStageSizes(cfg);
  if (sizes.length === 0) return cfg.inputSize * cfg.inputSize * cfg.inChannels;
  const s = sizes[sizes.length - 1];
  return s * s * cfg.convChannels[cfg.convChannels.length - 1];
}

export function validateLeNetConfig(cfg: LeNetConfig): void {
  const positiveInt = (field: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`LeNet: ${field} = ${String(v)} must be an integer ≥ 1`);
  };
  positiveInt('inputSize', cfg.inputSize);
  positiveInt('inChannels', cfg.inChannels);
  positiveInt('kernelSize', cfg.kernelSize);
  positiveInt('outDim', cfg.outDim);
  if (!Array.isArray(cfg.convChannels)) throw new Error('LeNet: convChannels must be an array of channel counts');
  if (!Array.isArray(cfg.hidden)) throw new Error('LeNet: hidden must be an array of widths');
  cfg.convChannels.forEach((c, i) => positiveInt(`convChannels[${i}]`, c));
  cfg.hidden.forEach((h, i) => positiveInt(`hidden[${i}]`, h));
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') throw new Error(`LeNet: padding = '${String(cfg.padding)}' must be 'same' or 'valid'`);
  if (cfg.padding === 'same' && cfg.kernelSize % 2 === 0) throw new Error(`LeNet: kernelSize = ${cfg.kernelSize} must be odd with padding 'same' (PyTorch pads (k−1)/2 per side)`);
  if (cfg.conv !== 'auto' && cfg.conv !== 'conv3d' && cfg.conv !== 'conv2d') throw new Error(`LeNet: conv = '${String(cfg.conv)}' must be 'auto', 'conv3d' or 'conv2d'`);
  let s = cfg.inputSize;
  cfg.convChannels.forEach((_, i) => {
    const conv = cfg.padding === 'same' ? s : s - cfg.kernelSize + 1;
    if (conv < 2) throw new Error(`LeNet: inputSize = ${cfg.inputSize} is too small: stage ${i} would pool a ${conv}×${conv} map (kernelSize ${cfg.kernelSize}, padding '${cfg.padding}')`);
    s = Math.floor(conv / 2);
  });
}

interface Dense<T> {
  readonly w: T; // [in, out]
  readonly b: T; // [out]
}
interface Conv<T> {
  readonly w: T; // [k, k, Cin, Cout]
  readonly b: T; // [Cout]
}

export interface LeNetParams<T = tf.Tensor> {
  readonly convs: readonly Conv<T>[];
  readonly hidden: readonly Dense<T>[];
  readonly out: Dense<T>;
}

export function lenetParamCount(cfg: LeNetConfig): number {
  let n = 0;
  let cin = cfg.inChannels;
  for (const c of cfg.convChannels) {
    n += cfg.kernelSize * cfg.kernelSize * cin * c + c;
    cin = c;
  }
  let f = lenetFeatureSize(cfg);
  for (const h of [...cfg.hidden, cfg.outDim]) {
    n += f * h + h;
    f = h;
  }
  return n;
}

export function initLeNet(cfg: LeNetConfig, rng: Rng): LeNetParams<tf.Variable> {
  validateLeNetConfig(cfg);
  const k = cfg.kernelSize;
  // PyTorch default init: U(±1/√fanIn) for weights and biases (kaiming_uniform, a = √5).
  const layer = (shape: number[], fanIn: number, name: string): { w: tf.Variable; b: tf.Variable } => {
    const r = rng.fork(name);
    const limit = 1 / Math.sqrt(fanIn);
    return { w: uniformInit(r.fork('w'), shape, limit), b: uniformInit(r.fork('b'), [shape[shape.length - 1]], limit) };
  };
  let cin = cfg.inChannels;
  const convs = cfg.convChannels.map((c, i) => {
    const p = layer([k, k, cin, c], k * k * cin, `conv${i}`);
    cin = c;
    return p;
  });
  let f = lenetFeatureSize(cfg);
  const hidden = cfg.hidden.map((h, i) => {
    const p = layer([f, h], f, `hidden${i}`);
    f = h;
    return p;
  });
  return { convs, hidden, out: layer([f, cfg.outDim], f, 'out') };
}

/** x [B, H, W, Cin] → [B, outDim]. */
export function applyLeNet(p: LeNetParams, x: tf.Tensor4D, cfg: LeNetConfig): tf.Tensor2D {
  if (x.rank !== 4) throw new Error(`LeNet: input must be [B, H, W, C], got [${x.shape}]`);
  const [B, H, W, C] = x.shape;
  if (H !== cfg.inputSize || W !== cfg.inputSize || C !== cfg.inChannels) {
    throw new Error(`LeNet: input [${x.shape}] does not match the config (inputSize ${cfg.inputSize}, inChannels ${cfg.inChannels})`);
  }
  if (p.convs.length !== cfg.convChannels.length || p.hidden.length !== cfg.hidden.length) {
    throw new Error(`LeNet: params have ${p.convs.length} conv / ${p.hidden.length} hidden layers, the config ${cfg.convChannels.length} / ${cfg.hidden.length}`);
  }
  const route = conv2dRouteFor(cfg.conv);
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    for (const c of p.convs) {
      h = tf.maxPool(tf.relu(conv2dRouted(h, c.w as tf.Tensor4D, cfg.padding, route).add(c.b)) as tf.Tensor4D, 2, 2, 'valid'); // [B, H', W', C_s]
    }
    let z = h.reshape([B, -1]) as tf.Tensor2D; // [B, F]
    for (const d of p.hidden) z = tf.relu(tf.matMul(z, d.w).add(d.b)) as tf.Tensor2D; // [B, h]
    return tf.matMul(z, p.out.w).add(p.out.b) as tf.Tensor2D; // [B, outDim]
  });
}
