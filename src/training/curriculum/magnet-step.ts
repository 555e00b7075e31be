/**
 * The pieces of SPL-ADVisE's embedding training (poster Alg. 1, METHODS.md §5) that touch
 * tensors: embedding a whole set in chunks (for re-clustering), one Magnet-loss step, and the
 * nearest-cluster classification that measures how well the embedding separates the classes.
 * The loop itself (when to re-cluster, how many steps) belongs to the caller:
 *
 *   let clustering = kmeansPerClass(await embedAll(embed, images), labels, C, E, rng.fork('refresh', 0));
 *   const builder = new ClusterBatchBuilder(clustering);
 *   for (let it = 0; it < steps; it++) {
 *     if (it > 0 && it % R === 0) builder.setClustering(kmeansPerClass(await embedAll(...), ..., rng.fork('refresh', it)));
 *     const batch = builder.nextBatch(rng.fork('batch', it));
 *     const x = gatherImages(images, batch.indices);                     // caller's data code
 *     const { perExample } = await magnetTrainStep(embed, params, adam, 1e-4, x, batch);
 *     builder.recordLosses(batch.indices, perExample);
 *   }
 * with R = ⌈N/64⌉ (METHODS.md: "every R iterations, starting at iteration 0").
 */
import * as tf from '@tensorflow/tfjs';
import { type Adam } from '../core/adam';
import { gradsByParamName } from '../core/params';
import { type MagnetBatch } from './cluster-batches';
import { type Clustering } from './kmeans';
import { MAGNET_ALPHA, magnetLoss } from './magnet-loss';

/** An embedding network: x [B, H, W, C] → [B, E]; must not dispose x. */
export type EmbedFn = (x: tf.Tensor4D) => tf.Tensor2D;

/** Embeddings of all `images` ([N, H, W, C], borrowed), `chunk` at a time, as a host [N·E] array. */
export async function embedAll(embed: EmbedFn, images: tf.Tensor4D, chunk = 256): Promise<{ values: Float32Array; dim: number }> {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`embedAll: chunk = ${chunk} must be an integer ≥ 1`);
  const N = images.shape[0];
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let s = 0; s < N; s += chunk) {
    const n = Math.min(chunk, N - s);
    const y = tf.tidy(() => embed(images.slice([s, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D)); // [n, E]
    dim = y.shape[1];
    parts.push((await y.data()) as Float32Array);
    y.dispose();
  }
  const values = new Float32Array(N * dim);
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.length;
  }
  return { values, dim };
}

export interface MagnetStepResult {
  readonly loss: number; // batch mean Magnet loss before the update
  readonly perExample: Float32Array; // [M·D] per-example losses, for ClusterBatchBuilder.recordLosses
}

/**
 * One optimiser step on the Magnet loss of `batch` (x [M·D, H, W, C] in the batch's order,
 * borrowed). `params` are the embedding's parameters by name (flattenParams).
 */
export async function magnetTrainStep(
  embed: EmbedFn,
  params: Map<string, tf.Variable>,
  opt: Adam,
  lr: number,
  x: tf.Tensor4D,
  batch: MagnetBatch,
  alpha: number = MAGNET_ALPHA,
): Promise<MagnetStepResult> {
  if (x.shape[0] !== batch.indices.length) throw new Error(`magnetTrainStep: ${x.shape[0]} images for a batch of ${batch.indices.length}`);
  const [loss, perExample] = tf.tidy(() => {
    let per: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = magnetLoss(embed(x), batch.exampleCluster, batch.clusterClass, alpha);
      per = tf.keep(out.perExample);
      return out.loss;
    }, [...params.values()]);
    opt.apply(gradsByParamName(params, grads), lr);
    return [value, per!] as [tf.Scalar, tf.Tensor1D];
  });
  const [l, p] = await Promise.all([loss.data(), perExample.data()]);
  tf.dispose([loss, perExample]);
  return { loss: l[0], perExample: p as Float32Array };
}

/**
 * Class of the nearest non-empty centroid for each embedding ([N·E]): the Magnet paper's
 * cluster-based classification, a measure of class separation.
 */
export function nearestClusterClass(embeddings: Float32Array, clustering: Clustering): Int32Array {
  const { dim: E, centroids, sizes, clustersPerClass: K } = clustering;
  if (embeddings.length % E !== 0) throw new Error(`nearestClusterClass: ${embeddings.length} values are not rows of E = ${E}`);
  const N = embeddings.length / E;
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let best = -1;
    let bd = Infinity;
    for (let c = 0; c < sizes.length; c++) {
      if (sizes[c] === 0) continue;
      let d = 0;
      for (let e = 0; e < E; e++) d += (embeddings[n * E + e] - centroids[c * E + e]) ** 2;
      if (d < bd) {
        bd = d;
        best = c;
      }
    }
    out[n] = Math.floor(best / K);
  }
  return out;
}
