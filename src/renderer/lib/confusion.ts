/**
 * A classification run's confusion matrix (summary.confusion: counts[true][predicted], from the
 * engine's final validation) for display: row-normalised fractions (each true class's share
 * predicted as each class), per-class recall (the diagonal) and overall accuracy.
 */

export interface ConfusionView {
  classes: string[];
  counts: number[][];
  /** counts[t][p] / Σ_p counts[t][p]; 0 for a class without images. */
  fractions: number[][];
  /** per true class: correct / images of that class (null without images). */
  recall: (number | null)[];
  accuracy: number | null;
  total: number;
}

/** The view of a summary's confusion matrix, or null when the summary has none (or a malformed one). */
export function confusionView(summary: Readonly<Record<string, unknown>> | null | undefined): ConfusionView | null {
  const counts = summary?.confusion;
  const classes = summary?.classes;
  if (!Array.isArray(counts) || !Array.isArray(classes) || counts.length !== classes.length || counts.length === 0) return null;
  const k = classes.length;
  if (!counts.every((row) => Array.isArray(row) && row.length === k && row.every((v) => typeof v === 'number' && v >= 0))) return null;
  const rows = counts as number[][];
  const sums = rows.map((r) => r.reduce((a, v) => a + v, 0));
  const total = sums.reduce((a, v) => a + v, 0);
  const correct = rows.reduce((a, r, i) => a + r[i], 0);
  return {
    classes: classes.map(String),
    counts: rows,
    fractions: rows.map((r, i) => r.map((v) => (sums[i] > 0 ? v / sums[i] : 0))),
    recall: rows.map((r, i) => (sums[i] > 0 ? r[i] / sums[i] : null)),
    accuracy: total > 0 ? correct / total : null,
    total,
  };
}
