/**
 * An experiment is data (DESIGN.md, Conventions): an id, a config schema with defaults (one
 * description per key), named presets, the datasets it accepts, and a `run(ctx)` that yields
 * events. The GUI renders its config form from the schema (as JSON Schema); the CLI takes the
 * same keys as flags (experiments/config.ts).
 */
import type { z } from 'zod';
import type { EngineEventInput } from '../../shared/events';
import type { BackendReport } from '../backend/select';
import type { RunHandle } from '../runs/store';

export interface ExperimentContext<C> {
  readonly config: Readonly<C>;
  readonly run: RunHandle;
  /** Aborted when the user asks to stop: finish the step, checkpoint, return. */
  readonly signal: AbortSignal;
  /** Set when continuing a run: the checkpoint to restore. */
  readonly resumeFrom?: string;
  readonly backend: BackendReport;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyObjectSchema = z.ZodObject<any>;

export interface Experiment<S extends AnyObjectSchema = AnyObjectSchema> {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Dataset kinds it trains on, e.g. ['brats']. */
  readonly datasets: readonly string[];
  readonly configSchema: S;
  /** Named partial configs; a preset's values sit between the defaults and explicit overrides. */
  readonly presets: Readonly<Record<string, { readonly description: string; readonly values: Partial<z.input<S>> }>>;
  /** Yields events; returns the run's summary (status 'stopped' when it stopped early). */
  run(ctx: ExperimentContext<z.output<S>>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void>;
}

export function defineExperiment<S extends AnyObjectSchema>(e: Experiment<S>): Experiment<S> {
  return e;
}
