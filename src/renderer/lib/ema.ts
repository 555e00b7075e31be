/**
 * Exponential moving average as TensorBoard draws it: debiased, so the first points are not pulled
 * towards zero, and missing values (null/NaN) are skipped rather than smoothed in.
 * smoothing 0 returns the raw values; 0.99 is very smooth.
 */
export function ema(values: readonly (number | null)[], smoothing: number): (number | null)[] {
  const s = Math.min(Math.max(smoothing, 0), 0.999);
  let last = 0;
  let weight = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * s + (1 - s) * v;
    weight = weight * s + (1 - s);
    return last / weight;
  });
}
