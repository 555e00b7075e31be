/**
 * The dataset the user works with: the folder typed or picked, its scan ('datasets:scan': cases,
 * headers, label volumes, problems), and demo data creation. The last folder is remembered and
 * rescanned at start-up (never shown from a stale copy). Scans of other folders (a run's
 * prediction data) are cached per folder for the Runs → Viewer link. Also the folder demo sets
 * ('datasets:writeDemo': image classes, COCO shapes, text) the Train view offers for experiments
 * that read a folder: written next to the runs folder, remembered so a second experiment reuses them.
 */
import { createContext } from 'svelte';
import type { DatasetScan, DemoFolder, DemoFolderKind, FrugalApi } from '../../shared/api';
import { errorMessage } from '../lib/errors';
import { dirname, joinPath, normalizePath } from '../lib/paths';

const LAST_ROOT_KEY = 'frugal.dataset';
const DEMO_FOLDERS_KEY = 'frugal.demoFolders';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export class DatasetsState {
  /** The folder field, as typed. */
  root = $state('');
  scan = $state.raw<DatasetScan | null>(null);
  error = $state<string | null>(null);
  busy = $state<null | 'scan' | 'demo' | 'browse'>(null);
  demo = $state({ out: '', cases: 6, size: 48 });
  demoError = $state<string | null>(null);

  /** Folder demo sets written here (remembered across sessions), by kind. */
  folderDemos = $state.raw<Partial<Record<DemoFolderKind, DemoFolder>>>({});
  /** The output folder typed for each folder demo kind (prefilled next to the runs folder). */
  folderDemoOut = $state<Record<DemoFolderKind, string>>({ images: '', coco: '', text: '' });
  folderDemoBusy = $state<DemoFolderKind | null>(null);
  folderDemoError = $state<string | null>(null);

  errorCount = $derived((this.scan?.problems.filter((p) => p.severity === 'error').length ?? 0) + (this.scan?.cases.reduce((n, c) => n + c.problems.filter((p) => p.severity === 'error').length, 0) ?? 0));

  private readonly others = new Map<string, DatasetScan>();

  constructor(
    private readonly api: FrugalApi,
    private readonly store: KeyValueStore | null = null,
  ) {
    try {
      this.folderDemos = JSON.parse(store?.getItem(DEMO_FOLDERS_KEY) ?? '{}') as typeof this.folderDemos;
    } catch {
      this.folderDemos = {}; // a damaged entry only loses the reminder, not the data
    }
  }

  /** Rescans the folder used last time, if any. */
  async restore(): Promise<void> {
    const last = this.store?.getItem(LAST_ROOT_KEY);
    if (last && !this.scan && !this.busy) await this.open(last);
  }

  /** Prefills the demo folder next to the runs folder (the app's data folder). */
  suggestDemoFolder(runsRoot: string): void {
    if (!this.demo.out) this.demo.out = joinPath(dirname(runsRoot), 'demo-brats');
    for (const kind of ['images', 'coco', 'text'] as const) if (!this.folderDemoOut[kind]) this.folderDemoOut[kind] = joinPath(dirname(runsRoot), `demo-${kind}`);
  }

  /** Writes the folder demo set of one kind; its answer (or null on failure, with folderDemoError). */
  async writeFolderDemo(kind: DemoFolderKind): Promise<DemoFolder | null> {
    this.folderDemoBusy = kind;
    this.folderDemoError = null;
    try {
      const written = await this.api.invoke('datasets:writeDemo', { kind, out: this.folderDemoOut[kind].trim() });
      this.folderDemos = { ...this.folderDemos, [kind]: written };
      this.store?.setItem(DEMO_FOLDERS_KEY, JSON.stringify(this.folderDemos));
      return written;
    } catch (e) {
      this.folderDemoError = errorMessage(e);
      return null;
    } finally {
      this.folderDemoBusy = null;
    }
  }

  async browse(): Promise<void> {
    this.busy = 'browse';
    try {
      const { path } = await this.api.invoke('dialog:openFolder', { title: 'Open a BraTS dataset folder' });
      this.busy = null;
      if (path) await this.open(path);
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      if (this.busy === 'browse') this.busy = null;
    }
  }

  async open(root = this.root): Promise<void> {
    const r = root.trim();
    this.root = r;
    if (!r) {
      this.error = 'type the path of a folder of BraTS case folders';
      return;
    }
    this.busy = 'scan';
    this.error = null;
    try {
      this.setScan(await this.api.invoke('datasets:scan', { root: r }));
    } catch (e) {
      // A bad folder must not leave the previous folder's cases on screen as if they were its.
      this.scan = null;
      this.error = errorMessage(e);
    } finally {
      this.busy = null;
    }
  }

  async createDemo(): Promise<void> {
    this.busy = 'demo';
    this.demoError = null;
    try {
      const { out, cases, size } = this.demo;
      this.setScan(await this.api.invoke('datasets:createDemo', { out: out.trim(), cases: Number(cases), size: Number(size) }));
      this.error = null;
    } catch (e) {
      this.demoError = errorMessage(e);
    } finally {
      this.busy = null;
    }
  }

  /** The scan of any folder: the current one, or a cached/fresh scan of another. */
  async scanOf(root: string): Promise<DatasetScan> {
    if (this.scan && normalizePath(this.scan.root) === normalizePath(root)) return this.scan;
    const cached = this.others.get(normalizePath(root));
    if (cached) return cached;
    const s = await this.api.invoke('datasets:scan', { root });
    this.others.set(normalizePath(root), s);
    return s;
  }

  private setScan(s: DatasetScan): void {
    this.scan = s;
    this.root = s.root;
    this.others.delete(normalizePath(s.root));
    this.store?.setItem(LAST_ROOT_KEY, s.root);
  }
}

export const [getDatasets, setDatasets] = createContext<DatasetsState>();
