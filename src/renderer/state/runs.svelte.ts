/**
 * The Runs view: the run list ('runs:list'), the selected run ('runs:get'), two runs to overlay,
 * prediction (a job) and evaluation (one call) of the selected run, and the per-case score table.
 * The list and the selected run are reloaded whenever a job ends, so a finished, stopped or
 * crashed run never shows its old status.
 */
import { createContext } from 'svelte';
import type { Evaluation, FrugalApi, RunDetail, RunListItem } from '../../shared/api';
import { DEFAULT_SORT, scoreRows, type Sort, type SortKey, sortRows } from '../lib/case-scores';
import { errorMessage } from '../lib/errors';
import { isActive, type JobView } from '../lib/jobs';
import type { JobsState } from './jobs.svelte';

export type RunPrediction = RunDetail['predictions'][number];

export class RunsState {
  list = $state.raw<RunListItem[]>([]);
  listError = $state<string | null>(null);
  loading = $state(false);

  selectedId = $state<string | null>(null);
  detail = $state.raw<RunDetail | null>(null);
  detailError = $state<string | null>(null);
  predictionDir = $state<string | null>(null);

  compareIds = $state<string[]>([]);
  compareDetails = $state.raw<Record<string, RunDetail>>({});
  compareError = $state<string | null>(null);

  predictData = $state('');
  predictCheckpoint = $state('best');
  predictJobId = $state<string | null>(null);
  predictError = $state<string | null>(null);

  evaluation = $state.raw<Evaluation | null>(null);
  evaluating = $state(false);
  evaluateError = $state<string | null>(null);
  sort = $state<Sort>({ ...DEFAULT_SORT });

  predictJob = $derived.by(() => (this.predictJobId ? (this.jobs.jobs[this.predictJobId] ?? null) : null));
  prediction = $derived(this.detail?.predictions.find((p) => p.dir === this.predictionDir) ?? null);
  rows = $derived(this.evaluation ? sortRows(scoreRows(this.evaluation), this.sort) : []);

  private readonly details = new Map<string, RunDetail>();

  constructor(
    private readonly api: FrugalApi,
    private readonly jobs: JobsState,
  ) {}

  connect(): () => void {
    return this.jobs.onEnded((j) => void this.jobEnded(j));
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.list = await this.api.invoke('runs:list', {});
      this.listError = null;
    } catch (e) {
      this.listError = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  /** The status to show: a live job's state wins over the list's last reading. */
  statusOf(run: Pick<RunListItem, 'id' | 'status'>): string {
    const live = Object.values(this.jobs.jobs).filter((j) => j.runId === run.id && j.info.kind === 'train');
    const newest = live.sort((a, b) => b.info.startedAt.localeCompare(a.info.startedAt))[0];
    if (newest && (isActive(newest) || newest.phase === 'crashed')) return newest.phase;
    return run.status;
  }

  async select(id: string | null): Promise<void> {
    this.selectedId = id;
    this.evaluation = null;
    this.evaluateError = null;
    this.predictError = null;
    this.detail = null;
    if (!id) return;
    await this.loadDetail(id);
  }

  /** A run's detail, from the cache (kept until a job of that run ends). */
  async detailOf(runId: string): Promise<RunDetail> {
    const cached = this.details.get(runId);
    if (cached) return cached;
    const d = await this.api.invoke('runs:get', { runId });
    this.details.set(runId, d);
    return d;
  }

  forgetDetails(): void {
    this.details.clear();
  }

  toggleCompare(id: string): void {
    const ids = this.compareIds.includes(id) ? this.compareIds.filter((x) => x !== id) : [...this.compareIds, id].slice(-2);
    this.compareIds = ids;
    void this.loadCompare();
  }

  async predict(): Promise<void> {
    const runId = this.selectedId;
    if (!runId) return;
    this.predictError = null;
    try {
      const info = await this.api.invoke('runs:predict', { runId, data: this.predictData.trim(), checkpoint: this.predictCheckpoint || 'best' });
      this.jobs.track(info);
      this.predictJobId = info.jobId;
    } catch (e) {
      this.predictError = errorMessage(e);
    }
  }

  async evaluate(): Promise<void> {
    const runId = this.selectedId;
    if (!runId) return;
    this.evaluating = true;
    this.evaluateError = null;
    try {
      const ev = await this.api.invoke('runs:evaluate', { runId, predictions: this.predictionDir ?? undefined });
      if (this.selectedId !== runId) return;
      this.evaluation = ev;
      this.details.delete(runId);
      await this.loadDetail(runId, ev.predictions); // 'evaluated' flips
    } catch (e) {
      this.evaluateError = errorMessage(e);
    } finally {
      this.evaluating = false;
    }
  }

  /** Shows the stored evaluation of the selected prediction folder, if it has one (no recomputing). */
  async showStored(): Promise<void> {
    const runId = this.selectedId;
    const dir = this.predictionDir;
    if (!runId || !dir) return;
    try {
      const ev = await this.api.invoke('runs:getEvaluation', { runId, predictions: dir });
      if (this.selectedId === runId && this.predictionDir === dir) this.evaluation = ev;
    } catch (e) {
      if (this.selectedId === runId) this.evaluateError = errorMessage(e);
    }
  }

  setSort(key: SortKey): void {
    this.sort = this.sort.key === key ? { key, worstFirst: !this.sort.worstFirst } : { key, worstFirst: true };
  }

  private async loadDetail(id: string, keepPrediction?: string): Promise<void> {
    try {
      this.details.delete(id);
      const d = await this.detailOf(id);
      if (this.selectedId !== id) return;
      this.detail = d;
      this.detailError = null;
      const dirs = d.predictions.map((p) => p.dir);
      const want = keepPrediction ?? this.predictionDir;
      this.predictionDir = want && dirs.includes(want) ? want : (d.predictions.at(-1)?.dir ?? null);
      if (!this.predictData) this.predictData = typeof d.config.data === 'string' ? d.config.data : '';
    } catch (e) {
      if (this.selectedId === id) this.detailError = errorMessage(e);
    }
  }

  private async loadCompare(): Promise<void> {
    this.compareError = null;
    try {
      const entries = await Promise.all(this.compareIds.map(async (id) => [id, await this.detailOf(id)] as const));
      this.compareDetails = Object.fromEntries(entries);
    } catch (e) {
      this.compareError = errorMessage(e);
    }
  }

  private async jobEnded(j: JobView): Promise<void> {
    if (j.runId) this.details.delete(j.runId);
    await this.refresh();
    if (j.runId && j.runId === this.selectedId) {
      // A finished prediction is the one to evaluate next.
      const before = new Set(this.detail?.predictions.map((p) => p.dir));
      await this.loadDetail(j.runId);
      const added = this.detail?.predictions.find((p) => !before.has(p.dir));
      if (added) this.predictionDir = added.dir;
    }
    if (j.runId && this.compareIds.includes(j.runId)) await this.loadCompare();
  }
}

export const [getRuns, setRuns] = createContext<RunsState>();
