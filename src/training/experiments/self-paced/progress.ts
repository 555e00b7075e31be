/**
 * Step events of a self-paced run. Both phases (Magnet-loss embedding, then the student) count
 * one global step, so a run's step events form one sequence and a checkpoint's step names its
 * place in it. `total` is an estimate until the curriculum has planned every epoch: each future
 * student epoch counts as a full pass over the training set (an upper bound, `plannedSteps` before
 * the run), lowered as each epoch's selection is made; every step event carries the current one.
 */
import type { EngineEventInput } from '../../../shared/events';
import { memorySnapshot } from '../../backend/memory';
import { throwOnDeviceErrors } from '../../backend/webgpu';
import { needsEmbedding, studentUpdatesAtMost, type SelfPacedExperimentConfig } from './config';

/** Global steps of a whole run, at most: the Magnet steps (spl-advise only) plus the student's updates. */
export function plannedSteps(c: Pick<SelfPacedExperimentConfig, 'method' | 'embeddingSteps' | 'epochs' | 'batchSize' | 'studentUpdates'>, trainImages: number): number {
  return (needsEmbedding(c.method) ? c.embeddingSteps : 0) + studentUpdatesAtMost(c, trainImages);
}

export class StepClock {
  step: number; // global steps done
  total: number; // estimated global steps of the whole run
  private readonly recent: number[] = [];

  constructor(step: number, total: number) {
    this.step = step;
    this.total = total;
  }

  /** Records one finished step and returns its event (the loss must be finite). */
  stepEvent(loss: number, lr: number, epoch: number, stepMs: number, what: string): EngineEventInput {
    throwOnDeviceErrors(`at step ${this.step + 1}`);
    if (!Number.isFinite(loss)) throw new Error(`training diverged: ${what} loss is ${loss} at step ${this.step + 1} (try a lower learning rate)`);
    this.step += 1;
    this.total = Math.max(this.total, this.step);
    this.recent.push(stepMs);
    if (this.recent.length > 20) this.recent.shift();
    const sorted = [...this.recent].sort((a, b) => a - b);
    const etaSec = ((this.total - this.step) * sorted[sorted.length >> 1]) / 1000;
    const m = memorySnapshot();
    const memory = { tensors: m.tensors, tensorBytes: m.bytes, rssBytes: m.rss, ...(m.gpuBytes !== undefined ? { gpuBytes: m.gpuBytes } : {}) };
    return { type: 'step', step: this.step, totalSteps: this.total, epoch, loss, lr, stepMs, etaSec, memory };
  }
}

/** One real event-loop turn: on the cpu backend awaits settle at once, and a stop request (Ctrl-C,
 * the app's Stop) is only delivered when Node gets a turn. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
