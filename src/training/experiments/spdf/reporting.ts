/**
 * What both SPDF experiments report besides the trainer's events: the 'sparsity' event (exact-zero
 * fraction of every sparse matrix, whether masks are on, FLOPs so far), 'text-sample' events, and
 * the loop that interleaves them with the trainer's events.
 */
import type { EngineEventInput } from '../../../shared/events';
import { flopReport, type FlopShape } from '../../../shared/spdf-flops';
import type { TrainerResult } from '../../loop/trainer';
import type { GptConfig } from '../../models/gpt';
import { MATRIX_COLUMNS, layerZeroFractions, type SpdfModel } from './model';

export const flopShapeOf = (cfg: GptConfig, contextLength = cfg.contextLength): FlopShape => ({
  nLayer: cfg.nLayer,
  dModel: cfg.dModel,
  ffnWidth: cfg.ffnMultiplier * cfg.dModel,
  contextLength,
  vocabSize: cfg.vocabSize,
});

/** The 'sparsity' event after `step` updates: `sparsity` is what the FLOPs are counted at (0 when the model trains dense). */
export async function sparsityEvent(
  model: SpdfModel,
  step: number,
  phase: 'pretrain' | 'finetune',
  sparsity: number,
  tokens: number,
  pretrain?: { tokens: number; spent: number; denseEquivalent: number },
): Promise<EngineEventInput> {
  const r = flopReport(flopShapeOf(model.cfg), sparsity, tokens);
  return {
    type: 'sparsity',
    step,
    phase,
    masked: model.masks.size > 0,
    matrices: [...MATRIX_COLUMNS],
    zeroFraction: await layerZeroFractions(model),
    flops: { tokens, spent: r.spent, denseEquivalent: r.denseEquivalent, ...(pretrain ? { pretrain: { tokens: pretrain.tokens, spent: pretrain.spent, denseEquivalent: pretrain.denseEquivalent } } : {}) },
  };
}

/**
 * Passes the trainer's events on; after each validation also yields `afterValidation(step)`'s
 * events, and after every `sampleEvery`-th step `sample(step)`'s. Returns the trainer's result.
 */
export async function* withReports(
  trainer: AsyncGenerator<EngineEventInput, TrainerResult, void>,
  hooks: { sampleEvery: number; sample(step: number): Promise<EngineEventInput[]>; afterValidation(step: number): Promise<EngineEventInput[]> },
): AsyncGenerator<EngineEventInput, TrainerResult, void> {
  let r = await trainer.next();
  while (!r.done) {
    const e = r.value;
    yield e;
    if (e.type === 'validation') yield* await hooks.afterValidation(e.step);
    if (e.type === 'step' && hooks.sampleEvery > 0 && e.step % hooks.sampleEvery === 0) yield* await hooks.sample(e.step);
    r = await trainer.next();
  }
  return r.value;
}
