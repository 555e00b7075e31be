/**
 * What the Viewer view shows: a case (CaseInfo from a dataset scan) and optionally a prediction
 * mask of a run for it. The prediction picker lists the predictions of runs that cover the case
 * (same case id, preferring the same dataset folder). Files reach the viewer through 'files:url'.
 */
import { createContext } from 'svelte';
import type { CaseInfo, DatasetScan, FrugalApi } from '../../shared/api';
import { errorMessage } from '../lib/errors';
import { dirname, joinPath, samePath } from '../lib/paths';
import type { DatasetsState } from './datasets.svelte';
import type { RunsState } from './runs.svelte';

export interface PredictionChoice {
  path: string;
  label: string;
  runId: string;
  /** false: predicted from another folder holding a case of the same id. */
  sameFolder: boolean;
}

export class ViewerState {
  caseInfo = $state.raw<CaseInfo | null>(null);
  /** The scan the case came from (the current dataset, or a run's prediction data). */
  source = $state.raw<DatasetScan | null>(null);
  prediction = $state.raw<{ path: string; label: string } | null>(null);
  choices = $state.raw<PredictionChoice[]>([]);
  choicesLoading = $state(false);
  choicesError = $state<string | null>(null);
  openError = $state<string | null>(null);

  /** Cases for the picker: those of the scan the case came from, else the current dataset. */
  cases = $derived.by(() => (this.source ?? this.datasets.scan)?.cases ?? []);

  private seq = 0;

  constructor(
    private readonly api: FrugalApi,
    private readonly datasets: DatasetsState,
    private readonly runs: RunsState,
  ) {}

  readonly fileUrl = async (path: string): Promise<string> => (await this.api.invoke('files:url', { path })).url;

  open(c: CaseInfo, source: DatasetScan | null = this.datasets.scan, prediction: { path: string; label: string } | null = null): void {
    this.caseInfo = c;
    this.source = source;
    this.prediction = prediction;
    this.openError = null;
    void this.loadChoices();
  }

  selectCase(id: string): void {
    const c = this.cases.find((x) => x.id === id);
    if (c) this.open(c, this.source ?? this.datasets.scan);
  }

  selectPrediction(path: string | null): void {
    const choice = this.choices.find((p) => p.path === path);
    this.prediction = choice ? { path: choice.path, label: choice.label } : null;
  }

  /** From a run's per-case table: the case (scanning the prediction's data folder) and its mask. */
  async openFromRun(runId: string, predictionDir: string, caseId: string): Promise<boolean> {
    this.openError = null;
    try {
      const detail = await this.runs.detailOf(runId);
      const pred = detail.predictions.find((p) => samePath(p.dir, predictionDir));
      if (!pred) throw new Error(`run ${runId} has no predictions in ${predictionDir}`);
      const file = pred.cases.find((c) => c.id === caseId);
      if (!file) throw new Error(`the predictions in ${pred.dir} have no mask for case ${caseId}`);
      const scan = await this.datasets.scanOf(pred.data);
      const c = scan.cases.find((x) => x.id === caseId);
      if (!c) throw new Error(`case ${caseId} is no longer in ${pred.data}`);
      this.open(c, scan, { path: joinPath(pred.dir, file.file), label: `${runId} · ${pred.name}` });
      return true;
    } catch (e) {
      this.openError = errorMessage(e);
      return false;
    }
  }

  async loadChoices(refresh = false): Promise<void> {
    const c = this.caseInfo;
    if (!c) return;
    const seq = ++this.seq;
    this.choicesLoading = true;
    this.choicesError = null;
    try {
      if (refresh) this.runs.forgetDetails();
      if (refresh || this.runs.list.length === 0) await this.runs.refresh();
      const root = dirname(c.dir);
      const found: PredictionChoice[] = [];
      for (const run of this.runs.list) {
        if (run.status === 'unreadable') continue;
        const d = await this.runs.detailOf(run.id).catch(() => null);
        for (const p of d?.predictions ?? []) {
          const hit = p.cases.find((x) => x.id === c.id);
          if (hit) found.push({ path: joinPath(p.dir, hit.file), label: `${run.id} · ${p.name}`, runId: run.id, sameFolder: samePath(p.data, root) });
        }
      }
      if (seq !== this.seq) return;
      found.sort((a, b) => Number(b.sameFolder) - Number(a.sameFolder));
      this.choices = found;
    } catch (e) {
      if (seq === this.seq) this.choicesError = errorMessage(e);
    } finally {
      if (seq === this.seq) this.choicesLoading = false;
    }
  }
}

export const [getViewer, setViewer] = createContext<ViewerState>();
