/**
 * SPL-ADVisE on Fashion-MNIST at reduced scale: SPL-ADVisE vs SPLD vs Random test accuracy
 * (METHODS.md §5 Results: 94.12 / 93.17 / 92.77 %, LeNet student, 60 epochs on 60 000 images),
 * each method run through the real experiment (`spl-advise`, the `cpu-5k` preset) with the same
 * seeds, so every method sees the same training subset, test subset and student initialisation.
 * Plus the LeNet student's training throughput on cpu and wasm (the 2-D convolutions routed
 * through depth-1 conv3d, models/lenet.ts), with a cpu/wasm gradient parity check.
 *
 * The reduced schedule is ~1 % of the paper's compute (the table in the results says by how
 * much per phase): it shows the pipeline and the curriculum's shape, not the paper's accuracies.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../src/shared/events';
import { selectBackend } from '../src/training/backend/select';
import { disposeParams, flattenParams, gradsByParamName } from '../src/training/core/params';
import { Rng } from '../src/training/core/rng';
import { resolveConfig } from '../src/training/experiments/config';
import { selfPacedExperiment } from '../src/training/experiments/self-paced';
import { perSampleCrossEntropy } from '../src/training/experiments/self-paced/passes';
import { NesterovSgd } from '../src/training/experiments/self-paced/sgd';
import { applyLeNet, initLeNet, lenetConfig, type LeNetConfig } from '../src/training/models/lenet';
import { startRun } from '../src/training/runs/driver';
import { markdownTable, median, round, type Bench, type BenchContext, type BenchResult } from './lib';

const METHODS = ['spl-advise', 'spld', 'random'] as const;
type Method = (typeof METHODS)[number];
/** METHODS.md §5 Results, Fashion-MNIST, test accuracy %. */
const PAPER: Record<Method, number> = { 'spl-advise': 94.12, spld: 93.17, random: 92.77 };
/** The paper's scale (METHODS.md §5, [C]). */
const PAPER_SCALE = { trainImages: 60000, testImages: 10000, magnetSteps: 14070, magnetBatch: 64, embeddingChannels: [32, 64], studentEpochs: 60 };

const FULL = { preset: 'cpu-5k', overrides: {}, seeds: [0, 1], throughputReps: 5 };
const QUICK = { preset: 'tiny', overrides: { epochs: 2 }, seeds: [0], throughputReps: 2 };

interface Throughput {
  backend: string;
  model: string;
  batch: number;
  trainMs: number[]; // forward + backward + Nesterov-SGD update, per batch
  forwardMs: number[];
  trainSamplesPerSec: number;
  forwardSamplesPerSec: number;
}

/** Median ms of `reps` training steps and forward passes of a LeNet on random 28×28 images (one warm-up each). */
async function measureThroughput(backend: string, name: string, cfg: LeNetConfig, batch: number, reps: number): Promise<Throughput> {
  const params = initLeNet(cfg, new Rng(0));
  const named = flattenParams(params);
  const vars = [...named.values()];
  const sgd = new NesterovSgd(named, { momentum: 0.9, weightDecay: 5e-4 });
  const r = new Rng(1);
  const x = tf.tensor4d(Float32Array.from({ length: batch * 784 }, () => r.uniform()), [batch, 28, 28, 1]);
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % cfg.outDim), 'int32');
  const trainMs: number[] = [];
  const forwardMs: number[] = [];
  try {
    for (let i = 0; i <= reps; i++) {
      let t0 = performance.now();
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(perSampleCrossEntropy(applyLeNet(params, x, cfg), y)) as tf.Scalar, vars);
        sgd.apply(gradsByParamName(named, grads), 0.01);
        return value;
      });
      await loss.data();
      loss.dispose();
      if (i > 0) trainMs.push(performance.now() - t0);
      t0 = performance.now();
      const out = tf.tidy(() => applyLeNet(params, x, cfg));
      await out.data();
      out.dispose();
      if (i > 0) forwardMs.push(performance.now() - t0);
    }
  } finally {
    tf.dispose([x, y]);
    sgd.dispose();
    disposeParams(params);
  }
  return { backend, model: name, batch, trainMs, forwardMs, trainSamplesPerSec: (1000 * batch) / median(trainMs), forwardSamplesPerSec: (1000 * batch) / median(forwardMs) };
}

