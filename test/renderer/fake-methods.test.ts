// The dev fake's continual, self-paced and RevBiFPN experiments (src/renderer/dev/fake-methods.ts): the experiments
// are the engine's own descriptions (src/renderer/dev/method-experiments.json, kept equal here to
// what 'experiments:list' serves; after a schema change run this file with -u to rewrite it), the
// fake's configs are ones the engine accepts, and its events speak the engine's schemas exactly, so
// what `?fake` shows is what a real run would show.
import { describe, expect, it } from 'vitest';
import type { ExperimentInfo } from '../../src/shared/api';
import { EngineEvent } from '../../src/shared/events';
import { continualExperiment, continualTicks, fakeConfig, methodSummary, PAST_METHOD_RUNS, selfPacedExperiment, selfPacedTicks, servedExperiment, STANDARD_TASKS, ticksOf } from '../../src/renderer/dev/fake-methods';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { runFromCurves } from '../../src/renderer/lib/method-compare';
import { runFromSummary } from '../../src/renderer/lib/method-summary';
import { engineModule } from './engine';

const T = '2025-01-01T00:00:00.000Z';
const parsed = (ticks: ReturnType<typeof continualTicks>) => ticks.flat().map((e) => EngineEvent.parse({ ...e, time: T }));
const METHOD_IDS = [continualExperiment.id, selfPacedExperiment.id];
/** Every experiment the fake serves from the JSON copy: the two methods, the two RevBiFPN ones and the two SPDF ones. */
const SERVED_IDS = [...METHOD_IDS, 'revbifpn-classify', 'revbifpn-detect', 'spdf-pretrain', 'spdf-finetune'];

interface Host {
  createEngineHost(opts: { runsRoot: string; backend: unknown; emit: () => void }): { handlers: { 'experiments:list'(req: object): Promise<ExperimentInfo[]> } };
}
interface ConfigModule {
  resolveConfig(exp: unknown, opts: { preset?: string; overrides?: Record<string, unknown> }): Record<string, unknown>;
}
interface Registry {
  getExperiment(id: string): unknown;
}

describe('dev fake method experiments: the engine’s own', () => {
  it('equal what the engine serves from experiments:list (schema, presets, titles)', async () => {
    const { createEngineHost } = await engineModule<Host>('host/engine-handlers');
    const host = createEngineHost({ runsRoot: '/nonexistent/frugal-runs', backend: { chosen: 'cpu' }, emit: () => {} });
    const served = (await host.handlers['experiments:list']({})).filter((e) => SERVED_IDS.includes(e.id));
    expect(served.map((e) => e.id)).toEqual(SERVED_IDS);
    await expect(`${JSON.stringify(served, null, 2)}\n`, 'src/renderer/dev/method-experiments.json is stale: rerun this file with -u').toMatchFileSnapshot('../../src/renderer/dev/method-experiments.json');
    expect(SERVED_IDS.map(servedExperiment)).toEqual(served);
    // The keys the old hand-written fake had are not the engine's.
    const keys = Object.keys(continualExperiment.configSchema.properties as object);
    expect(keys).toEqual(expect.arrayContaining(['epochs', 'ewcLambda', 'siC', 'masLambda']));
    expect(keys).not.toContain('epochsPerTask');
    expect(keys).not.toContain('lambda');
  }, 60_000);

  it('past runs have configs the engine accepts, and the fake rejects keys the schema lacks', async () => {
    const { resolveConfig } = await engineModule<ConfigModule>('experiments/config');
    const { getExperiment } = await engineModule<Registry>('experiments/registry');
    expect(PAST_METHOD_RUNS.length).toBeGreaterThan(0);
    for (const r of PAST_METHOD_RUNS) expect(() => resolveConfig(getExperiment(r.experiment), { overrides: r.config }), r.id).not.toThrow();
    expect(() => fakeConfig(continualExperiment, { epochsPerTask: 1, lambda: 100 })).toThrow(`config of 'dhp-continual': (config): Unrecognized keys: "epochsPerTask", "lambda"`);
    expect(() => selfPacedTicks({ studentEpochs: 4 })).toThrow(/Unrecognized key: "studentEpochs"/);
    expect(fakeConfig(continualExperiment, { tasks: 3 }, 'tiny')).toMatchObject({ tasks: 3, epochs: 1, ewcLambda: 1000, head: 'dhp' });
  }, 60_000);

  it('standard task counts (tasks = 0) are the engine’s', async () => {
    const { STANDARD_TASKS: engine } = await engineModule<{ STANDARD_TASKS: Record<string, number> }>('experiments/continual/config');
    expect(STANDARD_TASKS).toEqual(engine);
  }, 60_000);
});

describe('dev fake method runs', () => {
  it('continual runs: valid events, one accuracy-matrix row per task', () => {
    const events = parsed(continualTicks({ head: 'dhp', importance: 'si', tasks: 3 }));
    const c = curvesFromEvents(events);
    expect(c.tasks!.filled).toBe(3);
    expect(c.tasks!.latest.plasticNorms).toHaveLength(10);
    expect(c.tasks!.taskNames[0]).toBe('mnist classes 0/1');
  });

  it('continual runs with the schema defaults (tasks = 0): the whole standard sequence', () => {
    expect(curvesFromEvents(parsed(continualTicks({}))).tasks!.filled).toBe(5); // split-mnist
    expect(curvesFromEvents(parsed(continualTicks({ benchmark: 'permuted-mnist' }))).tasks!.taskNames).toHaveLength(10);
  });

  it('self-paced runs: valid events, a curriculum point per epoch (`epochs`) and embeddings for spl-advise only', () => {
    const spld = curvesFromEvents(parsed(selfPacedTicks({ method: 'spld', epochs: 4 })));
    expect(spld.curriculum!.epochs).toEqual([0, 1, 2, 3]);
    expect(spld.curriculum!.method).toBe('spld');
    expect(spld.embedding).toBeNull();
    const spl = curvesFromEvents(parsed(selfPacedTicks({ epochs: 3 })));
    expect(spl.curriculum!.method).toBe('spl-advise');
    expect(spl.embedding!.points.length).toBeGreaterThan(0);
  });

  it('summaries carry the numbers the Runs view compares, equal to what the events give', () => {
    for (const r of PAST_METHOD_RUNS) {
      const ticks = ticksOf(r.experiment, r.config);
      const fromSummary = runFromSummary({ id: r.id, status: 'completed', summary: methodSummary(r.experiment, r.config, ticks, 'completed') });
      expect(fromSummary, r.id).not.toBeNull();
      expect(fromSummary).toEqual(runFromCurves(r.id, r.config, curvesFromEvents(parsed(ticks))));
    }
  });
});
