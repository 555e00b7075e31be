/**
 * Checkpoints of a continual run: one safetensors file (core/checkpoint.ts) with everything that
 * decides what comes next, so a resumed run continues exactly (same updates on the same backend):
 *   'model/<param>'   every parameter, and 'model/dhp/hebb', the Hebbian trace (never reset)
 *   'opt/<key>'       the optimiser's state (Adam's moments; nothing for SGD)
 *   'est/<key>'       the importance estimator's state (Fisher/Ω and anchors; SI's running ω
 *                     and start values when stopped inside a task)
 * and in the metadata: the counters (global `step` for the run store, the optimiser's step), the
 * position (`task` in progress or next, `stepInTask` updates of it done), the estimator's metadata,
 * and the results so far (accuracy matrix rows, per-task times), so the summary of a resumed run
 * covers the whole sequence. Names follow core/training-state.ts (`step-000120.safetensors`), which
 * the run driver's resume looks for.
 */
import type * as tf from '@tensorflow/tfjs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, type LoadedTensor } from '../../core/checkpoint';
import { checkpointName, listCheckpoints } from '../../core/training-state';
import type { ContinualClassifier } from '../../continual/classifier';
import type { ImportanceEstimator } from '../../continual/importance';
import type { Optimizer } from '../../core/optimizer';

export const CONTINUAL_STATE_FORMAT = 'frugal-continual-state/1';

/** What the run has measured so far (JSON). */
export interface ContinualProgress {
  /** R[i] = test accuracies on tasks 0..i after training task i. */
  accuracies: number[][];
  /** Wall seconds of training (updates only) per finished task. */
  trainSeconds: number[];
  /** Wall seconds of consolidation + evaluation per finished task. */
  evalSeconds: number[];
  /** DHP: ‖α⊙Hebb‖ per class after each finished task. */
  plasticNorms: number[][];
}

export interface ContinualPosition {
  /** Updates completed in the whole run. */
  step: number;
  /** The task in progress, or the next one to start. */
  task: number;
  /** Updates of `task` done (0 = it has not started). */
  stepInTask: number;
}

export interface ContinualState {
  position: ContinualPosition;
  progress: ContinualProgress;
  optimizerStep: number;
  /** Training seconds already spent on the task in progress (a stop inside a task). */
  secondsInTask: number;
  estimatorMeta: Record<string, unknown> | null;
  /** Tensors by their saved name without the 'model/' | 'opt/' | 'est/' prefix. */
  model: Map<string, LoadedTensor>;
  optimizer: Map<string, LoadedTensor>;
  estimator: Map<string, LoadedTensor>;
}

export interface SaveParts {
  model: ContinualClassifier;
  optimizer: Optimizer;
  estimator: ImportanceEstimator | null;
  position: ContinualPosition;
  progress: ContinualProgress;
  extra?: Record<string, unknown>;
}

/**
 * Writes the checkpoint of `parts.position.step` into `dir` (returns the existing file when that
 * step was already saved: a stop right at a task boundary) and keeps the newest `keep` files.
 */
export async function saveContinualState(dir: string, parts: SaveParts, keep: number): Promise<string> {
  const existing = await listCheckpoints(dir);
  const file = join(dir, checkpointName(parts.position.step));
  if (existing.some((e) => e.file === file)) return file;
  const tensors = new Map<string, tf.Tensor>();
  for (const [k, t] of parts.model.stateTensors()) tensors.set(`model/${k}`, t);
  for (const [k, t] of parts.optimizer.stateTensors()) tensors.set(`opt/${k}`, t);
  if (parts.estimator) for (const [k, t] of parts.estimator.stateTensors()) tensors.set(`est/${k}`, t);
  await saveCheckpoint(file, tensors, {
    ...parts.extra,
    format: CONTINUAL_STATE_FORMAT,
    counters: { step: parts.position.step, optimizerStep: parts.optimizer.step },
    position: parts.position,
    progress: parts.progress,
    estimator: parts.estimator ? parts.estimator.stateMeta() : null,
  });
  const all = [...existing, { file, step: parts.position.step }].sort((a, b) => a.step - b.step);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(old.file, { force: true });
  return file;
}

function isCounts(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number'));
}

export async function readContinualState(path: string): Promise<ContinualState> {
  const { tensors, metadata } = await loadCheckpoint(path);
  if (metadata.format !== CONTINUAL_STATE_FORMAT) {
    throw new Error(`checkpoint ${path}: format ${JSON.stringify(metadata.format)} is not a continual-learning state (${CONTINUAL_STATE_FORMAT})`);
  }
  const pos = metadata.position as ContinualPosition | undefined;
  const progress = metadata.progress as ContinualProgress | undefined;
  const counters = metadata.counters as { optimizerStep?: unknown } | undefined;
  if (!pos || ![pos.step, pos.task, pos.stepInTask].every((v) => Number.isInteger(v) && v >= 0)) throw new Error(`checkpoint ${path}: metadata 'position' = ${JSON.stringify(pos)} must hold integer step, task and stepInTask ≥ 0`);
  if (!progress || !isCounts(progress.accuracies) || !Array.isArray(progress.trainSeconds) || !Array.isArray(progress.evalSeconds) || !isCounts(progress.plasticNorms)) {
    throw new Error(`checkpoint ${path}: metadata 'progress' must hold accuracies, trainSeconds, evalSeconds and plasticNorms`);
  }
  if (progress.accuracies.length !== pos.task) throw new Error(`checkpoint ${path}: ${progress.accuracies.length} accuracy rows for ${pos.task} finished task(s)`);
  const optimizerStep = counters?.optimizerStep;
  if (typeof optimizerStep !== 'number' || !Number.isInteger(optimizerStep)) throw new Error(`checkpoint ${path}: metadata counters.optimizerStep is missing`);
  const part = (prefix: string) => new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  return {
    position: pos,
    progress,
    optimizerStep,
    secondsInTask: typeof metadata.secondsInTask === 'number' ? metadata.secondsInTask : 0,
    estimatorMeta: (metadata.estimator as Record<string, unknown> | null | undefined) ?? null,
    model: part('model/'),
    optimizer: part('opt/'),
    estimator: part('est/'),
  };
}
