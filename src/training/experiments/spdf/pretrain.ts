/**
 * SPDF pre-training (METHODS.md §1): a GPT trained on plain text with static unstructured sparsity s
 * on every Q, K, V, attention-output and FFN matrix (s = 0: the dense baseline). Next-token loss on
 * random windows of the training stream (a pure function of (seed, step): resume is exact), AdamW
 * with gradient clipping, warm-up + cosine decay; validation loss and perplexity on held-out windows,
 * a text sample from a fixed prompt every `sampleEvery` steps, and the FLOPs spent against the dense
 * model on the same tokens. The checkpoint carries the tokenizer, the model shape, the masks and the
 * FLOPs, so `spdf-finetune` can continue from it.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../../shared/events';
import { flopReport } from '../../../shared/spdf-flops';
import { pretrainVariant } from '../../../shared/spdf-variant';
import { writePrunedCheckpoint } from '../../core/training-state';
import { loadTextCorpus } from '../../data/text/corpus';
import { splitTokens, trainWindows, valWindows } from '../../data/text/lm-windows';
import { learningRate } from '../../loop/schedule';
import { runTrainer, type CheckpointReason } from '../../loop/trainer';
import { gptConfig, gptParamCount, sparseWeightNames, type GptConfig } from '../../models/gpt';
import { describeDecoding, generate } from '../../models/gpt-sample';
import { buildCharTokenizer, gpt2MergesTokenizer, gpt2Tokenizer, type Tokenizer } from '../../text/tokenizer';
import type { ExperimentContext, RunPlan } from '../experiment';
import type { PretrainConfig } from './config';
import { checkpointTensors, createSpdfModel, modelLoss, readTrainingState, restoreSpdf, spdfOptimizer, trainStep, type SpdfModel } from './model';
import { decodingOf, type PretrainFacts } from './facts';
import { flopShapeOf, sparsityEvent, withReports } from './reporting';

export const PRETRAIN_EXPERIMENT_ID = 'spdf-pretrain';

export interface PretrainData {
  readonly tokenizer: Tokenizer;
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly files: number;
  readonly bytes: number;
}

export async function loadPretrainData(c: PretrainConfig): Promise<PretrainData> {
  const corpus = await loadTextCorpus(c.data);
  const tokenizer =
    c.tokenizer === 'gpt2' ? gpt2Tokenizer() : c.tokenizer === 'gpt2-merges' ? gpt2MergesTokenizer(c.bpeMerges) : buildCharTokenizer(corpus.documents.map((d) => d.text).join('\n'), { maxChars: c.maxChars });
  const docs = corpus.documents.map((d) => Int32Array.from(tokenizer.encode(d.text)));
  const { train, val } = splitTokens(docs, c.valFraction, tokenizer.eot);
  if (train.length < c.contextLength + 1) throw new Error(`${c.data}: ${train.length} training tokens, fewer than one sequence of contextLength + 1 = ${c.contextLength + 1}`);
  if (val.length < c.contextLength + 1) throw new Error(`${c.data}: ${val.length} validation tokens (valFraction ${c.valFraction}), fewer than one sequence of ${c.contextLength + 1}; raise valFraction or lower contextLength`);
  return { tokenizer, train, val, files: corpus.files, bytes: corpus.bytes };
}

/** The GPT of a pre-training config: the named size, then the non-zero overrides; oneHot embedding except on tfjs-node. */
export function pretrainModelConfig(c: Pick<PretrainConfig, 'size' | 'nLayer' | 'dModel' | 'nHead' | 'contextLength'>, vocabSize: number, backend: string): GptConfig {
  return gptConfig(
    {
      vocabSize,
      contextLength: c.contextLength,
      ...(c.nLayer > 0 ? { nLayer: c.nLayer } : {}),
      ...(c.dModel > 0 ? { dModel: c.dModel } : {}),
      ...(c.nHead > 0 ? { nHead: c.nHead } : {}),
      embedding: backend === 'tensorflow' ? 'gather' : 'oneHot', // wasm has no UnsortedSegmentSum (ENVIRONMENT.md §3)
    },
    c.size,
  );
}

