/**
 * SPL-ADVisE through the CLI, as a user types it: `frugal train spl-advise --preset tiny --json`
 * trains the Magnet embedding, clusters Fashion-MNIST, then trains the LeNet student on a growing
 * self-paced selection; the events, the run folder and the error for a bad flag are checked.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { frugal } from './cli';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], t: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === t);

describe('frugal train spl-advise (tiny preset, Fashion-MNIST)', () => {
  let runs: string;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'frugal-spl-')), 'runs');
  });

  it('trains the embedding, then the student on a growing selection, well above chance', async () => {
    const t0 = performance.now();
    const r = await frugal(['train', 'spl-advise', '--preset', 'tiny', '--json', '--runs', runs]);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    // The GUI end-to-end test relies on this preset being quick: measured 31–38 s alone on the shared
    // 2-core machine, 56 s beside other test files; the bound only catches a gross slowdown.
    expect(seconds).toBeLessThan(120);

    // Embedding phase: a PCA plot per re-clustering (steps 0 and 12) and of the final clustering.
    const plots = ofType(r.events, 'embedding');
    expect(plots.map((p) => p.step)).toEqual([0, 12, 24]);
    for (const p of plots) {
      expect(p.projection).toBe('pca');
      expect(p.points.length).toBe(500); // ≤ 500 of the 600 training images
      expect(p.labels.length).toBe(p.points.length);
      expect(p.clusters.length).toBe(p.points.length);
      expect(p.classNames).toHaveLength(10);
      expect(p.classNames[9]).toBe('Ankle boot');
      // Global cluster id = class·K + k with K = 2: every point's cluster belongs to its class.
      p.clusters.forEach((c, i) => expect(Math.floor(c / 2)).toBe(p.labels[i]));
      expect(p.points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y))).toBe(true);
    }

    // Student phase: one curriculum event per epoch. Epoch 0 trains on everything; then the pace:
    // λ grows ×1.3 and γ ×1.1 (0.5 → 0.55) per epoch, and the admitted fraction grows.
    const cur = ofType(r.events, 'curriculum');
    expect(cur.map((c) => c.epoch)).toEqual([0, 1, 2]);
    expect(cur.every((c) => c.method === 'spl-advise')).toBe(true);
    const fractions = cur.map((c) => c.admittedFraction);
    expect(fractions[0]).toBe(1);
    expect(fractions[1]).toBeGreaterThan(0.3);
    expect(fractions[1]).toBeLessThan(0.9);
    expect(fractions[2]).toBeGreaterThan(fractions[1]);
    expect(cur[0].lambda).toBeUndefined();
    expect(cur[2].lambda! / cur[1].lambda!).toBeCloseTo(1.3, 10);
    expect([cur[1].gamma, cur[2].gamma]).toEqual([expect.closeTo(0.5, 10), expect.closeTo(0.55, 10)]);
    // Measured (cpu, seed 0): fractions 1 → 0.573 → 0.94; test accuracy 0.372 → 0.514 → 0.554 on 500
    // test images, from an untrained 0.1 (10 classes).
    const acc = cur.map((c) => c.testAccuracy);
    expect(acc[2]).toBeGreaterThan(0.4);
    expect(Math.max(...acc)).toBeGreaterThan(acc[0]);

    // Steps: one global count across both phases; no tensor leak within the student phase.
    const steps = ofType(r.events, 'step');
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    // Up front: 24 Magnet steps + 3 student epochs as full passes of ⌈600/16⌉ = 38 updates = 138;
    // the step events lower it as the selection shrinks, to the steps actually made.
    expect(r.events[0]).toMatchObject({ type: 'started', totalSteps: 138 });
    expect(steps[0].totalSteps).toBe(138);
    steps.slice(1).forEach((s, i) => expect(s.totalSteps).toBeLessThanOrEqual(steps[i].totalSteps));
    expect(steps.at(-1)!.totalSteps).toBe(steps.length);
    const student = steps.filter((s) => s.step > 24);
    expect(student.at(-1)!.memory.tensors).toBe(student[2].memory.tensors);
    expect(cur.at(-1)!.step).toBe(steps.length);

    const done = r.events.at(-1) as Ev<'done'>;
    expect(done).toMatchObject({ type: 'done', status: 'completed', step: steps.length });
    const runDir = (r.events[0] as Ev<'started'>).runDir;
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary.finalTestAccuracy).toBe(acc[2]);
    expect(summary.admittedFractions).toEqual(fractions);
    expect(summary.backend).toBe((r.events[0] as Ev<'started'>).backend);
    const curves = JSON.parse(await readFile(join(runDir, 'curves.json'), 'utf8')) as { student: { testAccuracy: number }[]; embedding: unknown[] };
    expect(curves.student.map((p) => p.testAccuracy)).toEqual(acc);
    expect(curves.embedding).toHaveLength(3);
    // Checkpoints: the newest 2 (keepCheckpoints), the last one final.
    expect(readdirSync(join(runDir, 'checkpoints'))).toHaveLength(2);
    expect(ofType(r.events, 'checkpoint').at(-1)).toMatchObject({ reason: 'final', step: steps.length });
  }, 180_000);

  it('stops the student after studentUpdates, mid-epoch, and decays the lr at an update milestone', async () => {
    // 'all' (no embedding phase): 600 images at batch 16 = 38 updates per epoch; a budget of 50
    // ends epoch 1 after 12 of its 38 updates, well before the 3 epochs; lr ×0.1 from update 45.
    const r = await frugal(['train', 'spl-advise', '--preset', 'tiny', '--method', 'all', '--student-updates', '50', '--lr-decay-updates', '45', '--json', '--runs', runs]);
    expect(r.code, r.stderr).toBe(0);
    const steps = ofType(r.events, 'step');
    expect(r.events[0]).toMatchObject({ type: 'started', totalSteps: 50 });
    expect(steps).toHaveLength(50);
    expect(steps.map((s) => s.lr)).toEqual([...Array<number>(45).fill(3e-3), ...Array<number>(5).fill(expect.closeTo(3e-4, 12))]);
    expect(ofType(r.events, 'curriculum').map((c) => [c.epoch, c.step])).toEqual([[0, 38], [1, 50]]);
    const runDir = (r.events[0] as Ev<'started'>).runDir;
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { curves: { updates: number[] }; epochsDone: number };
    expect(summary.curves.updates).toEqual([38, 50]);
    expect(summary.epochsDone).toBe(2);
    expect(ofType(r.events, 'checkpoint').at(-1)).toMatchObject({ reason: 'final', step: 50 });
  }, 120_000);

  it('rejects a bad flag value naming the field, before creating a run', async () => {
    const r = await frugal(['train', 'spl-advise', '--preset', 'tiny', '--runs', runs, '--embedding-dim', '0', '--method', 'curriculum']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config of 'spl-advise': method: Invalid option: expected one of "spl-advise"\|"spld"\|"random"\|"all"/);
    expect(r.stderr).toMatch(/embeddingDim: Too small: expected number to be >=1/);
    const typo = await frugal(['train', 'spl-advise', '--runs', runs, '--clusters-per-class', 'eight']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/--clusters-per-class: 'eight' is not a number/);
    const runsAfter = existsSync(runs) ? readdirSync(runs) : [];
    expect(runsAfter).toHaveLength(2); // only the first two tests' runs
  }, 60_000);
});
