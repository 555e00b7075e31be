/**
 * Adam / AdamW over named parameters, with state that checkpoints can save and restore exactly
 * (tfjs's own optimisers cannot serialise their state reliably: tensorflow/tfjs#5138).
 *
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   θ ← θ − lr·( m̂ / (√v̂ + ε) + wd·θ ),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
 * `weightDecay` is decoupled (AdamW, Loshchilov & Hutter); 0 gives plain Adam.
 * Every parameter needs a gradient in every step: a missing one is an error, not a silent skip
 * (a parameter that never learns is a bug, e.g. gradients keyed by the wrong names).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  readonly beta1: number; // first-moment decay, 0.9 as in Kingma & Ba
  readonly beta2: number; // second-moment decay, 0.999
  readonly epsilon: number; // added to √v̂; 1e-8
  readonly weightDecay: number; // decoupled weight decay per unit lr; 0 = Adam
  /** Which parameters weight decay applies to (default: all), e.g. matrices but not biases and norms as in GPT training. */
  readonly decays?: (name: string) => boolean;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

export class Adam {
  readonly config: AdamConfig;
  private readonly params: Map<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Number of updates taken (t in the bias corrections). */
  step = 0;

  constructor(params: Map<string, tf.Variable>, config: Partial<AdamConfig> = {}) {
    this.params = params;
    this.config = { ...ADAM_DEFAULTS, ...config };
    for (const [name, p] of params) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** One update with learning rate `lr`; gradients keyed by parameter name, borrowed (not disposed). */
  apply(grads: Readonly<Record<string, tf.Tensor>> | Map<string, tf.Tensor>, lr: number): void {
    const get = (n: string): tf.Tensor | undefined => (grads instanceof Map ? grads.get(n) : grads[n]);
    const missing = [...this.params.keys()].filter((n) => !get(n));
    if (missing.length) throw new Error(`Adam: no gradient for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
    this.step += 1;
    const { beta1, beta2, epsilon, weightDecay, decays } = this.config;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(mNew);
        v.assign(vNew);
        let update = tf.div(tf.div(mNew, c1), tf.add(tf.sqrt(tf.div(vNew, c2)), epsilon));
        if (weightDecay > 0 && (decays?.(name) ?? true)) update = tf.add(update, tf.mul(p, weightDecay));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      }
    });
  }

  /** Moments as named tensors ('m/<param>', 'v/<param>'); borrowed, valid until the next apply. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [n, t] of this.m) out.set(`m/${n}`, t);
    for (const [n, t] of this.v) out.set(`v/${n}`, t);
    return out;
  }

  /** Restores moments and the step count saved by `stateTensors`; every moment must be present. */
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, step: number): void {
    for (const [kind, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of map) {
        const saved = tensors.get(`${kind}/${name}`);
        if (!saved) throw new Error(`optimiser state is missing '${kind}/${name}'`);
        if (saved.shape.join(',') !== variable.shape.join(',')) {
          throw new Error(`optimiser state '${kind}/${name}' has shape [${saved.shape}], expected [${variable.shape}]`);
        }
        tf.tidy(() => variable.assign(tf.tensor(saved.data, saved.shape, 'float32')));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
