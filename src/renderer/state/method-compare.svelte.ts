/**
 * The Runs view's comparison of methods: every run of the selected run's experiment, for
 * lib/method-compare.ts to group by method. A finished run's numbers come from the summary the run
 * list already holds (lib/method-summary.ts); only a run without a current summary (being trained,
 * interrupted, failed, or written by an older engine) is loaded ('runs:get', through RunsState's
 * cache) and its events folded. A run being trained contributes its live curves.
 */
import type { RunListItem } from '../../shared/api';
import type { Curves } from '../lib/curves';
import { curvesFromEvents } from '../lib/curves';
import { errorMessage } from '../lib/errors';
import { comparable, numbersOf, type RunForCompare, runFromCurves } from '../lib/method-compare';
import { runFromSummary } from '../lib/method-summary';
import type { JobsState } from './jobs.svelte';
import type { RunsState } from './runs.svelte';

/** A run as loaded: its summary's numbers, or its config and stored curves. */
type Loaded = { id: string; summarised: RunForCompare } | { id: string; config: Readonly<Record<string, unknown>>; curves: Curves };

export class MethodCompareState {
  experiment = $state<string | null>(null);
  private loaded = $state.raw<Loaded[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);

  /** The experiment's runs with numbers to compare, live ones where a job is training them. */
  runs = $derived.by((): RunForCompare[] =>
    this.loaded
      .map((l) => {
        const job = this.jobs.jobOfRun(l.id);
        const live = job ? this.jobs.curvesOf(job.info.jobId)?.data : null;
        if ('summarised' in l) return live ? { ...l.summarised, ...numbersOf(live) } : l.summarised;
        return runFromCurves(l.id, l.config, live ?? l.curves);
      })
      .filter(comparable),
  );

  private seq = 0;

  constructor(
    private readonly list: RunsState,
    private readonly jobs: JobsState,
  ) {}

  /** Loads the listed runs of `experiment` (null: clears). */
  async load(experiment: string | null, items: readonly RunListItem[]): Promise<void> {
    const seq = ++this.seq;
    this.experiment = experiment;
    if (!experiment) {
      this.loaded = [];
      return;
    }
    this.loading = true;
    try {
      const loaded = await Promise.all(
        items.map(async (item): Promise<Loaded> => {
          const summarised = runFromSummary(item);
          if (summarised) return { id: item.id, summarised };
          const detail = await this.list.detailOf(item.id);
          return { id: item.id, config: detail.config, curves: curvesFromEvents(detail.events) };
        }),
      );
      if (seq !== this.seq) return;
      this.loaded = loaded;
      this.error = null;
    } catch (e) {
      if (seq === this.seq) this.error = `could not load the runs to compare: ${errorMessage(e)}`;
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }
}
