/**
 * The generic training loop: steps, learning-rate schedule, periodic validation with a monitored
 * metric, checkpoints (interval, best, final, on stop), clean stopping, and progress events with
 * ETA and memory. Experiments supply the step, validation and checkpoint functions; the loop owns
 * the order of things and the events, so every experiment reports the same way.
 *
 * A step's tensor work is synchronous; between steps the loop awaits the loss value, which lets
 * the event loop deliver a stop request (Ctrl-C, the app's Stop button) before the next step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../shared/events';
import { memorySnapshot } from '../backend/memory';
import { throwOnDeviceErrors } from '../backend/webgpu';

export type CheckpointReason = 'interval' | 'best' | 'final' | 'stop';

export interface TrainerSpec {
  readonly totalSteps: number;
  /** Updates already done (a resumed run starts here). */
  readonly startStep: number;
  readonly stepsPerEpoch: number;
  /** Validate after every this many steps and at the end; 0 never. */
  readonly validateEvery: number;
  /** Checkpoint after every this many steps; the final and stop checkpoints are always written. */
  readonly checkpointEvery: number;
  /** The update for step `step` (0-based) at learning rate `lr`; returns the loss, which the loop disposes. */
  trainStep(step: number, lr: number): tf.Scalar;
  /** Async preparation of step `step` (e.g. loading the cases its batch samples from). */
  beforeStep?(step: number): Promise<void>;
  lrAt(step: number): number;
  validate?(stepsDone: number): Promise<{ metrics: Record<string, number>; on: string }>;
  /** Which validation metric decides the best checkpoint. */
  readonly monitor?: { readonly key: string; readonly mode: 'max' | 'min' };
  /** Best monitored value so far (a resumed run carries it over). */
  readonly best?: { readonly value: number; readonly step: number };
  checkpoint(stepsDone: number, reason: CheckpointReason, best: { value: number; step: number } | undefined): Promise<string>;
  readonly signal: AbortSignal;
}

export interface TrainerResult {
  status: 'completed' | 'stopped';
  steps: number;
  best?: { value: number; step: number };
  lastMetrics?: Record<string, number>;
  trainSeconds: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

function memoryStats() {
  const m = memorySnapshot();
  return { tensors: m.tensors, tensorBytes: m.bytes, rssBytes: m.rss, ...(m.gpuBytes !== undefined ? { gpuBytes: m.gpuBytes } : {}) };
}

export async function* runTrainer(spec: TrainerSpec): AsyncGenerator<EngineEventInput, TrainerResult, void> {
  const t0 = performance.now();
  const recent: number[] = [];
  let validationMs = 0;
  let best = spec.best ? { ...spec.best } : undefined;
  let lastMetrics: Record<string, number> | undefined;
  const validationsLeft = (done: number): number =>
    spec.validate && spec.validateEvery > 0 ? Math.ceil(spec.totalSteps / spec.validateEvery) - Math.floor(done / spec.validateEvery) : 0;

  /** Validation after `done` steps; at 0 it is the untrained baseline (never "best"). */
  async function* validateAt(done: number): AsyncGenerator<EngineEventInput, void, void> {
    if (!spec.validate) return;
    const v0 = performance.now();
    const { metrics, on } = await spec.validate(done);
    validationMs = performance.now() - v0;
    lastMetrics = metrics;
    let isBest = false;
    if (spec.monitor && done > 0) {
      const value = metrics[spec.monitor.key];
      if (value === undefined) throw new Error(`validation returned no '${spec.monitor.key}' (got ${Object.keys(metrics).join(', ')})`);
      const better = best === undefined || (spec.monitor.mode === 'max' ? value > best.value : value < best.value);
      if (better) {
        best = { value, step: done };
        isBest = true;
      }
    }
    yield { type: 'validation', step: done, epoch: done / spec.stepsPerEpoch, on, metrics, best: isBest };
    if (isBest) yield { type: 'checkpoint', step: done, file: await spec.checkpoint(done, 'best', best), reason: 'best' };
  }

  let step = spec.startStep;
  // A fresh run validates once before its first update: the baseline the curve starts from.
  if (step === 0 && spec.validateEvery > 0) yield* validateAt(0);
  while (step < spec.totalSteps) {
    if (spec.signal.aborted) {
      yield { type: 'checkpoint', step, file: await spec.checkpoint(step, 'stop', best), reason: 'stop' };
      return { status: 'stopped', steps: step, best, lastMetrics, trainSeconds: (performance.now() - t0) / 1000 };
    }
    const lr = spec.lrAt(step);
    const s0 = performance.now();
    await spec.beforeStep?.(step);
    const lossT = spec.trainStep(step, lr);
    const loss = (await lossT.data())[0];
    throwOnDeviceErrors(`at step ${step + 1}`);
    lossT.dispose();
    // On the cpu backend every await above settles at once, so without a real event-loop turn
    // Node would deliver no signal (Ctrl-C) and no message (the app's Stop) until training ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stepMs = performance.now() - s0;
    if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at step ${step + 1} (try a lower lr or more warm-up steps)`);
    step += 1;
    recent.push(stepMs);
    if (recent.length > 20) recent.shift();
    const etaSec = ((spec.totalSteps - step) * median(recent) + validationsLeft(step) * validationMs) / 1000;
    yield { type: 'step', step, totalSteps: spec.totalSteps, epoch: step / spec.stepsPerEpoch, loss, lr, stepMs, etaSec, memory: memoryStats() };

    const last = step === spec.totalSteps;
    if (spec.validateEvery > 0 && (step % spec.validateEvery === 0 || last)) yield* validateAt(step);
    if (!last && spec.checkpointEvery > 0 && step % spec.checkpointEvery === 0) {
      yield { type: 'checkpoint', step, file: await spec.checkpoint(step, 'interval', best), reason: 'interval' };
    }
  }
  yield { type: 'checkpoint', step, file: await spec.checkpoint(step, 'final', best), reason: 'final' };
  return { status: 'completed', steps: step, best, lastMetrics, trainSeconds: (performance.now() - t0) / 1000 };
}
