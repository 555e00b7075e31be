/**
 * The Runs view's comparison of methods: every run of the selected run's experiment, loaded
 * ('runs:get', through RunsState's cache) and folded into curves, for lib/method-compare.ts to
 * group by method. A run being trained contributes its live curves. Only experiments whose runs
 * report method views (accuracy matrix, self-paced epochs) are compared.
 */
import type { RunDetail } from '../../shared/api';
import { curvesFromEvents, hasMethodData } from '../lib/curves';
import { errorMessage } from '../lib/errors';
import type { RunForCompare } from '../lib/method-compare';
import type { JobsState } from './jobs.svelte';
import type { RunsState } from './runs.svelte';

export class MethodCompareState {
  experiment = $state<string | null>(null);
  private loaded = $state.raw<{ detail: RunDetail; stored: RunForCompare }[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);

  /** The experiment's runs with method views, live curves where a job is training them. */
  runs = $derived.by((): RunForCompare[] =>
    this.loaded
      .map(({ detail, stored }) => {
        const job = this.jobs.jobOfRun(detail.id);
        const live = job ? this.jobs.curvesOf(job.info.jobId)?.data : null;
        return live ? { ...stored, curves: live } : stored;
      })
      .filter((r) => hasMethodData(r.curves)),
  );

  private seq = 0;

  constructor(
    private readonly list: RunsState,
    private readonly jobs: JobsState,
  ) {}

  /** Loads every listed run of `experiment` (null: clears). */
  async load(experiment: string | null, ids: readonly string[]): Promise<void> {
    const seq = ++this.seq;
    this.experiment = experiment;
    if (!experiment) {
      this.loaded = [];
      return;
    }
    this.loading = true;
    try {
      const details = await Promise.all(ids.map((id) => this.list.detailOf(id)));
      if (seq !== this.seq) return;
      this.loaded = details.map((detail) => ({ detail, stored: { id: detail.id, config: detail.config, curves: curvesFromEvents(detail.events) } }));
      this.error = null;
    } catch (e) {
      if (seq === this.seq) this.error = `could not load the runs to compare: ${errorMessage(e)}`;
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }
}
