/**
 * The methods of METHODS.md that have no experiment in the registry yet. They are listed (with
 * `built: false`) wherever experiments are listed, so the app shows what is coming instead of
 * hiding it. When one is built, move it from here into registry.ts.
 */
export interface PlannedExperiment {
  readonly id: string;
  readonly title: string;
  /** One line: what the method does and where it is specified. */
  readonly description: string;
  /** Dataset kinds it will train on. */
  readonly datasets: readonly string[];
}

export const PLANNED_EXPERIMENTS: readonly PlannedExperiment[] = [];
