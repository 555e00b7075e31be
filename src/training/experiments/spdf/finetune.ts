/**
 * SPDF fine-tuning (METHODS.md §1): continue an spdf-pretrain checkpoint on a data-to-text set.
 *   mode 'dense' (SPDF): the masks are dropped; re-enabled weights start at exactly 0 (they were
 *     masked), so step 0 is the sparse model, and they learn with a fresh AdamW;
 *   mode 'sparse' (the baseline): the masks stay, as in pre-training.
 * A pair (source, reference) becomes `source ⟨eot⟩ ␠reference ⟨eot⟩` (the layout of Li & Liang's
 * GPT-2 data-to-text fine-tuning); the loss counts only the reference and its end token. Validation:
 * loss and perplexity over the first reference of each validation input, corpus BLEU (sacreBLEU's
 * 13a) of greedy outputs against all references; a sample on the first validation input every
 * `sampleEvery` steps; FLOPs of fine-tuning and of the pre-training it started from.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../../shared/events';
import { flopReport } from '../../../shared/spdf-flops';
import { finetuneVariant } from '../../../shared/spdf-variant';
import { writePrunedCheckpoint } from '../../core/training-state';
import { epochOrder } from '../../data/images/batches';
import { loadDataToText, type D2TExample } from '../../data/text/data-to-text';
import { learningRate } from '../../loop/schedule';
import { runTrainer, type CheckpointReason } from '../../loop/trainer';
import { corpusBleu } from '../../metrics/bleu';
import { describeDecoding, generate, type Decoding } from '../../models/gpt-sample';
import { tokenizerFromSpec, type Tokenizer } from '../../text/tokenizer';
import type { ExperimentContext, RunPlan } from '../experiment';
import type { FinetuneConfig } from './config';
import { decodingOf, pretrainFactsOf, resolvePretrainCheckpoint, type PretrainFacts } from './facts';
import { checkpointTensors, createSpdfModel, readTrainingState, restoreSpdf, spdfOptimizer, trainStep, modelLoss, type SpdfModel } from './model';
import { flopShapeOf, sparsityEvent, withReports } from './reporting';
import { disposeMasks } from '../../sparsity/masks';

export const FINETUNE_EXPERIMENT_ID = 'spdf-finetune';

export interface FinetuneData {
  readonly format: string;
  /** One (source, reference) pair per training target. */
  readonly train: { source: string; reference: string }[];
  /** Validation inputs with all their references. */
  readonly val: D2TExample[];
  readonly notes: string[];
}

export async function loadFinetuneData(c: Pick<FinetuneConfig, 'data' | 'format'>): Promise<FinetuneData> {
  const set = await loadDataToText(c.data, c.format);
  const notes = [...set.notes];
  let val = set.val;
  let trainExamples = set.train;
  if (val.length === 0 && set.test.length > 0) {
    val = set.test;
    notes.push('no validation split: validating on the test split');
  } else if (val.length === 0) {
    const n = Math.max(1, Math.round(0.05 * trainExamples.length));
    val = trainExamples.slice(-n);
    trainExamples = trainExamples.slice(0, -n);
    notes.push(`no validation split: the last ${n} training input(s) are held out`);
  }
  const train = trainExamples.flatMap((e) => e.references.map((reference) => ({ source: e.source, reference })));
  if (train.length === 0) throw new Error(`${c.data}: no training examples`);
  return { format: set.format, train, val, notes };
}

/** Updates of a fine-tuning run: epochs over the pairs, capped by maxSteps. */
export function finetuneSteps(c: Pick<FinetuneConfig, 'epochs' | 'batchSize' | 'maxSteps'>, pairs: number): { totalSteps: number; stepsPerEpoch: number } {
  const stepsPerEpoch = Math.ceil(pairs / c.batchSize);
  const all = c.epochs * stepsPerEpoch;
  return { totalSteps: c.maxSteps > 0 ? Math.min(c.maxSteps, all) : all, stepsPerEpoch };
}

export async function planFinetune(c: FinetuneConfig): Promise<RunPlan<FinetuneData>> {
  const data = await loadFinetuneData(c);
  return { totalSteps: finetuneSteps(c, data.train.length).totalSteps, prepared: data };
}

/**
 * Token layout of one pair: prompt = source ⟨eot⟩, target = ␠reference ⟨eot⟩. A pair longer than
 * `maxLen` keeps the end of the prompt (at least half the window when the target needs it) and the
 * start of the target, so every pair trains on some of its target.
 */
export function encodePair(tok: Tokenizer, source: string, reference: string, maxLen: number): { ids: number[]; promptLen: number; cut: boolean } {
  const prompt = [...tok.encode(source), tok.eot];
  const target = [...tok.encode(` ${reference}`), tok.eot];
  if (prompt.length + target.length <= maxLen) return { ids: [...prompt, ...target], promptLen: prompt.length, cut: false };
  const keepTarget = Math.min(target.length, maxLen - Math.min(prompt.length, Math.floor(maxLen / 2)));
  const keptPrompt = prompt.slice(-(maxLen - keepTarget));
  return { ids: [...keptPrompt, ...target.slice(0, keepTarget)], promptLen: keptPrompt.length, cut: true };
}

