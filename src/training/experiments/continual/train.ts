/**
 * A continual-learning run (METHODS.md §4): for each task in order, train on it (a 'step' event
 * with the mean loss every `logEvery` updates and at the task's end), consolidate the importance
 * estimator on it, measure test accuracy on every task seen so far ('task-eval': one row of the
 * accuracy matrix), rewrite continual.json, and write a task-boundary checkpoint. A stop request
 * ends the current update, writes a 'stop' checkpoint holding the position inside the task, and
 * returns; resuming continues from any checkpoint with exactly the batches and state an
 * uninterrupted run would have had.
 */
import type { EngineEventInput } from '../../../shared/events';
import { memorySnapshot } from '../../backend/memory';
import { throwOnDeviceErrors } from '../../backend/webgpu';
import { mixSeed, Rng } from '../../core/rng';
import { mlpClassifier } from '../../continual/classifier';
import { createEstimator, restoreEstimator } from '../../continual/estimators';
import type { ImportanceEstimator } from '../../continual/importance';
import { useHostPath } from '../../continual/host-path';
import { createOptimizer } from '../../core/optimizer';
import { consolidateTask, evaluateAccuracy, trainTask } from '../../continual/train-task';
import { mlpConfig } from '../../models/mlp';
import type { CheckpointReason } from '../../loop/trainer';
import type { ExperimentContext, RunPlan } from '../experiment';
import { headOptions, estimatorOptions, methodName, optimizerSettings, penaltyStrength, type ContinualConfig } from './config';
import { loadContinualData, stepsPerEpoch, taskBatches, viewBatches, type ContinualData } from './data';
import { continualResults, RESULT_DEFINITIONS, taskEvalEvent, taskEvalLine } from './results';
import { readContinualState, saveContinualState, type ContinualPosition, type ContinualProgress } from './state';

export const CONTINUAL_EXPERIMENT_ID = 'dhp-continual';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
/** A real event-loop turn: on host backends every await settles at once, and a stop request (Ctrl-C, the app's Stop) needs one to arrive. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Mean loss and ms per update over the updates since the last step event. */
function meanSince() {
  let losses: number[] = [];
  let ms: number[] = [];
  return {
    push(loss: number, stepMs: number) {
      losses.push(loss);
      ms.push(stepMs);
    },
    take(): { loss: number; ms: number } {
      const out = { loss: sum(losses) / losses.length, ms: sum(ms) / ms.length };
      losses = [];
      ms = [];
      return out;
    },
  };
}

function memoryStats() {
  const m = memorySnapshot();
  return { tensors: m.tensors, tensorBytes: m.bytes, rssBytes: m.rss, ...(m.gpuBytes !== undefined ? { gpuBytes: m.gpuBytes } : {}) };
}

/** Updates per task: ⌈training images / batch⌉ per epoch (the last batch may be smaller), times the epochs. */
export function taskStepCounts(data: ContinualData, c: Pick<ContinualConfig, 'batchSize' | 'epochs'>): number[] {
  return data.tasks.map((t) => stepsPerEpoch(t, c.batchSize) * c.epochs);
}

/** Loads the task sequence (the run gets it as ctx.prepared) and counts the run's updates. */
export async function planContinual(c: ContinualConfig): Promise<RunPlan<ContinualData>> {
  const data = await loadContinualData(c);
  return { totalSteps: sum(taskStepCounts(data, c)), prepared: data };
}