/** Max relative difference (max |a−b| / max |a|) of the student's loss gradients on two backends. */
async function gradientParity(a: string, b: string): Promise<number> {
  const grads = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const cfg = lenetConfig('lenet5');
    const params = initLeNet(cfg, new Rng(0));
    const named = flattenParams(params);
    const r = new Rng(2);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from({ length: 32 * 784 }, () => r.uniform()), [32, 28, 28, 1]);
      const y = tf.tensor1d(Int32Array.from({ length: 32 }, (_, i) => i % 10), 'int32');
      const { grads: g } = tf.variableGrads(() => tf.mean(perSampleCrossEntropy(applyLeNet(params, x, cfg), y)) as tf.Scalar, [...named.values()]);
      return [...named.values()].map((v) => g[v.name]);
    });
    const values = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(out);
    disposeParams(params);
    return values;
  };
  const ga = await grads(a);
  const gb = await grads(b);
  let worst = 0;
  ga.forEach((va, k) => {
    let d = 0;
    let m = 0;
    for (let i = 0; i < va.length; i++) {
      d = Math.max(d, Math.abs(va[i] - gb[k][i]));
      m = Math.max(m, Math.abs(va[i]));
    }
    worst = Math.max(worst, d / (m || 1));
  });
  return worst;
}

interface MethodRun {
  method: Method;
  seed: number;
  wallSeconds: number;
  finalTestAccuracy: number;
  bestTestAccuracy: number;
  admittedFractions: number[];
  testAccuracies: number[];
  lambdas: (number | null)[];
  studentImagePasses: number;
  embedding: { steps: number; finalNearestClusterAccuracy: number } | null;
  studentSamplesPerSec: number;
}

async function runMethod(ctx: BenchContext, preset: string, overrides: Record<string, unknown>, method: Method, seed: number, runsRoot: string): Promise<MethodRun> {
  const backend = await selectBackend({ prefer: tf.getBackend() });
  const t0 = performance.now();
  const events: EngineEvent[] = [];
  for await (const e of startRun({ experimentId: 'spl-advise', preset, overrides: { ...overrides, method, seed }, runsRoot, backend, signal: new AbortController().signal })) {
    events.push(e);
    if (e.type === 'curriculum') ctx.log(`${method} seed ${seed}: epoch ${e.epoch} admitted ${(100 * e.admittedFraction).toFixed(1)}%, test accuracy ${(100 * e.testAccuracy).toFixed(2)}%`);
    if (e.type === 'validation' && 'nearest_cluster_accuracy' in e.metrics) ctx.log(`${method} seed ${seed}: embedding step ${e.step}: nearest-cluster test accuracy ${(100 * e.metrics.nearest_cluster_accuracy).toFixed(1)}%`);
  }
  const done = events.at(-1);
  if (!done || done.type !== 'done' || done.status !== 'completed') throw new Error(`self-paced bench: ${method} seed ${seed} did not complete (${JSON.stringify(done)})`);
  const s = done.summary as Record<string, unknown> & { curves: { testAccuracy: number[]; lambda: (number | null)[] }; admittedFractions: number[]; embedding: MethodRun['embedding']; trainImages: number };
  return {
    method,
    seed,
    wallSeconds: (performance.now() - t0) / 1000,
    finalTestAccuracy: s.finalTestAccuracy as number,
    bestTestAccuracy: s.bestTestAccuracy as number,
    admittedFractions: s.admittedFractions,
    testAccuracies: s.curves.testAccuracy,
    lambdas: s.curves.lambda,
    studentImagePasses: Math.round(s.admittedFractions.reduce((a, f) => a + f, 0) * s.trainImages),
    embedding: s.embedding ? { steps: s.embedding.steps, finalNearestClusterAccuracy: s.embedding.finalNearestClusterAccuracy } : null,
    studentSamplesPerSec: s.studentSamplesPerSec as number,
  };
}

const pct = (v: number): string => (100 * v).toFixed(2);

