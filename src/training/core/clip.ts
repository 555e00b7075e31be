/**
 * Gradient clipping by global norm (Pascanu et al. 2013; PyTorch's clip_grad_norm_, as the SPDF
 * configs use with max norm 1.0): when ‖g‖₂ over all gradients exceeds maxNorm, every gradient
 * is scaled by maxNorm / ‖g‖₂ (PyTorch adds 1e-6 to the norm; so do we).
 */
import * as tf from '@tensorflow/tfjs';

/** Scaled gradients (new tensors; the caller disposes them and the inputs) and the norm before clipping. */
export function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  if (!(maxNorm > 0)) throw new Error(`gradient clip: max norm = ${maxNorm} must be > 0`);
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt(sq.dataSync()[0]);
  sq.dispose();
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [n, g] of grads) out.set(n, scale < 1 ? tf.mul(g, scale) : tf.clone(g));
  return { grads: out, norm };
}
