// DatasetsState and RunsState: a bad folder never shows the previous folder's cases; runs refresh
// when a job ends and show a crashed run as crashed before the list catches up.
import { describe, expect, it } from 'vitest';
import type { DatasetScan, RunListItem } from '../../src/shared/api';
import { DatasetsState } from '../../src/renderer/state/datasets.svelte';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { NavState } from '../../src/renderer/state/nav.svelte';
import { RunsState } from '../../src/renderer/state/runs.svelte';
import { flush, idle, TestApi } from './fake-api';

const scan = (root: string): DatasetScan => ({ root, cases: [], problems: [] });

describe('DatasetsState', () => {
  it('a folder that fails to scan clears the old cases and shows the error', async () => {
    const api = new TestApi().handle('datasets:scan', ({ root }) => (root === '/good' ? scan('/good') : Promise.reject(new Error(`datasets:scan: ${root}: no such folder`))));
    const store = new Map<string, string>();
    const d = new DatasetsState(api, { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) });
    await d.open('/good');
    expect(d.scan?.root).toBe('/good');
    await d.open('/bad');
    expect(d.scan).toBeNull();
    expect(d.error).toBe('datasets:scan: /bad: no such folder');
    expect(store.get('frugal.dataset')).toBe('/good'); // only folders that scanned are remembered
  });

  it('browse does nothing when the door has no picker (null), and opens the picked folder otherwise', async () => {
    let picked: string | null = null;
    const api = new TestApi().handle('dialog:openFolder', () => ({ path: picked })).handle('datasets:scan', ({ root }) => scan(root));
    const d = new DatasetsState(api);
    await d.browse();
    expect(api.callsTo('datasets:scan')).toHaveLength(0);
    picked = '/picked';
    await d.browse();
    expect(d.scan?.root).toBe('/picked');
    expect(d.busy).toBeNull();
  });

  it('creates demo data with the typed folder, case count and size', async () => {
    const api = new TestApi().handle('datasets:createDemo', ({ out }) => scan(out));
    const d = new DatasetsState(api);
    d.suggestDemoFolder('/home/u/.frugal/runs');
    expect(d.demo.out).toBe('/home/u/.frugal/demo-brats');
    d.demo.cases = 3;
    await d.createDemo();
    expect(api.callsTo('datasets:createDemo')).toEqual([{ out: '/home/u/.frugal/demo-brats', cases: 3, size: 48 }]);
    expect(d.root).toBe('/home/u/.frugal/demo-brats');
  });
});

describe('DatasetsState: folder demo sets for the Train view', () => {
  const memoryStore = () => {
    const m = new Map<string, string>();
    return { m, store: { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) } };
  };

  it('writes next to the runs folder, remembers the answer across sessions, and shows a refusal', async () => {
    const api = new TestApi().handle('datasets:writeDemo', ({ kind, out }) =>
      out.endsWith('taken') ? Promise.reject(new Error(`demo text: ${out} is not empty; not overwriting it`)) : { kind, out, folders: { text: `${out}/corpus`, 'data-to-text': `${out}/e2e` }, summary: 'wrote it' },
    );
    const { m, store } = memoryStore();
    const d = new DatasetsState(api, store);
    d.suggestDemoFolder('/home/u/.frugal/runs');
    expect(d.folderDemoOut).toEqual({ images: '/home/u/.frugal/demo-images', coco: '/home/u/.frugal/demo-coco', text: '/home/u/.frugal/demo-text' });
    const r = await d.writeFolderDemo('text');
    expect(api.callsTo('datasets:writeDemo')).toEqual([{ kind: 'text', out: '/home/u/.frugal/demo-text' }]);
    expect(r?.folders['data-to-text']).toBe('/home/u/.frugal/demo-text/e2e');
    expect(d.folderDemoBusy).toBeNull();

    const next = new DatasetsState(api, store); // a new session
    expect(next.folderDemos.text?.folders.text).toBe('/home/u/.frugal/demo-text/corpus');
    next.folderDemoOut.text = '/home/u/taken';
    expect(await next.writeFolderDemo('text')).toBeNull();
    expect(next.folderDemoError).toBe('demo text: /home/u/taken is not empty; not overwriting it');
    expect(next.folderDemos.text?.out).toBe('/home/u/.frugal/demo-text'); // the refusal forgets nothing
    expect(JSON.parse(m.get('frugal.demoFolders')!).text.out).toBe('/home/u/.frugal/demo-text');
  });

  it('a damaged reminder is ignored, not fatal', () => {
    const { m, store } = memoryStore();
    m.set('frugal.demoFolders', '{not json');
    expect(new DatasetsState(new TestApi(), store).folderDemos).toEqual({});
  });
});

describe('RunsState', () => {
  it('refreshes the list when a job ends, and shows a crashed run as crashed meanwhile', async () => {
    let status: RunListItem['status'] = 'running';
    const api = new TestApi()
      .handle('engine:status', () => idle)
      .handle('runs:list', () => [{ id: 'r1', dir: '/r1', experiment: 'brats', status, startedAt: 'x' }])
      .handle('runs:get', () => ({ id: 'r1', dir: '/r1', status, config: {}, card: {}, summary: null, events: [], predictions: [] }));
    const engine = new EngineState(api);
    api.handle('app:info', () => ({}) as never);
    const jobs = new JobsState(api, engine);
    jobs.connect();
    engine.connect();
    const runs = new RunsState(api, jobs);
    runs.connect();
    await runs.refresh();
    jobs.track({ jobId: 'j1', kind: 'train', runId: 'r1', startedAt: 'x' });
    expect(runs.statusOf(runs.list[0])).toBe('running');
    status = 'interrupted';
    api.emit('engine:statusChanged', { ...idle, state: 'crashed', error: 'oom' });
    expect(runs.statusOf(runs.list[0])).toBe('crashed');
    await flush();
    expect(api.callsTo('runs:list').length).toBe(2);
    expect(runs.list[0].status).toBe('interrupted');
  });

  it('keeps at most two runs to compare', () => {
    const api = new TestApi().handle('runs:get', ({ runId }) => ({ id: runId, dir: '', status: 'completed' as const, config: {}, card: {}, summary: null, events: [], predictions: [] }));
    const runs = new RunsState(api, new JobsState(api, new EngineState(api)));
    runs.toggleCompare('a');
    runs.toggleCompare('b');
    runs.toggleCompare('c');
    expect(runs.compareIds).toEqual(['b', 'c']);
    runs.toggleCompare('b');
    expect(runs.compareIds).toEqual(['c']);
  });
});

describe('NavState', () => {
  it('switches views with Alt+1 … Alt+5 by key position', () => {
    const nav = new NavState();
    const key = (code: string, mods: Partial<KeyboardEvent> = {}) => nav.handleKey({ altKey: true, ctrlKey: false, metaKey: false, shiftKey: false, code, ...mods });
    expect(key('Digit3')).toBe(true);
    expect(nav.current).toBe('train');
    expect(key('Numpad4')).toBe(true);
    expect(nav.current).toBe('runs');
    expect(key('Digit9')).toBe(false);
    expect(key('Digit1', { ctrlKey: true })).toBe(false);
    expect(nav.handleKey({ altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, code: 'Digit1' })).toBe(false);
    expect(nav.current).toBe('runs');
  });
});
