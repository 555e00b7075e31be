/**
 * Dev-only: the continual-learning ('dhp-continual') and self-paced ('spl-advise') experiments for
 * the in-memory fake API, with event streams shaped exactly like the engine's (src/shared/events.ts):
 * 'step' events, then a 'task-eval' after each task, or a 'curriculum' after each student epoch and
 * an 'embedding' every few epochs. Numbers are made up but plausible (DHP and importance penalties
 * forget less; spl-advise > spld > random). A run is a list of ticks; the fake emits one per timer.
 */
import type { ExperimentInfo } from '../../shared/api';
import type { EngineEventInput } from '../../shared/events';

export type Tick = EngineEventInput[];

const memory = (s: number) => ({ tensors: 64 + (s % 3), tensorBytes: 2.1e6, rssBytes: 2.4e8 + 1e5 * s });

function stepEvent(step: number, totalSteps: number, epoch: number, loss: number): EngineEventInput {
  return { type: 'step', step, totalSteps, epoch, loss, lr: 0.01, stepMs: 35, etaSec: (totalSteps - step) * 0.035, memory: memory(step) };
}

/** mulberry32: a seeded generator in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const obj = (props: Record<string, unknown>) => ({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: props, additionalProperties: false });

export const continualExperiment: ExperimentInfo = {
  id: 'dhp-continual',
  title: 'DHP Softmax: differentiable Hebbian plasticity for continual learning',
  description: 'A softmax head with Hebbian fast weights plus synaptic consolidation, to forget less across a sequence of tasks (METHODS.md §4; arXiv 2006.16558).',
  built: true,
  datasets: ['mnist'],
  configSchema: obj({
    seed: { default: 0, description: 'seed of initialisation, permutations and batch order', type: 'integer', minimum: 0 },
    benchmark: { default: 'split-mnist', description: 'task sequence', type: 'string', enum: ['split-mnist', 'permuted-mnist'] },
    tasks: { default: 5, description: 'tasks in the sequence (Split MNIST has 5)', type: 'integer', minimum: 2, maximum: 10 },
    head: { default: 'dhp', description: 'softmax head: plain, or with Hebbian fast weights (DHP)', type: 'string', enum: ['softmax', 'dhp'] },
    importance: { default: 'none', description: 'synaptic consolidation of the slow weights', type: 'string', enum: ['none', 'ewc', 'online-ewc', 'si', 'mas'] },
    lambda: { default: 100, description: 'strength of the consolidation penalty', type: 'number', minimum: 0 },
    epochsPerTask: { default: 10, description: 'epochs on each task', type: 'integer', minimum: 1 },
    lr: { default: 0.01, description: 'SGD learning rate', type: 'number', exclusiveMinimum: 0 },
  }),
  presets: {
    tiny: { description: 'seconds on cpu: 3 Split MNIST tasks, 1 epoch each on a subset', values: { tasks: 3, epochsPerTask: 1 } },
    paper: { description: 'METHODS.md §4: 5 tasks, 10 epochs each', values: {} },
  },
};

export const selfPacedExperiment: ExperimentInfo = {
  id: 'spl-advise',
  title: 'SPL-ADVisE: self-paced learning with adaptive visual embeddings',
  description: 'A student CNN whose training order is chosen by a magnet-loss embedding, easy samples first (METHODS.md §5; arXiv 1807.09200).',
  built: true,
  datasets: ['mnist', 'cifar10'],
  configSchema: obj({
    seed: { default: 0, description: 'seed of initialisation, clustering and sampling', type: 'integer', minimum: 0 },
    dataset: { default: 'fashion-mnist', description: 'training set', type: 'string', enum: ['mnist', 'fashion-mnist'] },
    method: { default: 'spl-advise', description: 'sample selection: clusters of the embedding, SPLD, or random at the same pace', type: 'string', enum: ['spl-advise', 'spld', 'random'] },
    clustersPerClass: { default: 8, description: 'k-means clusters per class (K)', type: 'integer', minimum: 1 },
    studentEpochs: { default: 60, description: 'epochs of the student', type: 'integer', minimum: 1 },
  }),
  presets: {
    tiny: { description: 'seconds on cpu: MNIST subset, 3 clusters per class, 8 student epochs', values: { dataset: 'mnist', clustersPerClass: 3, studentEpochs: 8 } },
    paper: { description: 'METHODS.md §5 on Fashion-MNIST', values: {} },
  },
};

const FORGET: Record<string, number> = { none: 0.07, ewc: 0.03, 'online-ewc': 0.028, si: 0.032, mas: 0.022 };

/** Continual learning: steps per task, then that task's row of the accuracy matrix. */
export function continualTicks(config: Record<string, unknown>, stepsPerTask = 12): Tick[] {
  const benchmark = String(config.benchmark ?? 'split-mnist');
  const n = Number(config.tasks ?? 5);
  // Named as the engine's benchmarks name them (data/mnist/benchmarks.ts).
  const names = benchmark === 'split-mnist' ? ['0/1', '2/3', '4/5', '6/7', '8/9'].slice(0, n).map((c) => `mnist classes ${c}`) : Array.from({ length: n }, (_, i) => (i ? `mnist permutation ${i}` : 'mnist (unpermuted)'));
  const dhp = config.head === 'dhp';
  const rate = (FORGET[String(config.importance ?? 'none')] ?? 0.05) * (dhp ? 0.6 : 1);
  const rand = rng(Number(config.seed ?? 0) * 7 + names.length);
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

const CLASS_NAMES = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};
const FINAL: Record<string, number> = { 'spl-advise': 0.941, spld: 0.932, random: 0.928 };

