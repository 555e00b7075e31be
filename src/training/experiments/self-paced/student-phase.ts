/**
 * Phase 2 of SPL-ADVisE (METHODS.md §5 "Student CNN", poster Alg. 2): the LeNet-5 student trained
 * epoch by epoch on what the curriculum admits (curriculum/self-paced.ts planEpoch):
 *
 *   epoch 0: every training image, shuffled;
 *   epoch e ≥ 1: per group, rank by the latest loss and admit CE_i < λ + γ/(√i + √(i−1));
 *     λ, γ grow by their rates each epoch. Groups: Magnet clusters ('spl-advise'), classes
 *     ('spld', and 'random', which admits as many images as that rule, at random).
 *
 * Per-sample losses come from the training batches ('as-trained', METHODS.md) or from a forward
 * pass over every training image after each epoch ('full-pass'). SGD with Nesterov momentum and
 * weight decay as the code, or Adam (core/optimizer.ts); optional crop/flip augmentation. After each
 * epoch: the test accuracy, a 'curriculum' event, the curves file, a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../../shared/events';
import { countParams, disposeParams, flattenParams, gradsByParamName } from '../../core/params';
import { type Rng } from '../../core/rng';
import { type EpochPlan, type Pace, planEpoch } from '../../curriculum/self-paced';
import { type DatasetView, gatherPixels } from '../../data/images/view';
import { applyLeNet, initLeNet, lenetConfig } from '../../models/lenet';
import { augmentBatch } from './augment';
import { type SelfPacedExperimentConfig, selfPacedSettings, studentLrAt, studentOptimizerSettings, studentUpdatesAtMost } from './config';
import { allRows, perSampleCrossEntropy, scoreRows } from './passes';
import { type StepClock, yieldToEventLoop } from './progress';
import { createOptimizer } from '../../core/optimizer';
import { type LoadedRunState, type RunCurves, type Snapshot, type StudentPoint, assignSaved, prefixed, savedArray, unprefixed } from './state';

export interface StudentPhaseArgs {
  readonly c: SelfPacedExperimentConfig;
  readonly train: DatasetView;
  readonly test: DatasetView;
  readonly numClasses: number;
  readonly groups: Int32Array; // per training image: its cluster or class
  readonly rng: Rng; // the run's root stream
  readonly clock: StepClock;
  readonly signal: AbortSignal;
  readonly curves: RunCurves;
  readonly resume: LoadedRunState | null; // a checkpoint taken in this phase
  checkpoint(snap: Snapshot, reason: 'interval' | 'stop' | 'final'): Promise<EngineEventInput>;
  /** Persists the curves (called after every epoch). */
  saveCurves(): Promise<void>;
  /** Checkpoint before the first step (the embedding phase just ended: its clusters are saved). */
  readonly checkpointAtStart: boolean;
}

export interface StudentPhaseResult {
  readonly stopped: boolean;
  readonly parameters: number;
  readonly samplesPerSec: number; // student training throughput (forward + backward + update)
}

interface PlanState {
  readonly order: Int32Array;
  readonly fraction: number;
  readonly pace: Pace | null;
}

