/**
 * Live training curves of one run: history from the run's stored events ('runs:get') merged with
 * the events arriving live. Live events that arrive while the history loads wait for it, so the
 * replay cannot cut them off (lib/curves.ts: a repeated step replaces what followed it).
 */
import type { EngineEvent } from '../../shared/events';
import { addEvent, cloneCurves, type Curves, curvesFromEvents, emptyCurves } from '../lib/curves';
import { errorMessage } from '../lib/errors';

export class LiveCurves {
  /** An immutable snapshot, replaced on every change (charts and $derived values compare identity). */
  data = $state.raw<Curves>(emptyCurves());
  private work: Curves = emptyCurves();
  loading = $state(false);
  error = $state<string | null>(null);
  private waiting: EngineEvent[] | null = null;

  push(e: EngineEvent): void {
    if (this.waiting) {
      this.waiting.push(e);
      return;
    }
    if (addEvent(this.work, e)) this.data = cloneCurves(this.work);
  }

  async loadHistory(load: () => Promise<readonly EngineEvent[]>): Promise<void> {
    this.waiting ??= [];
    this.loading = true;
    this.error = null;
    let history: readonly EngineEvent[] = [];
    try {
      history = await load();
    } catch (e) {
      this.error = `history of this run could not be loaded: ${errorMessage(e)}`;
    }
    const c = history.length ? curvesFromEvents(history) : this.work;
    for (const e of this.waiting ?? []) addEvent(c, e);
    this.waiting = null;
    this.loading = false;
    this.work = c;
    this.data = cloneCurves(c);
  }
}
