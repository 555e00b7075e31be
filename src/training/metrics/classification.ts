/**
 * Classification metrics over logits held on the host: top-k accuracy (a sample counts when its
 * label is among the k largest logits; ties broken towards the label, as torch.topk may) and the
 * confusion matrix (rows = true class, columns = predicted class = argmax, lowest index on ties).
 *
 *   topKAccuracy(logits, labels, classes, 5)    // logits row-major [n, classes]
 */

/** Fraction of rows whose label's logit is among the k largest (k clipped to the class count). */
export function topKAccuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, k: number): number {
  const n = labels.length;
  if (logits.length !== n * classes) throw new Error(`topKAccuracy: ${logits.length} logits are not ${n} rows of ${classes} classes`);
  if (n === 0) return 0;
  const kk = Math.min(k, classes);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < classes)) throw new Error(`topKAccuracy: label ${y} of row ${i} is outside 0..${classes - 1}`);
    const v = logits[i * classes + y];
    let above = 0; // classes with a strictly larger logit
    for (let c = 0; c < classes; c++) if (logits[i * classes + c] > v) above++;
    if (above < kk) hits++;
  }
  return hits / n;
}

/** Argmax per row (lowest index on ties). */
export function argmaxRows(logits: ArrayLike<number>, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** counts[t][p]: rows of true class t predicted as p. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}