/** Windows [B, L] padded with ⟨eot⟩ and the loss mask [B, L−1]: 1 where the predicted token is part of the target. */
export function pairBatch(rows: readonly { ids: number[]; promptLen: number }[], eot: number): { windows: tf.Tensor2D; lossMask: tf.Tensor2D; tokens: number } {
  const L = Math.max(...rows.map((r) => r.ids.length));
  const w = new Int32Array(rows.length * L).fill(eot);
  const m = new Float32Array(rows.length * (L - 1));
  rows.forEach((r, i) => {
    w.set(r.ids, i * L);
    for (let j = r.promptLen - 1; j < r.ids.length - 1; j++) m[i * (L - 1) + j] = 1; // position j predicts token j+1
  });
  return { windows: tf.tensor2d(w, [rows.length, L], 'int32'), lossMask: tf.tensor2d(m, [rows.length, L - 1]), tokens: rows.length * (L - 1) };
}

/** Mean target-token loss over the pairs (Σ nll / Σ target tokens). */
async function pairsLoss(model: SpdfModel, pairs: readonly { ids: number[]; promptLen: number }[], batch: number, eot: number): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pairs.length; i += batch) {
    const b = pairBatch(pairs.slice(i, i + batch), eot);
    const [loss, weight] = tf.tidy(() => [modelLoss(model, b.windows, b.lossMask), tf.sum(b.lossMask)]);
    const w = (await weight.data())[0];
    sum += (await loss.data())[0] * w;
    count += w;
    tf.dispose([loss, weight, b.windows, b.lossMask]);
  }
  return sum / Math.max(count, 1);
}

/** Greedy (or sampled) outputs for the sources, decoded and trimmed. */
export function generateOutputs(model: SpdfModel, tok: Tokenizer, sources: readonly string[], o: { maxNewTokens: number; decoding: Decoding; seed: number; batch: number }): string[] {
  const out: string[] = [];
  for (let i = 0; i < sources.length; i += o.batch) {
    const prompts = sources.slice(i, i + o.batch).map((s) => [...tok.encode(s), tok.eot].slice(-(model.cfg.contextLength - 1)));
    const ids = generate(model.params, model.cfg, prompts, { maxNewTokens: o.maxNewTokens, decoding: o.decoding, seed: o.seed + i, stopToken: tok.eot, masks: model.masks.size ? model.masks : undefined });
    out.push(...ids.map((x) => tok.decode(x).trim()));
  }
  return out;
}

