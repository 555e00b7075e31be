/**
 * SGD with Nesterov momentum and L2 weight decay, as PyTorch's `torch.optim.SGD(momentum,
 * nesterov=True, weight_decay)`, the SPL-ADVisE student's optimiser [C] (lr 0.1, momentum 0.9,
 * weight decay 5e-4). Per parameter θ with gradient g:
 *
 *   d ← g + wd·θ;   b ← μ·b + d;   d ← d + μ·b;   θ ← θ − lr·d
 *
 * (PyTorch starts b at d on the first step, which is μ·0 + d: a zero buffer gives the same.)
 * The momentum buffers are the state a checkpoint saves ('buf/<name>'), so a resumed run
 * continues exactly. tfjs ops, so it runs on every backend; one tidy per update.
 */
import * as tf from '@tensorflow/tfjs';

export interface NesterovSgdConfig {
  readonly momentum: number; // μ in [0, 1): 0.9 [C]
  readonly weightDecay: number; // L2 coefficient added to the gradient: 5e-4 [C]
}

export class NesterovSgd {
  readonly config: NesterovSgdConfig;
  private readonly params: Map<string, tf.Variable>;
  private readonly buf = new Map<string, tf.Variable>();

  constructor(params: Map<string, tf.Variable>, config: NesterovSgdConfig) {
    if (!(config.momentum >= 0 && config.momentum < 1)) throw new Error(`NesterovSgd: momentum = ${config.momentum} must be in [0, 1)`);
    if (!(config.weightDecay >= 0) || !Number.isFinite(config.weightDecay)) throw new Error(`NesterovSgd: weightDecay = ${config.weightDecay} must be finite and ≥ 0`);
    this.params = params;
    this.config = config;
    for (const [name, p] of params) this.buf.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update; gradients keyed by parameter name (borrowed). Every parameter needs one. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`NesterovSgd: lr = ${lr} must be finite and > 0`);
    const missing = [...this.params.keys()].filter((n) => !grads.get(n));
    if (missing.length) throw new Error(`NesterovSgd: no gradient for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}`);
    const { momentum, weightDecay } = this.config;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const b = this.buf.get(name)!;
        let d = grads.get(name)!;
        if (weightDecay > 0) d = tf.add(d, tf.mul(p, weightDecay));
        const bNew = tf.add(tf.mul(b, momentum), d);
        b.assign(bNew);
        p.assign(tf.sub(p, tf.mul(tf.add(d, tf.mul(bNew, momentum)), lr)));
      }
    });
  }

  /** Momentum buffers as 'buf/<param>' (borrowed; valid until the next apply). */
  stateTensors(): Map<string, tf.Tensor> {
    return new Map([...this.buf].map(([n, t]) => [`buf/${n}`, t]));
  }

  /** Restores buffers saved by stateTensors; every buffer must be present with its shape. */
  loadState(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>): void {
    for (const [name, v] of this.buf) {
      const saved = tensors.get(`buf/${name}`);
      if (!saved) throw new Error(`optimiser state is missing 'buf/${name}'`);
      if (saved.shape.join(',') !== v.shape.join(',')) throw new Error(`optimiser state 'buf/${name}' has shape [${saved.shape}], expected [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(saved.data), saved.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const t of this.buf.values()) t.dispose();
    this.buf.clear();
  }
}