/** Self-paced learning: steps per student epoch, a curriculum point per epoch, an embedding every 2 epochs. */
export function selfPacedTicks(config: Record<string, unknown>, stepsPerEpoch = 6): Tick[] {
  const method = String(config.method ?? 'spl-advise');
  const epochs = Number(config.studentEpochs ?? 8);
  const k = Number(config.clustersPerClass ?? 3);
  const classNames = CLASS_NAMES[config.dataset === 'fashion-mnist' ? 'fashion-mnist' : 'mnist'];
  const rand = rng(Number(config.seed ?? 0) * 13 + method.length);
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
    const admitted = e === 0 ? 1 : Math.min(1, 0.35 * 1.25 ** (e - 1));
    const testAccuracy = final - (final - 0.6) * Math.exp(-e / 2) - 0.004 * rand();
    const tick: Tick = [
      // As the engine's student phase: a validation (test set) and the epoch's curriculum point.
      { type: 'validation', step, epoch: e, on: `1000 test images, student after epoch ${e} (${(100 * admitted).toFixed(1)}% of the training set admitted)`, metrics: { test_accuracy: testAccuracy, test_loss: 1.2 * (1 - testAccuracy) }, best: true },
      { type: 'curriculum', step, epoch: e, method, admittedFraction: admitted, testAccuracy, lambda: 0.8 * 1.1 ** e, gamma: 0.5 * 1.1 ** e },
    ];
    if (e % 2 === 0 || e === epochs - 1) {
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

/** The engine's summary of a finished method run (the keys the engine writes; the run list shows them). */
export function methodSummary(ticks: Tick[], method: string): Record<string, unknown> {
  const events = ticks.flat();
  const steps = events.filter((e) => e.type === 'step').length;
  const last = <T extends EngineEventInput['type']>(t: T) => events.filter((e) => e.type === t).at(-1) as Extract<EngineEventInput, { type: T }> | undefined;
  const te = last('task-eval');
  const cu = last('curriculum');
  return { status: 'completed', method, steps, totalSteps: steps, ...(te ? { averageAccuracy: te.averageAccuracy, meanForgetting: te.forgetting, backwardTransfer: te.backwardTransfer } : {}), ...(cu ? { finalTestAccuracy: cu.testAccuracy } : {}) };
}
