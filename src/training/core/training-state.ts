/**
 * Training state on disk: parameters, optimiser moments and loop counters in one safetensors
 * checkpoint, so `--resume` continues a run exactly (same updates, bit for bit on the same
 * backend: the data sampled at each step is a function of (seed, step), not of history).
 * Names: 'param/<dotted name>', 'opt/m/<name>', 'opt/v/<name>'.
 */
import * as tf from '@tensorflow/tfjs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Adam } from './adam';
import { type CheckpointTensor, loadCheckpoint, saveCheckpoint, type LoadedTensor } from './checkpoint';

export interface TrainingCounters {
  readonly step: number; // updates completed
  readonly optimizerStep: number; // Adam's t
  readonly bestMetric?: number; // best monitored validation metric so far
  readonly bestStep?: number;
}

export interface LoadedTrainingState {
  counters: TrainingCounters;
  metadata: Record<string, unknown>;
  tensors: Map<string, LoadedTensor>;
}

export async function readTrainingState(path: string): Promise<LoadedTrainingState> {
  const { tensors, metadata } = await loadCheckpoint(path);
  const counters = metadata.counters as TrainingCounters | undefined;
  if (!counters || typeof counters.step !== 'number') throw new Error(`checkpoint ${path}: no training counters in its metadata (not a Frugal Studio training checkpoint?)`);
  return { counters, metadata, tensors };
}

/** Copies saved parameters into `params`; every parameter must be present with its shape. */
export function restoreParams(state: LoadedTrainingState, params: Map<string, tf.Variable>, path: string): void {
  for (const [n, v] of params) {
    const t = state.tensors.get(`param/${n}`);
    if (!t) throw new Error(`checkpoint ${path}: parameter '${n}' is missing (a different model configuration?)`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint ${path}: parameter '${n}' has shape [${t.shape}], the model expects [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(t.data as Float32Array, t.shape, 'float32')));
  }
}

export function restoreOptimizer(state: LoadedTrainingState, optimizer: Adam, path: string): void {
  const moments = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [n, t] of state.tensors) if (n.startsWith('opt/')) moments.set(n.slice(4), { shape: t.shape, data: t.data as Float32Array });
  try {
    optimizer.loadState(moments, state.counters.optimizerStep);
  } catch (e) {
    throw new Error(`checkpoint ${path}: ${(e as Error).message}`);
  }
}

/** Checkpoint files in a folder, by step: names like 'step-000120.safetensors' or 'best-step-000100.safetensors'. */
export async function listCheckpoints(dir: string): Promise<{ file: string; step: number; kind: 'step' | 'best' }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^(best-)?step-(\d+)\.safetensors$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: join(dir, m[0]), step: Number(m[2]), kind: m[1] ? ('best' as const) : ('step' as const) }))
    .sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind));
}

export function checkpointName(step: number, best = false): string {
  return `${best ? 'best-' : ''}step-${String(step).padStart(6, '0')}.safetensors`;
}

/**
 * Writes `tensors` as the checkpoint of `step` in `dir` (best-step-… when `best`), unless that file
 * exists (e.g. the final step was just checkpointed at an interval), then prunes: one best, the
 * newest `keep` step checkpoints. Returns the file.
 */
export async function writePrunedCheckpoint(
  dir: string,
  step: number,
  best: boolean,
  tensors: Map<string, tf.Tensor | CheckpointTensor>,
  metadata: Record<string, unknown>,
  keep: number,
): Promise<string> {
  const existing = await listCheckpoints(dir);
  const file = join(dir, checkpointName(step, best));
  if (existing.some((e) => e.file === file)) return file;
  await saveCheckpoint(file, tensors, { ...metadata, format: 'frugal-training-state/1' });
  const same = existing.filter((e) => e.kind === (best ? 'best' : 'step'));
  const drop = best ? same : same.slice(0, Math.max(0, same.length + 1 - keep));
  for (const d of drop) await rm(d.file, { force: true });
  return file;
}
