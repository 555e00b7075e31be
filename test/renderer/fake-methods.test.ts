// The dev fake's continual and self-paced runs (src/renderer/dev/fake-methods.ts) speak the
// engine's event schemas exactly, so what `?fake` shows is what a real run would show.
import { describe, expect, it } from 'vitest';
import { continualExperiment, continualTicks, selfPacedExperiment, selfPacedTicks } from '../../src/renderer/dev/fake-methods';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { EngineEvent } from '../../src/shared/events';

const T = '2025-01-01T00:00:00.000Z';
const parsed = (ticks: ReturnType<typeof continualTicks>) => ticks.flat().map((e) => EngineEvent.parse({ ...e, time: T }));

describe('dev fake method runs', () => {
  it('continual runs: valid events, one accuracy-matrix row per task', () => {
    const events = parsed(continualTicks({ head: 'dhp', importance: 'si', tasks: 3 }));
    const c = curvesFromEvents(events);
    expect(c.tasks!.filled).toBe(3);
    expect(c.tasks!.latest.plasticNorms).toHaveLength(10);
    expect(c.tasks!.taskNames[0]).toBe('mnist classes 0/1');
  });

  it('self-paced runs: valid events, a curriculum point per epoch and embeddings', () => {
    const c = curvesFromEvents(parsed(selfPacedTicks({ method: 'spld', studentEpochs: 4 })));
    expect(c.curriculum!.epochs).toEqual([0, 1, 2, 3]);
    expect(c.curriculum!.method).toBe('spld');
    expect(c.embedding!.points.length).toBeGreaterThan(0);
  });

  it('presets only set keys their schema declares', () => {
    for (const exp of [continualExperiment, selfPacedExperiment]) {
      const keys = Object.keys(exp.configSchema.properties as object);
      for (const p of Object.values(exp.presets)) expect(Object.keys(p.values).filter((k) => !keys.includes(k))).toEqual([]);
    }
  });
});