async function run(ctx: BenchContext): Promise<BenchResult> {
  const plan = ctx.quick ? QUICK : FULL;
  const home = tf.getBackend();

  // 1. Throughput of the student (and the reduced / code embedding CNNs), cpu and wasm.
  await import('@tensorflow/tfjs-backend-wasm'); // registers 'wasm' (the backend stays as set)
  await tf.setBackend(home);
  const models: [string, LeNetConfig, number][] = [
    ['lenet5 student', lenetConfig('lenet5'), 64],
    ['embedding CNN [8, 16] → 16', lenetConfig('magnet-embedding', { convChannels: [8, 16], outDim: 16 }), 64],
    ['embedding CNN [32, 64] → 2 (code)', lenetConfig('magnet-embedding'), 64],
  ];
  const throughput: Throughput[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const [name, cfg, batch] of models) {
      const reps = name.includes('[32, 64]') ? Math.min(2, plan.throughputReps) : plan.throughputReps;
      const t = await measureThroughput(backend, name, cfg, batch, reps);
      throughput.push(t);
      ctx.log(`${backend} ${name} batch ${batch}: train ${round(t.trainSamplesPerSec)} images/s (${round(median(t.trainMs))} ms/step), forward ${round(t.forwardSamplesPerSec)} images/s`);
    }
  }
  const parity = await gradientParity('cpu', 'wasm');
  ctx.log(`student gradients cpu vs wasm: max relative difference ${parity.toExponential(1)}`);
  await tf.setBackend(home);

  // 2. The three methods, same seeds.
  const runsRoot = await mkdtemp(join(os.tmpdir(), 'frugal-bench-spl-'));
  const runs: MethodRun[] = [];
  try {
    for (const seed of plan.seeds) for (const method of METHODS) runs.push(await runMethod(ctx, plan.preset, plan.overrides, method, seed, runsRoot));
  } finally {
    await rm(runsRoot, { recursive: true, force: true });
  }
  const cfg = resolveConfig(selfPacedExperiment, { preset: plan.preset, overrides: plan.overrides });
  const mean = (m: Method, f: (r: MethodRun) => number): number => {
    const rs = runs.filter((r) => r.method === m);
    return rs.reduce((a, r) => a + f(r), 0) / rs.length;
  };
  const finals = Object.fromEntries(METHODS.map((m) => [m, mean(m, (r) => r.finalTestAccuracy)])) as Record<Method, number>;
  const paperOrder = finals['spl-advise'] > finals.spld && finals.spld > finals.random;
  const spread = Math.max(...METHODS.map((m) => {
    const a = runs.filter((r) => r.method === m).map((r) => 100 * r.finalTestAccuracy);
    return Math.max(...a) - Math.min(...a);
  }));
  const gap = 100 * (Math.max(...Object.values(finals)) - Math.min(...Object.values(finals)));
  const spl = runs.find((r) => r.method === 'spl-advise');
  const studentPasses = Object.fromEntries(METHODS.map((m) => [m, mean(m, (r) => r.studentImagePasses)]));
  const paperStudentPasses = PAPER_SCALE.studentEpochs * PAPER_SCALE.trainImages; // upper bound: every epoch on all images
  const magnetPasses = cfg.embeddingSteps * cfg.clustersPerBatch * cfg.examplesPerCluster;
  const paperMagnetPasses = PAPER_SCALE.magnetSteps * PAPER_SCALE.magnetBatch;

  const tpRows = throughput.map((t) => [t.model, t.backend, t.batch, round(median(t.trainMs)), round(t.trainSamplesPerSec), round(t.forwardSamplesPerSec)]);
  const resultRows = METHODS.map((m) => {
    const rs = runs.filter((r) => r.method === m);
    return [
      m,
      pct(finals[m]),
      rs.map((r) => pct(r.finalTestAccuracy)).join(' / '),
      pct(mean(m, (r) => r.bestTestAccuracy)),
      rs[0].admittedFractions.map((f) => f.toFixed(2)).join(' '),
      Math.round(studentPasses[m]).toLocaleString('en'),
      round(mean(m, (r) => r.wallSeconds), 0),
      PAPER[m].toFixed(2),
    ];
  });
  const curveRows = runs[0].testAccuracies.map((_, e) => [e, ...METHODS.map((m) => pct(mean(m, (r) => r.testAccuracies[e])))]);
  const scaleRows = [
    ['training images', PAPER_SCALE.trainImages.toLocaleString('en'), cfg.trainLimit.toLocaleString('en'), `${round((100 * cfg.trainLimit) / PAPER_SCALE.trainImages, 1)} %`],
    ['test images', PAPER_SCALE.testImages.toLocaleString('en'), cfg.testLimit.toLocaleString('en'), `${round((100 * cfg.testLimit) / PAPER_SCALE.testImages, 1)} %`],
    ['embedding CNN', `conv ${PAPER_SCALE.embeddingChannels.join('/')} → 2`, `conv ${cfg.embeddingChannels.join('/')} → ${cfg.embeddingDim}`, ''],
    ['Magnet image-passes (steps × batch)', `${PAPER_SCALE.magnetSteps.toLocaleString('en')} × 64 = ${paperMagnetPasses.toLocaleString('en')}`, `${cfg.embeddingSteps} × ${cfg.clustersPerBatch * cfg.examplesPerCluster} = ${magnetPasses.toLocaleString('en')}`, `${round((100 * magnetPasses) / paperMagnetPasses, 2)} % (and a ~10× cheaper CNN)`],
    ['student epochs', PAPER_SCALE.studentEpochs, cfg.epochs, ''],
    ['student image-passes (SPL-ADVisE)', `≤ ${paperStudentPasses.toLocaleString('en')}`, Math.round(studentPasses['spl-advise']).toLocaleString('en'), `≈ ${round((100 * studentPasses['spl-advise']) / paperStudentPasses, 2)} %`],
    ['student optimiser', 'SGD 0.1, Nesterov 0.9, wd 5e-4, crop+flip', `${cfg.optimizer === 'sgd' ? `SGD ${cfg.lr}, Nesterov ${cfg.momentum}, wd ${cfg.weightDecay}` : `Adam ${cfg.lr}`}${cfg.lrDecayEpochs.length ? `, ×${cfg.lrDecayFactor} at epoch ${cfg.lrDecayEpochs.join(', ')}` : ''}, ${cfg.augment ? 'crop+flip' : 'no augmentation'}`, ''],
    ['per-sample losses', 'as trained', cfg.lossScoring, ''],
    ['pace', 'λ₀ [U], γ₀ 0.5, ×1.1 per epoch', `λ₀ from ${cfg.startFraction} of epoch-0 losses, γ₀ ${cfg.gamma0}, λ ×${cfg.lambdaGrowth}, γ ×${cfg.gammaGrowth}`, ''],
  ];
  const tp = (b: string) => throughput.find((t) => t.backend === b && t.model === 'lenet5 student')!;
  const markdown = [
    `Reduced-scale reproduction of METHODS.md §5 on Fashion-MNIST: \`frugal train spl-advise --preset ${plan.preset}\`${Object.keys(plan.overrides).length ? ` with ${JSON.stringify(plan.overrides)}` : ''} per method, seed${plan.seeds.length > 1 ? 's' : ''} ${plan.seeds.join(', ')}, on \`${home}\` (\`${home === 'cpu' ? '' : `FRUGAL_BACKEND=${home} `}npm run bench -- self-paced${ctx.quick ? ' --quick' : ''}\`). Same seed → same training subset, test subset and student initialisation for every method; SPLD groups by class; Random admits as many images as the SPLD rule would on its own loss table, chosen at random (so its count grows faster: the images it trains on get fresh, lower losses).`,
    '',
    '## Test accuracy (%)',
    '',
    markdownTable(['method', `final (mean of ${plan.seeds.length})`, `per seed (${plan.seeds.join(' / ')})`, 'best over epochs (mean)', `admitted fraction per epoch (seed ${plan.seeds[0]})`, 'student image-passes', 'wall s', 'paper (60 epochs, 60k images)'], resultRows),
    '',
    `Order SPL-ADVisE > SPLD > Random (means) as in the paper: **${paperOrder ? 'yes' : 'no'}**; ${plan.seeds.length > 1 ? `the same method's final accuracy differs by up to ${spread.toFixed(2)} points between seeds, the methods' means by up to ${gap.toFixed(2)}` : 'one seed: no estimate of seed-to-seed noise'}.` +
      (spl?.embedding ? ` The Magnet embedding (${spl.embedding.steps} steps) classified ${pct(spl.embedding.finalNearestClusterAccuracy)} % of 1000 test images by their nearest cluster centroid.` : ''),
    '',
    '## Test accuracy per epoch (%)',
    '',
    markdownTable(['epoch', ...METHODS], curveRows),
    '',
    '## Scale: paper vs this run',
    '',
    markdownTable(['', 'paper [C]', 'here', 'here / paper'], scaleRows),
    '',
    '## LeNet training throughput (2-D convolutions as depth-1 conv3d on both backends)',
    '',
    markdownTable(['model', 'backend', 'batch', 'ms / step (median)', 'train images/s', 'forward images/s'], tpRows),
    '',
    `Student (LeNet-5, batch 64): ${round(tp('cpu').trainSamplesPerSec)} images/s on cpu, ${round(tp('wasm').trainSamplesPerSec)} on wasm (×${round(tp('wasm').trainSamplesPerSec / tp('cpu').trainSamplesPerSec, 1)}); ` +
      `gradients agree to ${parity.toExponential(1)} (max relative difference). Single medians on a shared 2-core machine: compare within this table only.`,
  ].join('\n');
  return {
    config: { preset: plan.preset, overrides: plan.overrides, seeds: plan.seeds, resolved: cfg, methods: METHODS, paper: PAPER, paperScale: PAPER_SCALE },
    samples: { runs, throughput },
    derived: { finalTestAccuracy: finals, paperOrder, seedSpreadPoints: spread, methodGapPoints: gap, studentImagePasses: studentPasses, magnetImagePasses: magnetPasses, studentSamplesPerSec: { cpu: tp('cpu').trainSamplesPerSec, wasm: tp('wasm').trainSamplesPerSec }, gradientParityCpuWasm: parity },
    markdown,
  };
}

export const selfPacedBench: Bench = {
  name: 'self-paced',
  title: 'SPL-ADVisE vs SPLD vs Random on Fashion-MNIST (reduced scale), and LeNet throughput',
  run,
};