export async function* studentPhase(a: StudentPhaseArgs): AsyncGenerator<EngineEventInput, StudentPhaseResult, void> {
  const { c, train, test, clock } = a;
  const N = train.n;
  if (a.groups.length !== N) throw new Error(`student: ${a.groups.length} group ids for ${N} training images`);
  const spCfg = selfPacedSettings(c);
  const cfg = lenetConfig('lenet5', { inputSize: train.height, inChannels: train.channels, outDim: a.numClasses });
  const params = initLeNet(cfg, a.rng.fork('student-init')); // the same init for every method (same seed)
  const named = flattenParams(params);
  const vars = [...named.values()];
  const opt = createOptimizer(named, studentOptimizerSettings(c));
  const logitsOf = (x: tf.Tensor4D): tf.Tensor2D => applyLeNet(params, x, cfg);
  const curriculumRng = a.rng.fork('curriculum');
  const stepsPerFullEpoch = Math.ceil(N / c.batchSize);

  let epoch = 0;
  let batch = 0; // batches done in the current epoch
  let updates = 0; // student updates so far (the budget c.studentUpdates counts these)
  const budget = c.studentUpdates > 0 ? c.studentUpdates : Infinity;
  let lambda0: number | null = null;
  let plan: PlanState | null = null; // the current epoch's plan, once made
  const losses = new Float32Array(N).fill(NaN); // the ranking's loss table
  let epochLoss = { sum: 0, count: 0 };
  let epochSeconds = 0;
  let trainSamples = 0;
  let trainMs = 0;

  if (a.resume) {
    const s = a.resume;
    const m = s.metadata as { optimizer: { step: number }; epoch: number; batch: number; updates?: number; lambda0: number | null; plan: { fraction: number; pace: Pace | null } | null; epochLoss: { sum: number; count: number }; epochSeconds: number };
    const savedGroups = savedArray(s, 'student/groups', Int32Array, N);
    if (savedGroups.some((g, i) => g !== a.groups[i])) throw new Error(`checkpoint ${s.file}: its groups differ from this run's (a different dataset, limit or method?)`);
    assignSaved(s, 'student/param/', named);
    opt.loadState(unprefixed(s, 'student/opt/'), m.optimizer.step);
    losses.set(savedArray(s, 'student/losses', Float32Array, N));
    ({ epoch, batch, lambda0 } = m);
    updates = m.updates ?? 0;
    epochLoss = { ...m.epochLoss };
    epochSeconds = m.epochSeconds;
    if (m.plan && s.tensors.has('student/order')) plan = { order: savedArray(s, 'student/order', Int32Array), fraction: m.plan.fraction, pace: m.plan.pace };
  }

  const snapshot = (): Snapshot => {
    const tensors = new Map<string, tf.Tensor | { data: Float32Array | Int32Array; shape: number[] }>([
      ...prefixed('student/param/', named),
      ...prefixed('student/opt/', opt.stateTensors()),
      ['student/groups', { data: a.groups, shape: [N] }],
      ['student/losses', { data: losses, shape: [N] }],
    ]);
    if (plan) tensors.set('student/order', { data: plan.order, shape: [plan.order.length] });
    return { phase: 'student', tensors, meta: { optimizer: { step: opt.step }, epoch, batch, updates, lambda0, plan: plan ? { fraction: plan.fraction, pace: plan.pace } : null, epochLoss, epochSeconds } };
  };

  /** Future epochs count as full passes until planned; never past the update budget. */
  const estimateTotal = (): void => {
    const current = plan ? Math.ceil(plan.order.length / c.batchSize) : stepsPerFullEpoch;
    const byEpochs = updates - batch + current + (c.epochs - epoch - 1) * stepsPerFullEpoch;
    clock.total = clock.step - updates + Math.min(byEpochs, budget);
  };
  const budgetSpent = (): boolean => updates >= budget;

  try {
    yield { type: 'log', level: 'info', message: `student: LeNet-5 (${countParams(params).toLocaleString('en')} parameters), ${c.studentUpdates > 0 ? `${c.studentUpdates} updates (at most ${c.epochs} epochs)` : `${c.epochs} epochs`}, method ${c.method}, ${N} training / ${test.n} test images, ${c.optimizer === 'sgd' ? `SGD lr ${c.lr}, Nesterov momentum ${c.momentum}` : `Adam lr ${c.lr}`}, losses ${c.lossScoring}` };
    if (a.checkpointAtStart) yield await a.checkpoint(snapshot(), 'interval');
    while (epoch < c.epochs && !budgetSpent()) {
      if (!plan) {
        const p: EpochPlan = planEpoch({ method: c.method, epoch, losses, groups: a.groups, config: spCfg, lambda0, rng: curriculumRng });
        lambda0 = p.lambda0;
        plan = { order: p.order, fraction: p.fraction, pace: p.pace };
        batch = 0;
        epochLoss = { sum: 0, count: 0 };
        epochSeconds = 0;
      }
      estimateTotal();
      const nb = Math.ceil(plan.order.length / c.batchSize);
      let lr = studentLrAt(c, epoch, updates);
      let e0 = performance.now();
      while (batch < nb && !budgetSpent()) {
        lr = studentLrAt(c, epoch, updates);
        if (a.signal.aborted) {
          epochSeconds += (performance.now() - e0) / 1000;
          yield await a.checkpoint(snapshot(), 'stop');
          return { stopped: true, parameters: countParams(params), samplesPerSec: trainMs > 0 ? (1000 * trainSamples) / trainMs : 0 };
        }
        const s0 = performance.now();
        const rows = plan.order.subarray(batch * c.batchSize, Math.min(plan.order.length, (batch + 1) * c.batchSize));
        const n = rows.length;
        let pixels = gatherPixels(train, rows);
        if (c.augment) pixels = augmentBatch(pixels, n, train, a.rng.fork('augment', epoch, batch));
        const labels = Int32Array.from(rows, (r) => train.labels[r]);
        const [lossT, ceT] = tf.tidy(() => {
          const x = tf.tensor4d(pixels, [n, train.height, train.width, train.channels]); // [B, H, W, C]
          const y = tf.tensor1d(labels, 'int32'); // [B]
          let ce: tf.Tensor1D | null = null;
          const { value, grads } = tf.variableGrads(() => {
            ce = tf.keep(perSampleCrossEntropy(logitsOf(x), y)); // [B]
            return tf.mean(ce) as tf.Scalar;
          }, vars);
          opt.apply(gradsByParamName(named, grads), lr);
          return [value, ce!] as [tf.Scalar, tf.Tensor1D];
        });
        const [lv, cv] = await Promise.all([lossT.data(), ceT.data()]);
        tf.dispose([lossT, ceT]);
        if (c.lossScoring === 'as-trained') rows.forEach((r, i) => (losses[r] = cv[i]));
        epochLoss.sum += lv[0] * n;
        epochLoss.count += n;
        await yieldToEventLoop();
        batch += 1;
        updates += 1;
        const ms = performance.now() - s0;
        trainSamples += n;
        trainMs += ms;
        yield clock.stepEvent(lv[0], lr, epoch + batch / nb, ms, 'student');
      }
      // End of the epoch: score (full pass), test, report, checkpoint.
      if (c.lossScoring === 'full-pass' && c.method !== 'all') losses.set((await scoreRows(logitsOf, train, allRows(N), c.evalBatch)).ce);
      const testScores = await scoreRows(logitsOf, test, allRows(test.n), c.evalBatch);
      epochSeconds += (performance.now() - e0) / 1000;
      e0 = performance.now();
      const point: StudentPoint = {
        epoch,
        step: clock.step,
        updates,
        admittedFraction: plan.fraction,
        lambda: plan.pace?.lambda ?? null,
        gamma: plan.pace?.gamma ?? null,
        lr,
        trainLoss: epochLoss.count ? epochLoss.sum / epochLoss.count : NaN,
        testAccuracy: testScores.accuracy,
        testLoss: testScores.meanCe,
        seconds: epochSeconds,
      };
      a.curves.student.push(point);
      yield {
        type: 'curriculum',
        step: clock.step,
        epoch,
        method: c.method,
        admittedFraction: plan.fraction,
        testAccuracy: testScores.accuracy,
        ...(plan.pace ? { lambda: plan.pace.lambda, gamma: plan.pace.gamma } : {}),
      };
      yield {
        type: 'validation',
        step: clock.step,
        epoch: epoch + 1,
        on: `${test.n} test images, student LeNet-5 after epoch ${epoch} (${(100 * plan.fraction).toFixed(1)}% of the training set admitted)`,
        metrics: { test_accuracy: testScores.accuracy, test_loss: testScores.meanCe },
        best: false,
      };
      await a.saveCurves();
      epoch += 1;
      batch = 0;
      plan = null;
      yield await a.checkpoint(snapshot(), epoch === c.epochs || budgetSpent() ? 'final' : 'interval');
    }
    return { stopped: false, parameters: countParams(params), samplesPerSec: trainMs > 0 ? (1000 * trainSamples) / trainMs : 0 };
  } finally {
    opt.dispose();
    disposeParams(params);
  }
}
