/**
 * An experiment is data (DESIGN.md, Conventions): an id, a config schema with defaults (one
 * description per key), named presets, the datasets it accepts, and a `run(ctx)` that yields
 * events. The GUI renders its config form from the schema (as JSON Schema); the CLI takes the
 * same keys as flags (experiments/config.ts).
 *
 * Two optional declarations let the run driver say the truth in a run's 'started' event and card
 * before any training: `backendPurpose` (which backend the work suits; the driver and the CLI pass
 * it to backend selection) and `plan` (the number of updates, which may need the data loaded).
 */
import type { z } from 'zod';
import type { MemoryEstimate } from '../../shared/api';
import type { EngineEventInput } from '../../shared/events';
import type { BackendReport, SelectOptions } from '../backend/select';
import type { RunHandle } from '../runs/store';

/**
 * What backend selection is told about an experiment's tensor work. 'matmul': dense layers and
 * depth-1 convolutions (MLPs, LeNets), where wasm is right and several times faster than the
 * cpu backend, so a cpu-only machine trains on wasm; 'conv3d' (the default): 3D convolutions,
 * where wasm is refused (its Conv3D input gradient is wrong for depth > 1, ENVIRONMENT.md §2).
 */
export type BackendPurpose = NonNullable<SelectOptions['purpose']>;

export interface ExperimentContext<C, P = unknown> {
  readonly config: Readonly<C>;
  readonly run: RunHandle;
  /** Aborted when the user asks to stop: finish the step, checkpoint, return. */
  readonly signal: AbortSignal;
  /** Set when continuing a run: the checkpoint to restore. */
  readonly resumeFrom?: string;
  /** The backend this run trains on (tf.getBackend() while it runs). */
  readonly backend: BackendReport;
  /** What the experiment's `plan` prepared (e.g. the loaded data), when it has a plan. */
  readonly prepared?: P;
}

/** An experiment's plan of a run, made before its 'started' event. */
export interface RunPlan<P> {
  /** Updates the whole run makes (an upper bound where the run decides as it goes, e.g. a self-paced selection). */
  readonly totalSteps: number;
  /** Handed to `run` as ctx.prepared, so what the plan loaded is not loaded twice. */
  readonly prepared: P;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyObjectSchema = z.ZodObject<any>;

export interface Experiment<S extends AnyObjectSchema = AnyObjectSchema, P = unknown> {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Dataset kinds it trains on, e.g. ['brats']. */
  readonly datasets: readonly string[];
  readonly configSchema: S;
  /** Named partial configs; a preset's values sit between the defaults and explicit overrides. */
  readonly presets: Readonly<Record<string, { readonly description: string; readonly values: Partial<z.input<S>> }>>;
  /** The tensor work, for backend selection (default 'conv3d': wasm stays out). */
  readonly backendPurpose?: BackendPurpose;
  /**
   * Optional: loads what the run's size depends on and counts its updates, before the run's
   * 'started' event (which carries the count). Without it the driver takes epochs × stepsPerEpoch
   * from the config. An error here fails the run as one inside `run` would.
   */
  plan?(config: z.output<S>): Promise<RunPlan<P>>;
  /**
   * Optional: peak training memory counted from the config, with no tensor work (it answers while
   * a job trains). BraTS has none: the engine host measures its reversible net against the twin.
   */
  estimateMemory?(config: z.output<S>): MemoryEstimate;
  /** Yields events; returns the run's summary (status 'stopped' when it stopped early). */
  run(ctx: ExperimentContext<z.output<S>, P>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void>;
}

export function defineExperiment<S extends AnyObjectSchema, P = unknown>(e: Experiment<S, P>): Experiment<S, P> {
  return e;
}
