/**
 * Magnet loss (Rippel, Paluri, Dollár, Bourdev: "Metric Learning with Adaptive Density
 * Discrimination", ICLR 2016), as SPL-ADVisE trains its embedding with it (METHODS.md §5, poster
 * Eq. 1). A batch holds M clusters × D examples with embeddings r_n; per batch:
 *
 *   μ̂_m = mean of cluster m's embeddings in the batch
 *   σ̂²  = 1/(N−1) · Σ_n ‖r_n − μ̂_{C(n)}‖²                          (N = M·D, the batch size)
 *   ℓ_n = [ ‖r_n − μ̂_{C(n)}‖²/(2σ̂²) + α + log Σ_{m: class(m) ≠ class(n)} exp(−‖r_n − μ̂_m‖²/(2σ̂²)) ]₊
 *   L   = mean_n ℓ_n
 *
 * i.e. the hinge of −log( e^{−d_own/(2σ̂²) − α} / Σ_{other-class m} e^{−d_m/(2σ̂²)} ). The sum runs
 * over the batch's clusters of other classes (a batch can hold two clusters of one class: neither
 * counts against the other's examples). The log-sum is a logSumExp (stable).
 *
 * Paper, not the released code: `magnet_loss.py` scales by −1/(2σ̂⁴) (it squares a variance,
 * METHODS.md §5 "Paper vs code" (a)); this file uses 1/(2σ̂²). On METHODS.md's toy case the two
 * give 0.6875 and 0.71875 (magnet-loss.test.ts works both out). Gradients flow through μ̂ and σ̂²
 * as well as the distances (both are functions of the batch's embeddings), as in the paper and
 * the code's autograd.
 *
 * An example whose batch has no cluster of another class has an empty sum: its log-sum is taken
 * as −1e9 (≈ log 0), so its hinge is 0 and it gets no gradient. σ̂² is floored at 1e-12 (a batch
 * with every example on its cluster mean has σ̂² = 0); neither case arises in a normal batch.
 *
 * Usage:
 *   const { loss, perExample } = magnetLoss(r, batch.exampleCluster, batch.clusterClass, 1);
 *   // r [N, E]; exampleCluster[n] ∈ 0..M−1 (the example's cluster within the batch);
 *   // clusterClass[m] = the class of batch cluster m.  Returned tensors belong to the caller.
 */
import * as tf from '@tensorflow/tfjs';

/** α of Rippel et al. and the SPL-ADVisE code [C]. */
export const MAGNET_ALPHA = 1;

/** Stand-in for log 0 (no other-class cluster in the batch): far below any real log-sum. */
const LOG_ZERO = -1e9;

/** Floor on σ̂²: a batch whose examples all sit on their cluster means (collapsed embeddings, or
 * one example drawn D times per cluster) would otherwise divide 0 by 0. */
const MIN_VARIANCE = 1e-12;

export interface MagnetLossResult {
  readonly loss: tf.Scalar; // mean of perExample
  readonly perExample: tf.Tensor1D; // [N], ℓ_n ≥ 0
}

export function magnetLoss(
  r: tf.Tensor2D,
  exampleCluster: ArrayLike<number>,
  clusterClass: ArrayLike<number>,
  alpha: number = MAGNET_ALPHA,
): MagnetLossResult {
  return magnetLossWith(r, exampleCluster, clusterClass, alpha, 1);
}

/** The released code's variant: scale −1/(2σ̂⁴) in place of −1/(2σ̂²). For comparison only. */
export function magnetLossCodeVariant(
  r: tf.Tensor2D,
  exampleCluster: ArrayLike<number>,
  clusterClass: ArrayLike<number>,
  alpha: number = MAGNET_ALPHA,
): MagnetLossResult {
  return magnetLossWith(r, exampleCluster, clusterClass, alpha, 2);
}

/** varPower 1: the paper's 2σ̂²; 2: the code's 2σ̂⁴. */
function magnetLossWith(
  r: tf.Tensor2D,
  exampleCluster: ArrayLike<number>,
  clusterClass: ArrayLike<number>,
  alpha: number,
  varPower: 1 | 2,
): MagnetLossResult {
  const { oneHot, otherClass, counts, M } = magnetBatchMasks(r, exampleCluster, clusterClass, alpha);
  return tf.tidy(() => {
    const N = r.shape[0];
    const C = tf.tensor2d(oneHot, [N, M]); // [N, M]: example n is in batch cluster m
    const mu = tf.matMul(C, r, true, false).div(tf.tensor2d(counts, [M, 1])); // [M, E] cluster means
    // ‖r_n − μ_m‖² as an explicit difference: the expanded ‖r‖² − 2r·μ + ‖μ‖² cancels badly for
    // tight clusters far from the origin. [N, M, E] is small (N = M·D = 64, E ≤ 64).
    const d = r.expandDims(1).sub(mu.expandDims(0)).square().sum(2); // [N, M]
    const dOwn = d.mul(C).sum(1); // [N]
    const variance = dOwn.sum().div(N - 1).maximum(MIN_VARIANCE); // σ̂² (scalar), over the whole batch
    const scale = (varPower === 1 ? variance : variance.square()).mul(2); // 2σ̂² (paper) | 2σ̂⁴ (code)
    const mask = tf.tensor2d(otherClass, [N, M], 'bool');
    const masked = tf.where(mask, d.neg().div(scale), tf.fill([N, M], LOG_ZERO)); // [N, M]
    const lse = tf.logSumExp(masked, 1); // [N]: log Σ_{other-class m} exp(−d/(2σ̂²))
    const perExample = tf.relu(dOwn.div(scale).add(alpha).add(lse)) as tf.Tensor1D; // [N]
    return { loss: perExample.mean() as tf.Scalar, perExample };
  });
}

/** Validates a batch description and builds its constant masks on the host. */
function magnetBatchMasks(
  r: tf.Tensor2D,
  exampleCluster: ArrayLike<number>,
  clusterClass: ArrayLike<number>,
  alpha: number,
): { oneHot: Float32Array; otherClass: Uint8Array; counts: Float32Array; M: number } {
  if (r.rank !== 2) throw new Error(`magnetLoss: embeddings must be [N, E], got [${r.shape}]`);
  const N = r.shape[0];
  if (N < 2) throw new Error(`magnetLoss: the batch needs at least 2 examples (σ̂² divides by N−1), got ${N}`);
  if (exampleCluster.length !== N) throw new Error(`magnetLoss: exampleCluster has ${exampleCluster.length} entries for ${N} embeddings`);
  if (!Number.isFinite(alpha)) throw new Error(`magnetLoss: alpha = ${alpha} must be finite`);
  const M = clusterClass.length;
  if (M < 1) throw new Error('magnetLoss: clusterClass is empty');
  const oneHot = new Float32Array(N * M);
  const otherClass = new Uint8Array(N * M);
  const counts = new Float32Array(M);
  for (let n = 0; n < N; n++) {
    const c = exampleCluster[n];
    if (!Number.isInteger(c) || c < 0 || c >= M) throw new Error(`magnetLoss: exampleCluster[${n}] = ${c} is not a batch cluster 0..${M - 1}`);
    oneHot[n * M + c] = 1;
    counts[c] += 1;
    for (let m = 0; m < M; m++) otherClass[n * M + m] = clusterClass[m] !== clusterClass[c] ? 1 : 0;
  }
  const empty = counts.findIndex((k) => k === 0);
  if (empty >= 0) throw new Error(`magnetLoss: batch cluster ${empty} has no examples (every cluster in clusterClass needs at least one)`);
  return { oneHot, otherClass, counts, M };
}
