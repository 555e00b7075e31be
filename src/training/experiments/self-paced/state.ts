/**
 * Checkpoints of a self-paced run: one safetensors file per save (core/checkpoint.ts) holding
 * everything needed to continue exactly, named by the run's global step (step-000123.safetensors,
 * so the run driver's resume finds the newest):
 *
 *   embedding phase: 'emb/param/*', 'emb/opt/{m,v}/*' (Adam), 'emb/clusters/{assignments,
 *     centroids,sizes}' (the clustering in use), 'emb/losses' (latest Magnet loss per example,
 *     NaN = none yet); metadata: phase step, Adam step.
 *   student phase: 'student/param/*', 'student/opt/buf/*' (momentum), 'student/groups' (cluster or
 *     class of every training image), 'student/losses' (the ranking's loss table), and mid-epoch
 *     'student/order' (the epoch's planned visiting order); metadata: epoch, batch, λ₀, the plan.
 *   both: metadata 'counters' {step}, 'curves' (every point so far), 'embeddingSummary'.
 */
import * as tf from '@tensorflow/tfjs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CheckpointTensor, saveCheckpoint } from '../../core/checkpoint';
import { checkpointName, listCheckpoints, readTrainingState, type LoadedTrainingState } from '../../core/training-state';

export type Phase = 'embedding' | 'student';

export interface EmbeddingPoint {
  readonly step: number; // global step of the refresh
  readonly phaseStep: number; // Magnet steps done before it
  readonly magnetLoss: number | null; // mean Magnet loss of the steps since the previous refresh
  readonly nearestClusterAccuracy: number; // test images classified by their nearest centroid's class
  readonly inertia: number; // k-means Σ squared distances (per class, summed)
}

export interface StudentPoint {
  readonly epoch: number;
  readonly step: number; // global step at the end of the epoch
  readonly updates: number; // student updates at the end of the epoch (the budget counts these)
  readonly admittedFraction: number;
  readonly lambda: number | null; // λ of the epoch (null: epoch 0 / 'all')
  readonly gamma: number | null;
  readonly lr: number;
  readonly trainLoss: number; // mean training CE of the epoch's batches
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly seconds: number; // wall time of the epoch, training + scoring + test
}

export interface RunCurves {
  embedding: EmbeddingPoint[];
  student: StudentPoint[];
}

export interface Snapshot {
  readonly phase: Phase;
  readonly tensors: Map<string, tf.Tensor | CheckpointTensor>;
  readonly meta: Record<string, unknown>;
}

/** Named variables (or optimiser state) under a prefix, for a checkpoint. */
export function prefixed(prefix: string, named: Map<string, tf.Tensor>): [string, tf.Tensor][] {
  return [...named].map(([n, t]) => [`${prefix}${n}`, t]);
}

/** Saves a snapshot as step-<step>.safetensors (unless that file exists) and keeps the newest `keep`. */
export async function saveRunState(dir: string, step: number, snap: Snapshot, shared: Record<string, unknown>, keep: number): Promise<string> {
  const existing = await listCheckpoints(dir);
  const file = join(dir, checkpointName(step));
  if (existing.some((e) => e.file === file)) return file; // e.g. a stop right after an epoch checkpoint
  await saveCheckpoint(file, snap.tensors, { ...shared, ...snap.meta, phase: snap.phase, counters: { step, optimizerStep: step }, experiment: 'spl-advise', format: 'frugal-training-state/1' });
  const steps = existing.filter((e) => e.kind === 'step');
  for (const d of steps.slice(0, Math.max(0, steps.length + 1 - keep))) await rm(d.file, { force: true });
  return file;
}

export interface LoadedRunState extends LoadedTrainingState {
  readonly phase: Phase;
  readonly file: string;
}

export async function loadRunState(file: string): Promise<LoadedRunState> {
  const state = await readTrainingState(file);
  const phase = state.metadata.phase;
  if (phase !== 'embedding' && phase !== 'student') throw new Error(`checkpoint ${file}: not a self-paced run checkpoint (metadata 'phase' is ${JSON.stringify(phase)})`);
  return { ...state, phase, file };
}

/** A saved array by name, checked for its length; the error names the checkpoint and the entry. */
export function savedArray<T extends Float32Array | Int32Array | Uint8Array>(state: LoadedRunState, name: string, kind: new (n: number) => T, length?: number): T {
  const t = state.tensors.get(name);
  if (!t) throw new Error(`checkpoint ${state.file}: '${name}' is missing`);
  if (!(t.data instanceof kind)) throw new Error(`checkpoint ${state.file}: '${name}' has dtype ${t.dtype}`);
  if (length !== undefined && t.data.length !== length) throw new Error(`checkpoint ${state.file}: '${name}' holds ${t.data.length} values, this run needs ${length} (a different dataset or limit?)`);
  return t.data as T;
}

/** The parameters' or optimiser's saved entries under a prefix, with the prefix removed. */
export function unprefixed(state: LoadedRunState, prefix: string): Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>();
  for (const [n, t] of state.tensors) if (n.startsWith(prefix)) out.set(n.slice(prefix.length), { shape: t.shape, data: t.data });
  return out;
}

/** Copies saved values into variables by name; every variable must be saved with its shape. */
export function assignSaved(state: LoadedRunState, prefix: string, named: Map<string, tf.Variable>): void {
  const saved = unprefixed(state, prefix);
  for (const [n, v] of named) {
    const t = saved.get(n);
    if (!t) throw new Error(`checkpoint ${state.file}: '${prefix}${n}' is missing (a different model configuration?)`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint ${state.file}: '${prefix}${n}' has shape [${t.shape}], the model expects [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(t.data), t.shape, 'float32')));
  }
}
