/**
 * Principal-component projection to 2-D, for showing an embedding (SPL-ADVisE's Magnet-loss
 * space, E = 2…64 dimensions) as a scatter plot. Host arrays: it runs on ≤ a few thousand points
 * between training steps, never inside one.
 *
 *   centre the rows (subtract the column means), form the covariance C = XᵀX/(n−1) [E, E],
 *   diagonalise it with cyclic Jacobi rotations (exact for symmetric matrices, no convergence
 *   trouble with equal eigenvalues, d³ per sweep: nothing at E ≤ 64), and project onto the two
 *   eigenvectors with the largest eigenvalues.
 *
 * Signs are fixed so the largest-magnitude entry of each component is positive (an eigenvector's
 * sign is arbitrary; this keeps plots from flipping between refreshes of a stable embedding).
 * E = 1 gives a second coordinate of 0; n = 1 gives the point at the origin.
 *
 *   const { points, explained } = pca2d(embeddings, dim);   // embeddings [n·E] row-major
 */

export interface Pca2d {
  readonly points: [number, number][]; // [n] projections onto PC1, PC2
  readonly components: [Float64Array, Float64Array]; // unit vectors [E] (PC2 all 0 when E = 1)
  readonly variances: [number, number]; // eigenvalues of the covariance along PC1, PC2
  readonly explained: [number, number]; // fraction of the total variance along PC1, PC2 (0 when all variance is 0)
}

/** Eigen-decomposition of a symmetric [d, d] matrix (row-major): values descending, vectors as rows. */
export function symmetricEigen(matrix: ArrayLike<number>, d: number): { values: Float64Array; vectors: Float64Array[] } {
  if (!Number.isInteger(d) || d < 1 || matrix.length !== d * d) throw new Error(`symmetricEigen: expected a ${d}×${d} matrix, got ${matrix.length} values`);
  const a = Float64Array.from(matrix);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const x = a[i * d + j];
      const y = a[j * d + i];
      if (Math.abs(x - y) > 1e-9 * (1 + Math.abs(x) + Math.abs(y))) throw new Error(`symmetricEigen: matrix is not symmetric at (${i}, ${j}): ${x} vs ${y}`);
    }
  }
  const v = new Float64Array(d * d); // columns are eigenvectors
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  const offNorm = (): number => {
    let s = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) s += a[i * d + j] ** 2;
    return s;
  };
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] ** 2;
  for (let sweep = 0; sweep < 100 && offNorm() > 1e-24 * (scale || 1); sweep++) {
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Alg. 8.4.1, the stable form).
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          // columns p, q of A·J
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          // rows p, q of Jᵀ·(A·J)
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j] - a[i * d + i] || i - j);
  const values = Float64Array.from(order, (i) => a[i * d + i]);
  const vectors = order.map((col) => {
    const vec = Float64Array.from({ length: d }, (_, k) => v[k * d + col]);
    let big = 0;
    for (let k = 1; k < d; k++) if (Math.abs(vec[k]) > Math.abs(vec[big]) + 1e-12) big = k;
    if (vec[big] < 0) for (let k = 0; k < d; k++) vec[k] = -vec[k];
    return vec;
  });
  return { values, vectors };
}

/** PCA of n rows of `dim` values (row-major) onto two components. */
export function pca2d(values: ArrayLike<number>, dim: number): Pca2d {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`pca2d: dim = ${dim} must be an integer ≥ 1`);
  if (values.length % dim !== 0) throw new Error(`pca2d: ${values.length} values are not rows of ${dim}`);
  const n = values.length / dim;
  if (n < 1) throw new Error('pca2d: no points');
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let e = 0; e < dim; e++) mean[e] += values[i * dim + e];
  for (let e = 0; e < dim; e++) mean[e] /= n;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`pca2d: value of point ${Math.floor(i / dim)} is not finite (${values[i]})`);
  }
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      const xa = values[i * dim + a] - mean[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += xa * (values[i * dim + b] - mean[b]);
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= denom;
      cov[b * dim + a] = cov[a * dim + b];
    }
  }
  const eig = symmetricEigen(cov, dim);
  const pc1 = eig.vectors[0];
  const pc2 = dim > 1 ? eig.vectors[1] : new Float64Array(1);
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    let p = 0;
    let q = 0;
    for (let e = 0; e < dim; e++) {
      const x = values[i * dim + e] - mean[e];
      p += x * pc1[e];
      q += x * pc2[e];
    }
    points.push([p, q]);
  }
  const total = eig.values.reduce((s, x) => s + Math.max(0, x), 0);
  const v1 = Math.max(0, eig.values[0]);
  const v2 = dim > 1 ? Math.max(0, eig.values[1]) : 0;
  return { points, components: [pc1, pc2], variances: [v1, v2], explained: total > 0 ? [v1 / total, v2 / total] : [0, 0] };
}