export async function planPretrain(c: PretrainConfig): Promise<RunPlan<PretrainData>> {
  return { totalSteps: c.steps, prepared: await loadPretrainData(c) };
}

/** Mean next-token loss over the held-out windows (equal lengths, so the mean over windows is the mean over tokens). */
export async function windowsLoss(model: SpdfModel, windows: readonly Int32Array[], batch: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < windows.length; i += batch) {
    const rows = windows.slice(i, i + batch);
    const len = rows[0].length;
    const flat = new Int32Array(rows.length * len);
    rows.forEach((r, j) => flat.set(r, j * len));
    const loss = tf.tidy(() => modelLoss(model, tf.tensor2d(flat, [rows.length, len], 'int32')));
    sum += (await loss.data())[0] * rows.length;
    loss.dispose();
  }
  return sum / windows.length;
}

export async function* trainPretrain(ctx: ExperimentContext<PretrainConfig, PretrainData>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const data = ctx.prepared ?? (await loadPretrainData(c));
  const cfg = pretrainModelConfig(c, data.tokenizer.vocabSize, ctx.backend.chosen);
  const T = cfg.contextLength;
  yield { type: 'log', level: 'info', message: `corpus ${c.data}: ${data.files} file(s), ${data.bytes.toLocaleString('en')} bytes → ${data.train.length.toLocaleString('en')} training and ${data.val.length.toLocaleString('en')} validation tokens (${data.tokenizer.describe()})` };

  if (cfg.embedding === 'oneHot' && cfg.vocabSize > 4096) {
    const mb = (c.batchSize * T * cfg.vocabSize * 4) / 2 ** 20;
    yield { type: 'log', level: 'warn', message: `the ${ctx.backend.chosen} backend embeds tokens as one-hot rows (it has no gather gradient): ${cfg.vocabSize.toLocaleString('en')} tokens × ${c.batchSize}·${T} positions is ${mb.toFixed(0)} MB per step; the gpt2-merges or char tokenizer, or a GPU (tfjs-node-gpu), suits this vocabulary better` };
  }
  const model = createSpdfModel(cfg, c.seed, c.sparsity);
  const optimizer = spdfOptimizer(model, c);
  const shape = flopShapeOf(cfg);
  const tokensPerStep = c.batchSize * T;
  let startStep = 0;
  let best: { value: number; step: number } | undefined;
  const curves: { step: number; valLoss: number }[] = [];
  const validation = valWindows(data.val, T + 1, c.valWindows);
  const decoding = decodingOf(c);
  const promptIds = data.tokenizer.encode(c.samplePrompt);
  if (promptIds.length === 0) throw new Error(`samplePrompt: the prompt must not be empty`);
  try {
    if (ctx.resumeFrom) {
      const state = await readTrainingState(ctx.resumeFrom);
      restoreSpdf(state, ctx.resumeFrom, model, optimizer);
      startStep = state.counters.step;
      if (state.counters.bestMetric !== undefined && state.counters.bestStep !== undefined) best = { value: state.counters.bestMetric, step: state.counters.bestStep };
      if (Array.isArray(state.metadata.curves)) curves.push(...(state.metadata.curves as typeof curves));
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom} at step ${startStep}` };
    }
    const nParams = gptParamCount(cfg);
    const sparseParams = sparseWeightNames(cfg).reduce((n, name) => n + model.named.get(name)!.size, 0);
    yield {
      type: 'log',
      level: 'info',
      message:
        `model: GPT ${cfg.nLayer} layers × ${cfg.dModel} wide, ${cfg.nHead} heads, context ${T}, ${nParams.toLocaleString('en')} parameters; ` +
        (c.sparsity > 0 ? `${Math.round(c.sparsity * 100)} % sparse on ${sparseParams.toLocaleString('en')} of them (static random masks)` : 'dense') +
        `; ${(flopReport(shape, c.sparsity, 1).reduction).toFixed(2)}× fewer training FLOPs per token than dense`,
    };

    const facts = (done: number): PretrainFacts => ({
      experiment: PRETRAIN_EXPERIMENT_ID,
      runId: ctx.run.id,
      sparsity: c.sparsity,
      tokenizer: data.tokenizer.spec,
      model: cfg,
      tokens: done * tokensPerStep,
      flops: flopReport(shape, c.sparsity, done * tokensPerStep),
      data: c.data,
      samplePrompt: c.samplePrompt,
    });
    const checkpoint = async (done: number, reason: CheckpointReason, bestNow?: { value: number; step: number }): Promise<string> =>
      writePrunedCheckpoint(
        ctx.run.checkpointsDir,
        done,
        reason === 'best',
        checkpointTensors(model, optimizer),
        { counters: { step: done, optimizerStep: optimizer.step, bestMetric: bestNow?.value, bestStep: bestNow?.step }, ...facts(done), monitor: 'val_loss', curves },
        c.keepCheckpoints,
      );

    const sample = async (step: number): Promise<EngineEventInput[]> => {
      const [ids] = generate(model.params, cfg, [promptIds], { maxNewTokens: c.sampleTokens, decoding, seed: c.seed + step, masks: model.masks.size ? model.masks : undefined });
      return [{ type: 'text-sample', step, prompt: c.samplePrompt, text: data.tokenizer.decode(ids), decoding: describeDecoding(decoding) }];
    };
    const trainer = runTrainer({
      totalSteps: c.steps,
      startStep,
      stepsPerEpoch: Math.max(1, Math.floor(data.train.length / tokensPerStep)),
      validateEvery: c.validateEvery > 0 ? c.validateEvery : c.steps,
      checkpointEvery: c.checkpointEvery,
      lrAt: (s) => learningRate(s, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps: c.steps, decay: 'cosine', minLr: c.minLr, power: 1 }),
      trainStep: (step, lr) => {
        const w = tf.tensor2d(trainWindows(data.train, c.batchSize, T + 1, c.seed, step), [c.batchSize, T + 1], 'int32');
        try {
          return trainStep(model, optimizer, () => modelLoss(model, w), lr, c.gradClip).loss;
        } finally {
          w.dispose();
        }
      },
      validate: async (done) => {
        const loss = await windowsLoss(model, validation, c.batchSize);
        curves.push({ step: done, valLoss: loss });
        return { metrics: { val_loss: loss, val_ppl: Math.exp(loss) }, on: `${validation.length} held-out sequence(s) of ${T} tokens` };
      },
      monitor: { key: 'val_loss', mode: 'min' },
      best,
      checkpoint,
      signal: ctx.signal,
    });
    const result = yield* withReports(trainer, {
      sampleEvery: c.sampleEvery,
      sample,
      afterValidation: async (step) => [await sparsityEvent(model, step, 'pretrain', c.sparsity, step * tokensPerStep)],
    });
    const tokens = result.steps * tokensPerStep;
    const trained = (result.steps - startStep) * tokensPerStep;
    const last = curves.at(-1);
    return {
      task: PRETRAIN_EXPERIMENT_ID,
      status: result.status,
      steps: result.steps,
      totalSteps: c.steps,
      trainSeconds: result.trainSeconds,
      backend: ctx.backend.chosen,
      sparsity: c.sparsity,
      variant: pretrainVariant(c.sparsity),
      data: c.data,
      model: { nLayer: cfg.nLayer, dModel: cfg.dModel, nHead: cfg.nHead, contextLength: T, vocabSize: cfg.vocabSize, ffnWidth: shape.ffnWidth, parameters: nParams, sparseParameters: sparseParams },
      tokenizer: data.tokenizer.spec.kind,
      tokens,
      tokensPerSecond: result.trainSeconds > 0 ? trained / result.trainSeconds : 0,
      flops: flopReport(shape, c.sparsity, tokens),
      ...(last ? { valLoss: last.valLoss, valPerplexity: Math.exp(last.valLoss) } : {}),
      ...(result.best ? { bestValLoss: result.best.value, bestStep: result.best.step } : {}),
      curves,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
