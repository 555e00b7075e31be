import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { selectBackend, type BackendReport } from '../../backend/select';
import { listCheckpoints } from '../../core/training-state';
import { Rng } from '../../core/rng';
import { makeView, type ImageDataset } from '../../data/images';
import { resumeRun, startRun } from '../../runs/driver';
import { configJsonSchema, resolveConfig } from '../config';
import { getExperiment } from '../registry';
import { continualPresets, methodName, penaltyStrength } from './config';
import { limitView, taskBatches, type ContinualTask } from './data';
import { collectEvents, stepLosses } from '../../../../test/run-events';

const exp = getExperiment('dhp-continual');
type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

describe('dhp-continual config', () => {
  it('gives every key a title and a description; every preset resolves', () => {
    const props = configJsonSchema(exp).properties as Record<string, { title?: string; description?: string }>;
    expect(Object.keys(props).length).toBeGreaterThanOrEqual(25);
    for (const [k, p] of Object.entries(props)) {
      expect(p.title, k).toBeTruthy();
      expect(p.description, k).toBeTruthy();
    }
    for (const name of Object.keys(continualPresets)) expect(() => resolveConfig(exp, { preset: name }), name).not.toThrow();
    const paper = resolveConfig(exp, { preset: 'permuted-mnist' }) as Record<string, unknown>;
    expect(paper).toMatchObject({ benchmark: 'permuted-mnist', tasks: 10, hiddenSizes: [400, 400], optimizer: 'sgd', lr: 0.01, batchSize: 64, epochs: 10, head: 'dhp' });
  });

  it('names the field of a bad value, also across fields', () => {
    expect(() => resolveConfig(exp, { overrides: { head: 'hebb' } })).toThrow(/head: Invalid option/);
    expect(() => resolveConfig(exp, { overrides: { tasks: 6 } })).toThrow(/tasks: split-mnist has 5 tasks; tasks = 6 is too many/);
    expect(() => resolveConfig(exp, { overrides: { benchmark: 'vision-mixture' } })).toThrow(/dataPath: vision-mixture needs dataPath/);
    expect(() => resolveConfig(exp, { overrides: { lambda: 3 } })).toThrow(/lambda/);
    expect(() => resolveConfig(exp, { overrides: { benchmark: 'permuted-mnist', tasks: 20 } })).not.toThrow();
  });

  it('picks the penalty strength of the chosen importance and names the method', () => {
    const c = (o: Record<string, unknown>) => resolveConfig(exp, { overrides: { ewcLambda: 7, siC: 0.3, masLambda: 2, ...o } }) as Parameters<typeof penaltyStrength>[0];
    expect([c({}), c({ importance: 'ewc' }), c({ importance: 'online-ewc' }), c({ importance: 'si' }), c({ importance: 'mas' })].map(penaltyStrength)).toEqual([0, 7, 7, 0.3, 2]);
    expect([methodName('softmax', 'none'), methodName('dhp', 'none'), methodName('dhp', 'online-ewc'), methodName('softmax', 'mas')]).toEqual(['Finetune', 'DHP Softmax', 'DHP+Online EWC', 'MAS']);
  });
});

