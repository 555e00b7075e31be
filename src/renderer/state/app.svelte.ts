/**
 * All of the renderer's state, built over one FrugalApi and wired together: the engine's status
 * feeds the jobs, ended jobs refresh the runs, the app info prefills the demo folder. `start()`
 * subscribes and loads; it returns the function that unsubscribes.
 */
import type { FrugalApi } from '../../shared/api';
import { DatasetsState, type KeyValueStore } from './datasets.svelte';
import { EngineState } from './engine.svelte';
import { JobsState } from './jobs.svelte';
import { NavState } from './nav.svelte';
import { RunsState } from './runs.svelte';
import { TrainState } from './train.svelte';
import { ViewerState } from './viewer.svelte';

export class AppState {
  readonly engine: EngineState;
  readonly jobs: JobsState;
  readonly datasets: DatasetsState;
  readonly train: TrainState;
  readonly runs: RunsState;
  readonly viewer: ViewerState;
  readonly nav = new NavState();

  constructor(
    readonly api: FrugalApi,
    store: KeyValueStore | null = null,
  ) {
    this.engine = new EngineState(api);
    this.jobs = new JobsState(api, this.engine);
    this.datasets = new DatasetsState(api, store);
    this.runs = new RunsState(api, this.jobs);
    this.train = new TrainState(api, this.jobs, this.datasets);
    this.viewer = new ViewerState(api, this.datasets, this.runs);
  }

  start(): () => void {
    // Jobs subscribe before the engine's first status arrives, so a running job is adopted.
    const offs = [
      this.jobs.connect(),
      this.engine.connect(),
      this.runs.connect(),
      // The desktop app's File menu: carried out here, where the dataset state lives.
      this.api.on('app:menu', ({ command }) => {
        this.nav.go('datasets');
        if (command === 'open-dataset') void this.datasets.browse();
        else if (command === 'create-demo-data') void this.datasets.createDemo();
      }),
    ];
    void this.train.load();
    void this.runs.refresh();
    void this.datasets.restore();
    return () => offs.forEach((off) => off());
  }
}
