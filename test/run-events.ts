/**
 * Helpers for tests that drive runs (runs/driver.ts startRun / resumeRun): collect a run's events,
 * and its training losses by step (to compare a resumed run with an uninterrupted one).
 */
import type { EngineEvent } from '../src/shared/events';

/** Every event of a run, in order; `onEvent` sees each as it arrives (e.g. to abort at a step). */
export async function collectEvents(gen: AsyncGenerator<EngineEvent, unknown, void>, onEvent?: (e: EngineEvent) => void): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const e of gen) {
    events.push(e);
    onEvent?.(e);
  }
  return events;
}

/** step → training loss, from a run's step events. */
export const stepLosses = (events: readonly EngineEvent[]): Map<number, number> =>
  new Map(events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss] as [number, number]] : [])));
