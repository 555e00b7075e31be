/**
 * SPDF: the weight sparsity of a run out of its 'sparsity' events (step 0 and after every
 * validation): every snapshot, the newest for the heat strip, the first (for a dense fine-tune of
 * a sparse model, the pre-training sparsity it starts from: the moment fine-tuning turned dense),
 * and the mean zero fraction of each for the trend line. Immutable like lib/curriculum.ts; a step
 * seen again replaces itself and what followed it.
 */
import type { EngineEvent } from '../../shared/events';

export type SparsitySnapshot = Extract<EngineEvent, { type: 'sparsity' }>;

export interface SparsityHistory {
  /** In step order; never empty. */
  snapshots: readonly SparsitySnapshot[];
  latest: SparsitySnapshot;
  /** The run's first snapshot (step 0 of a fine-tune: the pre-trained model as it arrived). */
  first: SparsitySnapshot;
  steps: readonly number[];
  /** Mean of zeroFraction over every layer and matrix (unweighted), one per snapshot. */
  meanZero: readonly number[];
}

/** Unweighted mean of a [layer][matrix] table (0 for an empty one). */
export function meanZeroFraction(zeroFraction: readonly (readonly number[])[]): number {
  const cells = zeroFraction.flat();
  return cells.length ? cells.reduce((a, b) => a + b, 0) / cells.length : 0;
}

/** Whether the snapshot is the moment a fine-tune turned dense: masks off, zeros carried over from pre-training. */
export function turnedDense(s: SparsitySnapshot): boolean {
  return s.phase === 'finetune' && !s.masked && meanZeroFraction(s.zeroFraction) > 0;
}

function historyOf(snapshots: readonly SparsitySnapshot[]): SparsityHistory | null {
  if (!snapshots.length) return null;
  return { snapshots, latest: snapshots[snapshots.length - 1], first: snapshots[0], steps: snapshots.map((s) => s.step), meanZero: snapshots.map((s) => meanZeroFraction(s.zeroFraction)) };
}

export function withSparsity(h: SparsityHistory | null, e: SparsitySnapshot): SparsityHistory {
  return historyOf([...(h?.snapshots.filter((s) => s.step < e.step) ?? []), e])!;
}

/** The history without the snapshots a resumed run redoes (those after `step`); null when none is left. */
export function sparsityUpTo(h: SparsityHistory | null, step: number): SparsityHistory | null {
  if (!h || h.latest.step <= step) return h;
  return historyOf(h.snapshots.filter((s) => s.step <= step));
}
