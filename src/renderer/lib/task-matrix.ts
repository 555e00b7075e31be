/**
 * Continual learning: the task × task accuracy matrix out of 'task-eval' events, one row per
 * event (row i = accuracy on tasks 0..i after training task i). Immutable: every change returns
 * a new matrix, so a snapshot can be shared between curve copies and compared by identity.
 * A row seen again (a resumed run redoing a task, or history replayed over live events) replaces
 * that row and drops the rows after it, as lib/curves.ts does for steps.
 */
import type { EngineEvent } from '../../shared/events';

export type TaskEval = Extract<EngineEvent, { type: 'task-eval' }>;

export interface TaskMatrix {
  /** Every task of the sequence, in order (from the newest event). */
  taskNames: readonly string[];
  /** evals[i]: the event after training task i; null where none arrived (yet). */
  evals: readonly (TaskEval | null)[];
  /** Rows received so far. */
  filled: number;
  /** The newest row's event: ACC, forgetting, BWT and plastic norms now. */
  latest: TaskEval;
}

export function withTaskEval(m: TaskMatrix | null, e: TaskEval): TaskMatrix {
  const evals: (TaskEval | null)[] = (m?.evals ?? []).slice(0, e.afterTask);
  while (evals.length < e.afterTask) evals.push(null);
  evals.push(e);
  return { taskNames: e.taskNames, evals, filled: evals.filter(Boolean).length, latest: e };
}

/** The matrix without the rows a resumed run redoes (those after `step`); null when none is left. */
export function taskMatrixUpTo(m: TaskMatrix | null, step: number): TaskMatrix | null {
  if (!m) return null;
  const keep = m.evals.findIndex((e) => e !== null && e.step > step);
  if (keep < 0) return m;
  const evals = m.evals.slice(0, keep);
  const latest = evals.filter((e): e is TaskEval => e !== null).at(-1);
  return latest ? { taskNames: m.taskNames, evals, filled: evals.filter(Boolean).length, latest } : null;
}

/** Accuracy after training task `row` on task `col`; null above the diagonal or where missing. */
export function cell(m: TaskMatrix, row: number, col: number): number | null {
  const v = m.evals[row]?.accuracies[col];
  return col <= row && typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The accuracy the heatmap's colour scale starts at: the lowest cell rounded down to a multiple of
 * 10 %, at most 90 %, so a few points of forgetting are visible and the scale stays a round number
 * (the scale is drawn with its bounds, and every cell shows its value).
 */
export function colourFloor(m: TaskMatrix): number {
  let min = 1;
  m.evals.forEach((e, i) => e?.accuracies.slice(0, i + 1).forEach((v) => Number.isFinite(v) && (min = Math.min(min, v))));
  return Math.min(0.9, Math.max(0, Math.floor(min * 10 + 1e-9) / 10));
}

/**
 * Task names for the matrix's headers: the words every name shares at its start are said once
 * (`prefix`), the rest label the columns ('mnist classes 0/1', 'mnist classes 2/3' → 'mnist
 * classes' and '0/1', '2/3'). Full names stay in the cells' titles.
 */
export function shortTaskNames(names: readonly string[]): { prefix: string; short: string[] } {
  if (names.length < 2) return { prefix: '', short: [...names] };
  let n = 0;
  while (names.every((s) => n < s.length && s[n] === names[0][n])) n++;
  const cut = names[0].lastIndexOf(' ', n - 1) + 1; // whole words only
  const short = names.map((s) => s.slice(cut));
  return short.every((s) => s.trim()) ? { prefix: names[0].slice(0, cut).trim(), short } : { prefix: '', short: [...names] };
}
