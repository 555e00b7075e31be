/**
 * Self-paced learning: one point per student epoch out of 'curriculum' events (test accuracy,
 * fraction of the training set admitted, the pace λ and γ). Immutable like lib/task-matrix.ts; an
 * epoch seen again replaces itself and what followed it.
 */
import type { EngineEvent } from '../../shared/events';

export type CurriculumPoint = Extract<EngineEvent, { type: 'curriculum' }>;

export interface CurriculumCurve {
  /** spl-advise, spld or random, as the newest event named it. */
  method: string;
  epochs: readonly number[];
  steps: readonly number[];
  testAccuracy: readonly number[];
  admittedFraction: readonly number[];
  lambda: readonly (number | null)[];
  gamma: readonly (number | null)[];
}

function keepWhile(c: CurriculumCurve, ok: (i: number) => boolean): CurriculumCurve {
  let n = 0;
  while (n < c.epochs.length && ok(n)) n++;
  if (n === c.epochs.length) return c;
  const cut = <T>(xs: readonly T[]): T[] => xs.slice(0, n);
  return { method: c.method, epochs: cut(c.epochs), steps: cut(c.steps), testAccuracy: cut(c.testAccuracy), admittedFraction: cut(c.admittedFraction), lambda: cut(c.lambda), gamma: cut(c.gamma) };
}

export function withCurriculum(c: CurriculumCurve | null, e: CurriculumPoint): CurriculumCurve {
  const base = c ? keepWhile(c, (i) => c.epochs[i] < e.epoch) : null;
  return {
    method: e.method,
    epochs: [...(base?.epochs ?? []), e.epoch],
    steps: [...(base?.steps ?? []), e.step],
    testAccuracy: [...(base?.testAccuracy ?? []), e.testAccuracy],
    admittedFraction: [...(base?.admittedFraction ?? []), e.admittedFraction],
    lambda: [...(base?.lambda ?? []), e.lambda ?? null],
    gamma: [...(base?.gamma ?? []), e.gamma ?? null],
  };
}

/** The curve without the epochs a resumed run redoes (those after `step`); null when none is left. */
export function curriculumUpTo(c: CurriculumCurve | null, step: number): CurriculumCurve | null {
  if (!c) return null;
  const kept = keepWhile(c, (i) => c.steps[i] <= step);
  return kept.epochs.length ? kept : null;
}
