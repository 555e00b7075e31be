/**
 * The x axis of a line chart when the data give it no width. uPlot auto-ranges a lone x value v
 * to [0, 2v] (and 0 to [0, 100]), so a one-epoch run's only point sat at the edge of an axis
 * running to epoch 100, under fractional ticks. Here: one value is centred in a unit-wide domain,
 * no values give [0, 1], and an axis of whole numbers (steps, epochs, tasks) gets whole ticks only.
 */

export type Domain = [number, number];

/** [min, max] of the finite values; null when there are none. */
function extent(x: ArrayLike<number>): Domain | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The domain to draw `x` over: its extent; one value ± 0.5; [0, 1] for none. */
export function xDomain(x: ArrayLike<number>): Domain {
  const e = extent(x);
  if (!e) return [0, 1];
  return e[0] < e[1] ? e : [e[0] - 0.5, e[0] + 0.5];
}

/**
 * uPlot's x-scale range hook: `min`/`max` are uPlot's proposal (the data's extent, a zoom the user
 * dragged, or its made-up [0, 2v] for a single value), kept only when the data have a width.
 */
export function xRange(x: ArrayLike<number>, min: number | null, max: number | null): Domain {
  const e = extent(x);
  return e && e[0] < e[1] && min !== null && max !== null && min < max ? [min, max] : xDomain(x);
}

/** Tick spacings uPlot may choose from on a whole-number axis: 1, 2, 5, 10, 20, 50, … 5e9. */
export const WHOLE_INCRS: readonly number[] = Array.from({ length: 10 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** Whether every x value is a whole number (then ticks must be too). */
export function wholeNumbers(x: readonly number[]): boolean {
  return x.every((v) => Number.isInteger(v));
}
