/**
 * Importance estimators by name (configs and checkpoints carry the name), with their options.
 */
import { Ewc, OnlineEwc, type EwcOptions, type OnlineEwcOptions } from './ewc';
import { ESTIMATOR_KINDS, type EstimatorKind, type ImportanceEstimator } from './importance';
import { Mas, type MasOptions } from './mas';
import { Si, type SiOptions } from './si';

export type EstimatorOptions = Partial<OnlineEwcOptions & SiOptions & MasOptions & EwcOptions>;

/** A fresh estimator; options irrelevant to the kind are ignored. */
export function createEstimator(kind: EstimatorKind, options: EstimatorOptions = {}): ImportanceEstimator {
  const pick = <K extends keyof EstimatorOptions>(...keys: K[]) => Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  switch (kind) {
    case 'ewc':
      return new Ewc(pick('fisher', 'samples'));
    case 'online-ewc':
      return new OnlineEwc(pick('fisher', 'samples', 'gamma'));
    case 'si':
      return new Si(pick('xi'));
    case 'mas':
      return new Mas(pick('samples'));
    default:
      throw new Error(`continual: estimator '${String(kind)}' is not one of ${ESTIMATOR_KINDS.join(', ')}`);
  }
}

/** Rebuilds an estimator from checkpointed state (stateTensors + stateMeta, whose `kind` names it). */
export function restoreEstimator(tensors: Parameters<ImportanceEstimator['loadState']>[0], meta: Record<string, unknown>): ImportanceEstimator {
  const kind = meta.kind as EstimatorKind;
  if (!ESTIMATOR_KINDS.includes(kind)) throw new Error(`continual: checkpointed estimator kind ${JSON.stringify(meta.kind)} is not one of ${ESTIMATOR_KINDS.join(', ')}`);
  const est = createEstimator(kind, meta as EstimatorOptions);
  est.loadState(tensors, meta);
  return est;
}