describe('dhp-continual data', () => {
  // 10 images of 2×2 pixels, pixel value = 10·i + j; label i mod 2.
  const ds: ImageDataset = {
    name: 'toy', split: 'train', n: 10, height: 2, width: 2, channels: 1, classes: ['a', 'b'],
    images: Uint8Array.from({ length: 40 }, (_, k) => 10 * Math.floor(k / 4) + (k % 4)),
    labels: Int32Array.from({ length: 10 }, (_, i) => i % 2),
  };
  const task: ContinualTask = { index: 1, name: 'toy', train: makeView(ds), test: makeView(ds) };
  const rows = (b: { x: tf.Tensor; y: tf.Tensor }) => {
    const x = Array.from(b.x.dataSync()).map((v) => Math.round(v * 255));
    tf.dispose([b.x, b.y]);
    return Array.from({ length: x.length / 4 }, (_, r) => x[4 * r] / 10); // image index of each row
  };

  it('resumes the batch stream after k updates with exactly the batches an uninterrupted one yields', () => {
    const opts = { batchSize: 4, epochs: 3, seed: 5 }; // 3 batches per epoch (4, 4, 2), 9 in all
    const all: number[][] = [];
    const it = taskBatches(task, opts);
    for (let b = it.next(); b; b = it.next()) all.push(rows(b));
    expect(all.map((r) => r.length)).toEqual([4, 4, 2, 4, 4, 2, 4, 4, 2]);
    for (let e = 0; e < 3; e++) expect(all.slice(3 * e, 3 * e + 3).flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all[0]).not.toEqual(all[3]); // epochs are reshuffled
    for (const from of [1, 3, 5, 8, 9]) {
      const rest: number[][] = [];
      const r = taskBatches(task, { ...opts, from });
      for (let b = r.next(); b; b = r.next()) rest.push(rows(b));
      expect(rest, `from ${from}`).toEqual(all.slice(from));
    }
    expect(() => taskBatches(task, { ...opts, from: 10 })).toThrow(/from = 10 is outside 0..9/);
  });

  it('limits a view to a seeded subset in view order', () => {
    const a = limitView(task.train, 4, new Rng(1));
    expect(a.n).toBe(4);
    expect([...a.rows]).toEqual([...a.rows].sort((x, y) => x - y));
    expect([...limitView(task.train, 4, new Rng(1)).rows]).toEqual([...a.rows]);
    expect(limitView(task.train, 0, new Rng(1))).toBe(task.train);
    expect(limitView(task.train, 50, new Rng(1))).toBe(task.train);
  });
});


