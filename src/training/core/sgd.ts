/**
 * SGD over named parameters, as PyTorch's `torch.optim.SGD(lr, momentum, nesterov, weight_decay)`:
 * plain SGD (the continual benchmarks, METHODS.md §4) and SGD with Nesterov momentum and L2
 * weight decay (the SPL-ADVisE student [C]: lr 0.1, momentum 0.9, weight decay 5e-4). Per
 * parameter θ with gradient g:
 *
 *   d ← g + wd·θ;   if μ > 0: b ← μ·b + d;  d ← nesterov ? d + μ·b : b;   θ ← θ − lr·d
 *
 * (PyTorch starts b at d on the first step, which is μ·0 + d: a zero buffer gives the same.)
 * The momentum buffers are the state a checkpoint saves ('buf/<name>'; none without momentum),
 * so a resumed run continues exactly. tfjs ops, one tidy per update, on every backend; plain SGD
 * (no momentum, no decay) can instead run one typed-array loop per parameter when `hostLoop()`
 * says so: on the tfjs cpu backend that is ~10× cheaper than two elementwise ops per parameter.
 */
import * as tf from '@tensorflow/tfjs';
import { hostData } from '../nn/host';

export interface SgdConfig {
  readonly momentum: number; // μ in [0, 1); 0 = no momentum buffers
  readonly nesterov: boolean; // Nesterov's look-ahead form (needs μ > 0 to matter)
  readonly weightDecay: number; // L2 coefficient added to the gradient
}

export const SGD_DEFAULTS: SgdConfig = { momentum: 0, nesterov: false, weightDecay: 0 };

export interface SgdOptions {
  /** Plain SGD only: take the typed-array loop now (asked at every update); default never. */
  readonly hostLoop?: () => boolean;
}

export class Sgd {
  readonly config: SgdConfig;
  /** Updates taken. */
  step = 0;
  private readonly buf = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    config: Partial<SgdConfig> = {},
    private readonly options: SgdOptions = {},
  ) {
    const c = { ...SGD_DEFAULTS, ...config };
    if (!(c.momentum >= 0 && c.momentum < 1)) throw new Error(`SGD: momentum = ${c.momentum} must be in [0, 1)`);
    if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw new Error(`SGD: weightDecay = ${c.weightDecay} must be finite and ≥ 0`);
    this.config = c;
    if (c.momentum > 0) for (const [name, p] of params) this.buf.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update; gradients keyed by parameter name (borrowed). Every parameter needs one. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`SGD: lr = ${lr} must be finite and > 0`);
    const missing = [...this.params.keys()].filter((n) => !grads.get(n));
    if (missing.length) throw new Error(`SGD: no gradient for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
    this.step += 1;
    const { momentum, nesterov, weightDecay } = this.config;
    if (momentum === 0 && weightDecay === 0 && this.options.hostLoop?.()) {
      for (const [n, p] of this.params) {
        const pv = hostData(p);
        const gv = hostData(grads.get(n)!);
        const next = new Float32Array(pv.length);
        for (let i = 0; i < next.length; i++) next[i] = pv[i] - lr * gv[i];
        const t = tf.tensor(next, p.shape, 'float32');
        p.assign(t);
        t.dispose();
      }
      return;
    }
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        let d = grads.get(name)!;
        if (weightDecay > 0) d = tf.add(d, tf.mul(p, weightDecay));
        if (momentum > 0) {
          const b = this.buf.get(name)!;
          const bNew = tf.add(tf.mul(b, momentum), d);
          b.assign(bNew);
          d = nesterov ? tf.add(d, tf.mul(bNew, momentum)) : bNew;
        }
        p.assign(tf.sub(p, tf.mul(d, lr)));
      }
    });
  }

  /** Momentum buffers as 'buf/<param>' (borrowed; valid until the next apply); empty without momentum. */
  stateTensors(): Map<string, tf.Tensor> {
    return new Map([...this.buf].map(([n, t]) => [`buf/${n}`, t]));
  }

  /** Restores buffers saved by stateTensors (every one, with its shape) and the update count. */
  loadState(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>, step = 0): void {
    for (const [name, v] of this.buf) {
      const saved = tensors.get(`buf/${name}`);
      if (!saved) throw new Error(`optimiser state is missing 'buf/${name}'`);
      if (saved.shape.join(',') !== v.shape.join(',')) throw new Error(`optimiser state 'buf/${name}' has shape [${saved.shape}], expected [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(saved.data), saved.shape, 'float32')));
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of this.buf.values()) t.dispose();
    this.buf.clear();
  }
}
