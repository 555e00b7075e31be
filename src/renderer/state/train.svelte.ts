/**
 * The Train view: the experiments and their schemas ('experiments:list'), the chosen experiment
 * and preset, the config form, the memory estimate of the chosen config ('experiments:estimateMemory',
 * debounced, only for a valid form), and Start / Stop / Resume of the training job.
 */
import { createContext } from 'svelte';
import type { ExperimentInfo, FrugalApi, MemoryEstimate } from '../../shared/api';
import { errorMessage, fieldErrorsFrom } from '../lib/errors';
import { isActive } from '../lib/jobs';
import { ConfigFormState } from './config-form.svelte';
import type { DatasetsState } from './datasets.svelte';
import type { JobsState } from './jobs.svelte';

export const ESTIMATE_DEBOUNCE_MS = 400;

export class TrainState {
  experiments = $state.raw<ExperimentInfo[]>([]);
  loadError = $state<string | null>(null);
  experimentId = $state<string>('');
  preset = $state<string>('');
  form = new ConfigFormState();

  estimate = $state.raw<MemoryEstimate | null>(null);
  estimateError = $state<string | null>(null);
  estimating = $state(false);

  busy = $state<null | 'start' | 'resume'>(null);
  actionError = $state<string | null>(null);
  smoothing = $state(0.6);

  experiment = $derived(this.experiments.find((e) => e.id === this.experimentId) ?? null);
  /** The job the view shows: the newest training job. */
  job = $derived.by(() => this.jobs.latestTrain);
  curves = $derived.by(() => this.jobs.curvesOf(this.job?.info.jobId));
  /** Why Start is disabled, in words (null: it is not). */
  startBlocker = $derived.by(() => {
    if (this.busy) return 'starting…';
    if (!this.experiment) return 'choose an experiment';
    if (!this.experiment.built) return `${this.experiment.title} is not built yet`;
    if (this.jobs.active) return `the engine is busy with a ${this.jobs.active.info.kind} job${this.jobs.active.runId ? ` (run ${this.jobs.active.runId})` : ''}`;
    if (!this.form.valid) return 'fix the fields marked in red';
    return null;
  });
  canResume = $derived.by(() => !!this.job?.runId && !isActive(this.job) && this.job.phase !== 'completed' && !this.jobs.active);

  private estimateTimer: ReturnType<typeof setTimeout> | null = null;
  private estimateSeq = 0;

  constructor(
    private readonly api: FrugalApi,
    private readonly jobs: JobsState,
    private readonly datasets: DatasetsState,
  ) {}

  async load(): Promise<void> {
    try {
      this.experiments = await this.api.invoke('experiments:list', {});
      this.loadError = null;
      const first = this.experiments.find((e) => e.id === this.experimentId) ?? this.experiments.find((e) => e.built) ?? this.experiments[0];
      if (first && first.id !== this.experimentId) this.selectExperiment(first.id);
    } catch (e) {
      this.loadError = errorMessage(e);
    }
  }

  selectExperiment(id: string): void {
    this.experimentId = id;
    const exp = this.experiments.find((e) => e.id === id);
    const presets = Object.keys(exp?.presets ?? {});
    // The cpu preset is the one that finishes on any machine; start there when it exists.
    this.preset = presets.find((p) => p.startsWith('cpu')) ?? presets[0] ?? '';
    this.form.reset(exp?.configSchema ?? null, this.baseValues());
    this.scheduleEstimate();
  }

  selectPreset(name: string): void {
    const data = this.form.drafts.data;
    this.preset = name;
    this.form.reset(null, this.baseValues());
    // The dataset folder is not part of any preset: keep what the user typed.
    if (typeof data === 'string' && data) this.form.set('data', data);
    this.scheduleEstimate();
  }

  /** The current dataset folder goes into the `data` field when it is empty. */
  useDataset(root: string): void {
    if (this.form.fields.some((f) => f.key === 'data') && !this.form.drafts.data) this.form.set('data', root);
  }

  /** Call after any form change (the view's effect does); estimates once typing pauses. */
  scheduleEstimate(): void {
    if (this.estimateTimer) clearTimeout(this.estimateTimer);
    this.estimateTimer = setTimeout(() => void this.estimateNow(), ESTIMATE_DEBOUNCE_MS);
  }

  async estimateNow(): Promise<void> {
    const exp = this.experiment;
    if (!exp || !exp.built) return;
    const seq = ++this.estimateSeq;
    const { data: _data, ...config } = this.form.values;
    if (!this.form.valid && Object.keys(this.form.errors).some((k) => k !== 'data')) {
      this.estimate = null;
      this.estimateError = 'no estimate until the fields marked in red are fixed';
      return;
    }
    this.estimating = true;
    try {
      const est = await this.api.invoke('experiments:estimateMemory', { experiment: exp.id, config });
      if (seq !== this.estimateSeq) return; // a newer config was sent meanwhile
      this.estimate = est;
      this.estimateError = null;
    } catch (e) {
      if (seq !== this.estimateSeq) return;
      this.estimate = null;
      this.estimateError = errorMessage(e);
    } finally {
      if (seq === this.estimateSeq) this.estimating = false;
    }
  }

  async start(): Promise<void> {
    if (this.startBlocker || !this.experiment) return;
    this.busy = 'start';
    this.actionError = null;
    try {
      const info = await this.api.invoke('train:start', { experiment: this.experiment.id, preset: this.preset || undefined, config: this.form.values });
      this.jobs.track(info);
    } catch (e) {
      const { fields, rest } = fieldErrorsFrom(errorMessage(e), this.form.fields.map((f) => f.key));
      this.form.serverErrors = fields;
      this.actionError = rest.length ? rest.join('\n') : Object.keys(fields).length ? 'the engine rejected the fields marked in red' : errorMessage(e);
    } finally {
      this.busy = null;
    }
  }

  async stop(): Promise<void> {
    if (this.job && isActive(this.job)) await this.jobs.stop(this.job.info.jobId);
  }

  async resume(runId = this.job?.runId): Promise<void> {
    if (!runId) return;
    this.busy = 'resume';
    this.actionError = null;
    try {
      this.jobs.track(await this.api.invoke('train:resume', { runId }));
    } catch (e) {
      this.actionError = errorMessage(e);
    } finally {
      this.busy = null;
    }
  }

  private baseValues(): Record<string, unknown> {
    const values = { ...(this.experiment?.presets[this.preset]?.values ?? {}) };
    if (this.datasets.scan && this.experiment?.configSchema && 'data' in ((this.experiment.configSchema.properties ?? {}) as object)) values.data ??= this.datasets.scan.root;
    return values;
  }
}

export const [getTrain, setTrain] = createContext<TrainState>();
