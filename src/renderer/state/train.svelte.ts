/**
 * The Train view: the experiments and their schemas ('experiments:list'), the chosen experiment
 * and preset, the config form, the memory estimate of the chosen config ('experiments:estimateMemory',
 * debounced, only for a valid form; for the RevBiFPN experiments the measured memory ledger
 * 'experiments:memoryLedger' instead, which can take a minute on a CPU: asked after a longer pause,
 * only when a key it depends on changed, the previous answer kept on screen meanwhile), the memory
 * budget the ledger divides, and Start / Stop / Resume of the training job.
 */
import { createContext } from 'svelte';
import type { ExperimentInfo, FrugalApi, MemoryEstimate, MemoryLedger } from '../../shared/api';
import { errorMessage, fieldErrorsFrom } from '../lib/errors';
import { isActive } from '../lib/jobs';
import { DEFAULT_BUDGET_TEXT, ledgerKey, parseBudget, usesLedger } from '../lib/memory-ledger';
import { ConfigFormState } from './config-form.svelte';
import type { DatasetsState } from './datasets.svelte';
import type { JobsState } from './jobs.svelte';

export const ESTIMATE_DEBOUNCE_MS = 400;
/** The ledger measures for up to a minute: wait for a longer pause in typing before asking. */
export const LEDGER_DEBOUNCE_MS = 1000;

export class TrainState {
  experiments = $state.raw<ExperimentInfo[]>([]);
  loadError = $state<string | null>(null);
  experimentId = $state<string>('');
  preset = $state<string>('');
  form = new ConfigFormState();

  estimate = $state.raw<MemoryEstimate | null>(null);
  estimateError = $state<string | null>(null);
  estimating = $state(false);

  ledger = $state.raw<MemoryLedger | null>(null);
  ledgerError = $state<string | null>(null);
  /** Date.now() when the pending ledger request was sent; null when none is pending. */
  ledgerSince = $state<number | null>(null);
  /** The memory budget as typed ('8 GB'); `budget` is its bytes or its problem. */
  budgetText = $state(DEFAULT_BUDGET_TEXT);
  budget = $derived(parseBudget(this.budgetText));

  busy = $state<null | 'start' | 'resume'>(null);
  actionError = $state<string | null>(null);
  smoothing = $state(0.6);

  experiment = $derived(this.experiments.find((e) => e.id === this.experimentId) ?? null);
  /** The chosen experiment is described by the memory ledger (RevBiFPN), not the estimate. */
  ledgerMode = $derived(usesLedger(this.experimentId));
  /** The experiment reads a BraTS folder, so the opened dataset can fill its `data` field. */
  private takesBrats = $derived(this.experiment?.datasets.includes('brats') ?? false);
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
  private ledgerSeq = 0;
  /** ledgerKey() of the ledger shown or being measured (null: ask at the next chance). */
  private ledgerAsked: string | null = null;

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
    this.clearLedger();
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
    if (this.takesBrats && this.form.fields.some((f) => f.key === 'data') && !this.form.drafts.data) this.form.set('data', root);
  }

  /** Call after any form change (the view's effect does); estimates once typing pauses. */
  scheduleEstimate(): void {
    if (this.estimateTimer) clearTimeout(this.estimateTimer);
    this.estimateTimer = setTimeout(() => void this.estimateNow(), this.ledgerMode ? LEDGER_DEBOUNCE_MS : ESTIMATE_DEBOUNCE_MS);
  }

  /** The config a memory answer is asked for: the form's values without the dataset folder; null while other fields are invalid. */
  private memoryConfig(): Record<string, unknown> | null {
    if (!this.form.valid && Object.keys(this.form.errors).some((k) => k !== 'data')) return null;
    const { data: _data, ...config } = this.form.values;
    return config;
  }

  async estimateNow(): Promise<void> {
    const exp = this.experiment;
    if (!exp || !exp.built) return;
    if (usesLedger(exp.id)) return this.ledgerNow();
    const seq = ++this.estimateSeq;
    const config = this.memoryConfig();
    if (!config) {
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

  /**
   * Asks the engine for the ledger of the current config, unless the one shown (or being measured)
   * is for the same model and size already (`force`: ask anyway, the Retry button). Only the
   * newest request's answer is shown.
   */
  async ledgerNow(force = false): Promise<void> {
    const exp = this.experiment;
    if (!exp || !exp.built || !usesLedger(exp.id)) return;
    const config = this.memoryConfig();
    if (!config) {
      this.clearLedger();
      this.ledgerError = 'no ledger until the fields marked in red are fixed';
      return;
    }
    const key = ledgerKey(exp.id, config);
    if (!force && key === this.ledgerAsked) return;
    const seq = ++this.ledgerSeq;
    this.ledgerAsked = key;
    this.ledgerSince = Date.now();
    this.ledgerError = null;
    try {
      const ledger = await this.api.invoke('experiments:memoryLedger', { experiment: exp.id, config });
      if (seq !== this.ledgerSeq) return; // a newer config was sent meanwhile
      this.ledger = ledger;
    } catch (e) {
      if (seq !== this.ledgerSeq) return;
      this.ledger = null;
      this.ledgerError = errorMessage(e);
      this.ledgerAsked = null; // the next change (or Retry) asks again
    } finally {
      if (seq === this.ledgerSeq) this.ledgerSince = null;
    }
  }

  /** Forgets the ledger and any pending answer (another experiment, or an invalid config). */
  private clearLedger(): void {
    ++this.ledgerSeq;
    this.ledger = null;
    this.ledgerError = null;
    this.ledgerSince = null;
    this.ledgerAsked = null;
  }

  /** The desktop app's folder picker for the `data` field (image-classification or COCO folder). */
  async browseData(): Promise<void> {
    try {
      const { path } = await this.api.invoke('dialog:openFolder', { title: `Open the dataset folder of ${this.experiment?.title ?? 'the experiment'}` });
      if (path) this.form.set('data', path);
    } catch (e) {
      this.actionError = errorMessage(e);
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
    if (this.datasets.scan && this.takesBrats && this.experiment?.configSchema && 'data' in ((this.experiment.configSchema.properties ?? {}) as object)) values.data ??= this.datasets.scan.root;
    return values;
  }
}

export const [getTrain, setTrain] = createContext<TrainState>();
