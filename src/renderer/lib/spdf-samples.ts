/**
 * SPDF: the text a run generates while it trains ('text-sample' events), the newest MAX_SAMPLES
 * in step order. Immutable; a step seen again (a resume redoing steps, history replayed over live
 * events) replaces the samples after it, and the sample of the same prompt at it.
 */
import type { EngineEvent } from '../../shared/events';

export type TextSample = Extract<EngineEvent, { type: 'text-sample' }>;

/** How many samples a run keeps on screen. */
export const MAX_SAMPLES = 20;

export function withSample(list: readonly TextSample[] | null, e: TextSample): readonly TextSample[] {
  return [...(list ?? []).filter((s) => s.step < e.step || (s.step === e.step && s.prompt !== e.prompt)), e].slice(-MAX_SAMPLES);
}

/** The samples without those a resumed run redoes (after `step`); null when none is left. */
export function samplesUpTo(list: readonly TextSample[] | null, step: number): readonly TextSample[] | null {
  if (!list || list.every((s) => s.step <= step)) return list;
  const kept = list.filter((s) => s.step <= step);
  return kept.length ? kept : null;
}

/** Newest first, as the panel lists them. */
export const newestFirst = (list: readonly TextSample[]): TextSample[] => [...list].reverse();