export async function* trainContinual(ctx: ExperimentContext<ContinualConfig, ContinualData>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const data = ctx.prepared ?? (await loadContinualData(c));
  yield { type: 'log', level: 'info', message: data.description };
  const T = data.tasks.length;
  const taskNames = data.tasks.map((t) => t.name);
  const spe = data.tasks.map((t) => stepsPerEpoch(t, c.batchSize));
  const taskSteps = taskStepCounts(data, c);
  const totalSteps = sum(taskSteps);
  const lambda = penaltyStrength(c);
  // The backend the run trains on: the driver chose it before the run (runs/backend.ts).
  const facts = { experiment: CONTINUAL_EXPERIMENT_ID, benchmark: c.benchmark, method: methodName(c.head, c.importance), taskNames, backend: ctx.backend.chosen };

  const mlp = mlpConfig({ inputSize: data.inputSize, hiddenSizes: c.hiddenSizes, numClasses: data.numClasses });
  const model = mlpClassifier(mlp, c.head, new Rng(c.seed).fork('init'), headOptions(c));
  const optimizer = createOptimizer(model.named, optimizerSettings(c), { hostLoop: useHostPath });
  let estimator: ImportanceEstimator | null = c.importance === 'none' ? null : createEstimator(c.importance, estimatorOptions(c));
  let position: ContinualPosition = { step: 0, task: 0, stepInTask: 0 };
  let progress: ContinualProgress = { accuracies: [], trainSeconds: [], evalSeconds: [], plasticNorms: [] };
  let secondsInTask = 0;
  try {
    if (ctx.resumeFrom) {
      const s = await readContinualState(ctx.resumeFrom);
      const where = `checkpoint ${ctx.resumeFrom}`;
      if (s.position.task > T || (s.position.task < T && s.position.stepInTask > taskSteps[s.position.task])) {
        throw new Error(`${where}: position ${JSON.stringify(s.position)} does not fit this run's ${T} task(s) of ${taskSteps.join('/')} updates`);
      }
      model.loadState(s.model);
      optimizer.loadState(s.optimizer as Map<string, { shape: number[]; data: Float32Array }>, s.optimizerStep);
      if (estimator) {
        if (!s.estimatorMeta) throw new Error(`${where}: no importance-estimator state, but this run uses ${c.importance}`);
        estimator.dispose();
        estimator = restoreEstimator(s.estimator, s.estimatorMeta);
      }
      position = s.position;
      progress = s.progress;
      secondsInTask = s.secondsInTask;
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom}: task ${Math.min(position.task + 1, T)}/${T}, ${position.stepInTask} of its ${taskSteps[position.task] ?? 0} updates done, step ${position.step}/${totalSteps}` };
    }
    const nParams = sum([...model.named.values()].map((v) => v.size));
    yield {
      type: 'log',
      level: 'info',
      message: `model: MLP ${[data.inputSize, ...c.hiddenSizes].join('→')} with a ${c.head === 'dhp' ? 'DHP Softmax' : 'softmax'} head over ${data.numClasses} classes${data.multiHead ? ' (each task reads its own classes)' : ''}, ${nParams.toLocaleString('en')} parameters; ${facts.method}${lambda > 0 ? ` (${c.importance === 'si' ? 'c' : 'λ'} = ${lambda})` : ''}; ${c.optimizer} lr ${c.lr}, batch ${c.batchSize}, ${c.epochs} epoch(s) per task, ${totalSteps} updates`,
    };

    const checkpoint = async (reason: CheckpointReason): Promise<EngineEventInput> => {
      const file = await saveContinualState(ctx.run.checkpointsDir, { model, optimizer, estimator, position, progress, extra: { experiment: CONTINUAL_EXPERIMENT_ID, secondsInTask } }, c.keepCheckpoints);
      return { type: 'checkpoint', step: position.step, file, reason };
    };
    const result = (status: 'completed' | 'stopped') => ({ status, steps: position.step, totalSteps, parameters: nParams, ...continualResults(facts, progress) });

    const recent: number[] = [];
    const interval = meanSince();
    for (let t = position.task; t < T; t++) {
      const task = data.tasks[t];
      const from = position.task === t ? position.stepInTask : 0;
      if (from === 0) secondsInTask = 0;
      const batches = taskBatches(task, { batchSize: c.batchSize, epochs: c.epochs, seed: c.seed, from });
      for (let k = from; k < taskSteps[t]; k++) {
        if (ctx.signal.aborted) {
          yield await checkpoint('stop');
          return result('stopped');
        }
        const s0 = performance.now();
        const r = await trainTask({ model, batches, optimizer, classes: task.classes, estimator, lambda, maxSteps: 1, readEvery: 1, beginTask: k === 0 }).catch((e: Error) => {
          throw new Error(`task ${t + 1} (${task.name}), update ${k + 1} of ${taskSteps[t]}: ${e.message.replace(/ at step 0 /, ' ')}`);
        });
        if (r.steps !== 1) throw new Error(`task ${t + 1}: its batches ran out after ${k} of ${taskSteps[t]} updates`);
        throwOnDeviceErrors(`at step ${position.step + 1}`);
        await turn();
        const stepMs = performance.now() - s0;
        secondsInTask += stepMs / 1000;
        position = { step: position.step + 1, task: t, stepInTask: k + 1 };
        recent.push(stepMs);
        if (recent.length > 20) recent.shift();
        interval.push(r.losses[0], stepMs);
        if (position.step % c.logEvery !== 0 && k + 1 < taskSteps[t]) continue;
        const evalLeft = (T - progress.evalSeconds.length) * (progress.evalSeconds.at(-1) ?? 0);
        const { loss, ms } = interval.take();
        yield {
          type: 'step',
          step: position.step,
          totalSteps,
          epoch: t * c.epochs + (k + 1) / spe[t],
          loss,
          lr: c.lr,
          stepMs: ms,
          etaSec: ((totalSteps - position.step) * median(recent)) / 1000 + evalLeft,
          memory: memoryStats(),
        };
      }

      // End of task t: consolidate, then test on every task seen so far.
      const e0 = performance.now();
      if (estimator) consolidateTask(model, estimator, { batches: viewBatches(task.train, c.batchSize, mixSeed(c.seed, 'importance', t)), classes: task.classes });
      const row: number[] = [];
      for (let j = 0; j <= t; j++) row.push(await evaluateAccuracy(model, viewBatches(data.tasks[j].test, c.evalBatchSize), data.tasks[j].classes));
      const norms = await model.plasticNorms();
      progress = {
        accuracies: [...progress.accuracies, row],
        trainSeconds: [...progress.trainSeconds, secondsInTask],
        evalSeconds: [...progress.evalSeconds, (performance.now() - e0) / 1000],
        plasticNorms: norms ? [...progress.plasticNorms, norms] : progress.plasticNorms,
      };
      const ev = taskEvalEvent(position.step, taskNames, progress);
      yield ev;
      yield { type: 'log', level: 'info', message: taskEvalLine(ev, T) };
      await ctx.run.writeJson('continual.json', { ...continualResults(facts, progress), config: c, definitions: RESULT_DEFINITIONS }, { overwrite: true });
      position = { step: position.step, task: t + 1, stepInTask: 0 };
      secondsInTask = 0;
      yield await checkpoint(t === T - 1 ? 'final' : 'interval');
      await turn();
    }
    return result('completed');
  } finally {
    estimator?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