export async function* trainFinetune(ctx: ExperimentContext<FinetuneConfig, FinetuneData>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const file = await resolvePretrainCheckpoint(c.from, ctx.run.dir);
  const source = await readTrainingState(file);
  const facts: PretrainFacts = pretrainFactsOf(source.metadata, file);
  const data = ctx.prepared ?? (await loadFinetuneData(c));
  const tok = tokenizerFromSpec(facts.tokenizer);
  const cfg = { ...facts.model, embedding: ctx.backend.chosen === 'tensorflow' ? ('gather' as const) : ('oneHot' as const) };
  const maxLen = cfg.contextLength + 1;
  const sparse = c.mode === 'sparse' && facts.sparsity > 0;
  const ftSparsity = sparse ? facts.sparsity : 0;
  const variant = finetuneVariant(facts.sparsity, c.mode);
  yield { type: 'log', level: 'info', message: `fine-tuning ${file} (pre-trained ${facts.sparsity > 0 ? `${Math.round(facts.sparsity * 100)} % sparse` : 'dense'} on ${facts.tokens.toLocaleString('en')} tokens): ${variant}` };
  yield { type: 'log', level: 'info', message: `data ${c.data} (${data.format}): ${data.train.length} training pair(s), ${data.val.length} validation input(s)${data.notes.length ? `; ${data.notes.join('; ')}` : ''}` };

  const train = data.train.map((p) => encodePair(tok, p.source, p.reference, maxLen));
  const val = data.val.map((e) => encodePair(tok, e.source, e.references[0], maxLen));
  const cut = train.filter((p) => p.cut).length;
  if (cut > 0) yield { type: 'log', level: 'warn', message: `${cut} of ${train.length} training pair(s) exceed the context of ${cfg.contextLength} tokens: the start of their source and the end of their reference are cut` };
  const bleuInputs = data.val.slice(0, c.bleuExamples);
  const decoding = decodingOf(c);
  const { totalSteps, stepsPerEpoch } = finetuneSteps(c, train.length);

  const model = createSpdfModel(cfg, c.seed, 0);
  let optimizer = spdfOptimizer(model, c);
  let startStep = 0;
  let tokens = 0;
  let best: { value: number; step: number } | undefined;
  const curves: { step: number; valLoss: number; bleu: number | null }[] = [];
  let samples: { source: string; references: string[]; output: string }[] = [];
  try {
    if (ctx.resumeFrom) {
      const state = await readTrainingState(ctx.resumeFrom);
      restoreSpdf(state, ctx.resumeFrom, model, optimizer); // masks come back only if this run kept them
      startStep = state.counters.step;
      tokens = Number(state.metadata.tokens ?? 0);
      if (state.counters.bestMetric !== undefined && state.counters.bestStep !== undefined) best = { value: state.counters.bestMetric, step: state.counters.bestStep };
      if (Array.isArray(state.metadata.curves)) curves.push(...(state.metadata.curves as typeof curves));
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom} at step ${startStep}` };
    } else {
      restoreSpdf(source, file, model); // weights and masks; AdamW starts fresh (METHODS.md §1)
      if (!sparse) disposeMasks(model.masks); // dense fine-tuning: the masked weights are 0 and now learn
      optimizer.dispose();
      optimizer = spdfOptimizer(model, c);
    }

    const ftFlops = () => flopReport(flopShapeOf(cfg), ftSparsity, tokens);
    const checkpoint = async (done: number, reason: CheckpointReason, bestNow?: { value: number; step: number }): Promise<string> =>
      writePrunedCheckpoint(
        ctx.run.checkpointsDir,
        done,
        reason === 'best',
        checkpointTensors(model, optimizer),
        { counters: { step: done, optimizerStep: optimizer.step, bestMetric: bestNow?.value, bestStep: bestNow?.step }, experiment: FINETUNE_EXPERIMENT_ID, pretrain: facts, mode: c.mode, tokens, monitor: 'val_loss', curves },
        c.keepCheckpoints,
      );
    const sample = async (step: number): Promise<EngineEventInput[]> => {
      const ex = data.val[0];
      const [text] = generateOutputs(model, tok, [ex.source], { maxNewTokens: c.maxNewTokens, decoding, seed: c.seed + step, batch: 1 });
      return [{ type: 'text-sample', step, prompt: ex.source, text, decoding: describeDecoding(decoding), reference: ex.references[0] }];
    };

    const trainer = runTrainer({
      totalSteps,
      startStep,
      stepsPerEpoch,
      validateEvery: c.validateEvery > 0 ? c.validateEvery : stepsPerEpoch,
      checkpointEvery: c.checkpointEvery,
      lrAt: (s) => learningRate(s, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps, decay: 'cosine', minLr: c.minLr, power: 1 }),
      trainStep: (step, lr) => {
        const order = epochOrder(train.length, c.seed, Math.floor(step / stepsPerEpoch));
        const first = (step % stepsPerEpoch) * c.batchSize;
        const rows = [...order.subarray(first, Math.min(first + c.batchSize, train.length))].map((i) => train[i]);
        const b = pairBatch(rows, tok.eot);
        tokens += b.tokens;
        try {
          return trainStep(model, optimizer, () => modelLoss(model, b.windows, b.lossMask), lr, c.gradClip).loss;
        } finally {
          tf.dispose([b.windows, b.lossMask]);
        }
      },
      validate: async (done) => {
        const loss = await pairsLoss(model, val, c.batchSize, tok.eot);
        let bleu: number | null = null;
        if (bleuInputs.length > 0) {
          const outputs = generateOutputs(model, tok, bleuInputs.map((e) => e.source), { maxNewTokens: c.maxNewTokens, decoding: { kind: 'greedy' }, seed: c.seed, batch: Math.max(c.batchSize, 16) });
          bleu = corpusBleu(outputs, bleuInputs.map((e) => e.references)).score;
          samples = bleuInputs.slice(0, 10).map((e, i) => ({ source: e.source, references: e.references, output: outputs[i] }));
        }
        curves.push({ step: done, valLoss: loss, bleu });
        return {
          metrics: { val_loss: loss, val_ppl: Math.exp(loss), ...(bleu !== null ? { bleu } : {}) },
          on: `${val.length} validation input(s)${bleu !== null ? `, BLEU on the first ${bleuInputs.length} (greedy)` : ''}`,
        };
      },
      monitor: { key: 'val_loss', mode: 'min' },
      best,
      checkpoint,
      signal: ctx.signal,
    });
    const result = yield* withReports(trainer, {
      sampleEvery: c.sampleEvery,
      sample,
      afterValidation: async (step) => [await sparsityEvent(model, step, 'finetune', ftSparsity, tokens, facts.flops)],
    });
    const last = curves.at(-1);
    return {
      task: FINETUNE_EXPERIMENT_ID,
      status: result.status,
      steps: result.steps,
      totalSteps,
      trainSeconds: result.trainSeconds,
      backend: ctx.backend.chosen,
      mode: c.mode,
      pretrainSparsity: facts.sparsity,
      pretrainRun: facts.runId,
      variant,
      data: c.data,
      format: data.format,
      trainPairs: train.length,
      valInputs: val.length,
      flops: { pretrain: facts.flops, finetune: ftFlops() },
      ...(last ? { valLoss: last.valLoss, valPerplexity: Math.exp(last.valLoss), ...(last.bleu !== null ? { bleu: last.bleu } : {}) } : {}),
      ...(result.best ? { bestValLoss: result.best.value, bestStep: result.best.step } : {}),
      curves,
      samples,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
