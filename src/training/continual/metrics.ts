/**
 * Continual-learning metrics over the accuracy matrix (numbers in, numbers out, JSON-safe):
 *   R[i][j] = accuracy on task j after training task i (0-based). Row i holds at least tasks
 *   0..i (the tasks seen so far, METHODS.md §4: "evaluated on all tasks seen so far"); entries
 *   beyond i, if present, are ignored.
 *   average accuracy after task i:  A_i = (1/(i+1))·Σ_{j≤i} R[i][j]   (the poster's "mean test
 *                                   accuracy on all learned tasks after the final task" is A_{T−1})
 *   forgetting of task j < T−1:     f_j = max_{j≤l<T−1} R[l][j] − R[T−1][j]   (Chaudhry et al. 2018)
 *   backward transfer:              BWT = (1/(T−1))·Σ_{j<T−1} (R[T−1][j] − R[j][j])   (Lopez-Paz & Ranzato 2017)
 * Forward transfer is not defined in METHODS.md (it needs a random-init baseline per task) and is
 * not computed.
 */

export type AccuracyMatrix = readonly (readonly number[])[];

export interface ContinualSummary {
  tasks: number; // T, rows of R
  averageAccuracy: number[]; // A_i after each task i
  finalAverageAccuracy: number; // A_{T−1}
  forgetting: number[]; // f_j for j < T−1
  meanForgetting: number | null; // mean of f_j; null when T = 1
  backwardTransfer: number | null; // BWT; null when T = 1
}

export function validateAccuracyMatrix(R: AccuracyMatrix): void {
  if (!Array.isArray(R) || R.length === 0) throw new Error('accuracy matrix: needs at least one row (one finished task)');
  R.forEach((row, i) => {
    if (!Array.isArray(row) || row.length < i + 1) throw new Error(`accuracy matrix: row ${i} must hold tasks 0..${i} (${i + 1} values), got ${Array.isArray(row) ? row.length : typeof row}`);
    for (let j = 0; j <= i; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`accuracy matrix: R[${i}][${j}] = ${String(v)} must be an accuracy in [0, 1]`);
    }
  });
}

export function averageAccuracy(R: AccuracyMatrix, after = R.length - 1): number {
  validateAccuracyMatrix(R);
  if (!Number.isInteger(after) || after < 0 || after >= R.length) throw new Error(`averageAccuracy: after = ${after} must be a row index in [0, ${R.length})`);
  let s = 0;
  for (let j = 0; j <= after; j++) s += R[after][j];
  return s / (after + 1);
}

export function forgetting(R: AccuracyMatrix): number[] {
  validateAccuracyMatrix(R);
  const T = R.length;
  const out: number[] = [];
  for (let j = 0; j < T - 1; j++) {
    let best = -Infinity;
    for (let l = j; l < T - 1; l++) best = Math.max(best, R[l][j]);
    out.push(best - R[T - 1][j]);
  }
  return out;
}

export function backwardTransfer(R: AccuracyMatrix): number | null {
  validateAccuracyMatrix(R);
  const T = R.length;
  if (T < 2) return null;
  let s = 0;
  for (let j = 0; j < T - 1; j++) s += R[T - 1][j] - R[j][j];
  return s / (T - 1);
}

export function continualSummary(R: AccuracyMatrix): ContinualSummary {
  validateAccuracyMatrix(R);
  const f = forgetting(R);
  return {
    tasks: R.length,
    averageAccuracy: R.map((_, i) => averageAccuracy(R, i)),
    finalAverageAccuracy: averageAccuracy(R),
    forgetting: f,
    meanForgetting: f.length ? f.reduce((a, b) => a + b, 0) / f.length : null,
    backwardTransfer: backwardTransfer(R),
  };
}