describe('dhp-continual run', () => {
  let runs: string;
  let backend: BackendReport;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'frugal-continual-')), 'runs');
    backend = await selectBackend({ prefer: 'cpu' });
  });

  // 3 Split MNIST tasks, 192 images each at batch 64: 3 updates per task, 9 in all. Adam and SI
  // so that the optimiser's moments and SI's in-task path integral must survive the stop.
  const overrides = { benchmark: 'split-mnist', tasks: 3, trainLimit: 192, testLimit: 100, batchSize: 64, epochs: 1, hiddenSizes: [32], head: 'dhp', importance: 'si', siC: 0.1, optimizer: 'adam', lr: 0.003, keepCheckpoints: 5, logEvery: 1 };

  it('stopped inside a task and resumed, it gives the same losses and accuracy matrix as an uninterrupted run; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const full = await collectEvents(startRun({ experimentId: 'dhp-continual', overrides, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect(tf.memory().numTensors).toBe(before);
    const fullLosses = stepLosses(full);
    expect([...fullLosses.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const evals = full.filter((e): e is Ev<'task-eval'> => e.type === 'task-eval');
    expect(evals.map((e) => [e.step, e.afterTask, e.accuracies.length])).toEqual([[3, 0, 1], [6, 1, 2], [9, 2, 3]]);
    expect(evals[2].taskNames).toEqual(['mnist classes 0/1', 'mnist classes 2/3', 'mnist classes 4/5']);
    expect(evals[2].plasticNorms).toHaveLength(10);
    // The trace only ever moved on the classes trained: 6..9 stay exactly 0.
    expect(evals[2].plasticNorms!.slice(6)).toEqual([0, 0, 0, 0]);
    expect(evals[2].plasticNorms!.slice(0, 6).every((v) => v > 0)).toBe(true);
    const done = full.at(-1) as Ev<'done'>;
    expect(done).toMatchObject({ status: 'completed', step: 9 });
    const runDir = (full[0] as Ev<'started'>).runDir;
    const saved = JSON.parse(await readFile(join(runDir, 'continual.json'), 'utf8')) as { accuracyMatrix: number[][]; complete: boolean; averageAccuracy: number };
    expect(saved.accuracyMatrix).toEqual(evals.map((e) => e.accuracies));
    expect(saved.complete).toBe(true);
    expect(saved.averageAccuracy).toBeCloseTo(evals[2].averageAccuracy, 12);
    expect((done.summary as { accuracyMatrix: number[][] }).accuracyMatrix).toEqual(saved.accuracyMatrix);
    expect((await listCheckpoints(join(runDir, 'checkpoints'))).map((c) => c.step)).toEqual([3, 6, 9]);

    // Stop after update 4 (inside task 2), then resume.
    const ac = new AbortController();
    const first = await collectEvents(startRun({ experimentId: 'dhp-continual', overrides, runsRoot: runs, backend, signal: ac.signal }), (e) => {
      if (e.type === 'step' && e.step === 4) ac.abort();
    });
    expect(first.find((e) => e.type === 'checkpoint' && e.reason === 'stop')).toMatchObject({ step: 4 });
    expect(first.at(-1)).toMatchObject({ type: 'done', status: 'stopped', step: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const started = first[0] as Ev<'started'>;
    const second = await collectEvents(resumeRun({ run: started.runId, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect((second[0] as Ev<'started'>).startStep).toBe(4);
    const resumed = stepLosses(second);
    expect([...resumed.keys()]).toEqual([5, 6, 7, 8, 9]);
    for (const s of [1, 2, 3, 4]) expect(stepLosses(first).get(s)).toBe(fullLosses.get(s));
    for (const s of [5, 6, 7, 8, 9]) expect(Math.abs(resumed.get(s)! - fullLosses.get(s)!), `step ${s}`).toBeLessThan(1e-6);
    const resumedEvals = second.filter((e): e is Ev<'task-eval'> => e.type === 'task-eval');
    expect(resumedEvals.map((e) => e.afterTask)).toEqual([1, 2]);
    expect(resumedEvals[1].accuracies).toEqual(evals[2].accuracies);
    const summary = (second.at(-1) as Ev<'done'>).summary as { accuracyMatrix: number[][]; trainSeconds: number[] };
    expect(summary.accuracyMatrix).toEqual(saved.accuracyMatrix); // the first task's row came from the checkpoint
    expect(summary.trainSeconds).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports the mean loss every logEvery updates and at the end of each task', async () => {
    const base = { tasks: 2, trainLimit: 320, testLimit: 50, epochs: 1, hiddenSizes: [8], logEvery: 1 }; // 5 updates per task
    const every = stepLosses(await collectEvents(startRun({ experimentId: 'dhp-continual', overrides: base, runsRoot: runs, backend, signal: new AbortController().signal })));
    const sparse = stepLosses(await collectEvents(startRun({ experimentId: 'dhp-continual', overrides: { ...base, logEvery: 3 }, runsRoot: runs, backend, signal: new AbortController().signal })));
    expect([...sparse.keys()]).toEqual([3, 5, 6, 9, 10]);
    const mean = (steps: number[]) => steps.reduce((a, s) => a + every.get(s)!, 0) / steps.length;
    [[3, [1, 2, 3]], [5, [4, 5]], [6, [6]], [9, [7, 8, 9]], [10, [10]]].forEach(([at, of]) => expect(sparse.get(at as number)).toBeCloseTo(mean(of as number[]), 6));
  });

  it('runs the Vision Datasets Mixture from a user folder: 32×32×3 inputs, 50 global classes, one head per dataset', async () => {
    const root = await mkdtemp(join(tmpdir(), 'frugal-continual-mixture-'));
    // notMNIST is read as 28×28 grey, SVHN and CIFAR-10 as 32×32 RGB; two classes, two images each.
    for (const [name, size] of [['notmnist', 28 * 28], ['svhn', 32 * 32 * 3], ['cifar10', 32 * 32 * 3]] as const) {
      const row = (label: number, v: number) => [label, ...new Array(size).fill(v)].join(',');
      await mkdir(join(root, name));
      for (const split of ['train', 'test']) await writeFile(join(root, name, `${split}.csv`), `${row(0, 10)}\n${row(1, 200)}\n${row(0, 20)}\n${row(1, 180)}\n`);
    }
    const over = { benchmark: 'vision-mixture', dataPath: root, tasks: 2, trainLimit: 64, testLimit: 40, epochs: 1, hiddenSizes: [16], head: 'softmax', importance: 'mas', importanceSamples: 8 };
    const events = await collectEvents(startRun({ experimentId: 'dhp-continual', overrides: over, runsRoot: runs, backend, signal: new AbortController().signal }));
    const done = events.at(-1) as Ev<'done'>;
    expect(done.status, done.error).toBe('completed');
    expect(events.find((e): e is Ev<'log'> => e.type === 'log' && e.message.startsWith('model:'))?.message).toMatch(/MLP 3072→16 with a softmax head over 50 classes/);
    const evals = events.filter((e): e is Ev<'task-eval'> => e.type === 'task-eval');
    expect(evals.map((e) => e.accuracies.length)).toEqual([1, 2]);
    expect(evals[1].taskNames).toEqual(['mnist', 'notmnist']);
    expect(stepLosses(events).size).toBe(2); // 64 MNIST images, then 4 notMNIST images: one update each
  });
});
