/**
 * Engine events: what a run reports while it trains, predicts or evaluates. Declared once, with
 * runtime schemas (zod); the run store appends them to metrics.jsonl, the CLI prints them
 * (`--json`: one per line), and the app receives them over IPC / WebSocket. Events carry numbers,
 * never tensors. No electron, DOM or tfjs imports here.
 */
import { z } from 'zod';

const base = { time: z.string().describe('ISO-8601 time the event was emitted') };

export const MemoryStats = z.object({
  tensors: z.number().int().describe('live tfjs tensors'),
  tensorBytes: z.number().describe('bytes held by live tfjs tensors'),
  rssBytes: z.number().describe('resident set size of the engine process'),
  gpuBytes: z.number().optional().describe('GPU bytes in use, where the backend reports them'),
});
export type MemoryStats = z.infer<typeof MemoryStats>;

export const RegionScores = z.record(z.string(), z.number());

export const StartedEvent = z.object({
  ...base,
  type: z.literal('started'),
  runId: z.string(),
  runDir: z.string(),
  experiment: z.string(),
  backend: z.string(),
  startStep: z.number().int(),
  totalSteps: z.number().int(),
  resumedFrom: z.string().optional().describe('checkpoint file a resumed run continues from'),
});

export const DatasetEvent = z.object({
  ...base,
  type: z.literal('dataset'),
  root: z.string(),
  trainCases: z.array(z.string()),
  valCases: z.array(z.string()),
  problems: z.array(z.object({ caseId: z.string(), path: z.string(), severity: z.enum(['error', 'warning']), message: z.string() })),
});

export const StepEvent = z.object({
  ...base,
  type: z.literal('step'),
  step: z.number().int().describe('updates completed'),
  totalSteps: z.number().int(),
  epoch: z.number().describe('fractional epoch'),
  loss: z.number().describe('training loss of this step, on its sampled patches'),
  lr: z.number(),
  stepMs: z.number().describe('wall time of this step'),
  etaSec: z.number().describe('estimated seconds to the end of training'),
  memory: MemoryStats,
});

export const ValidationEvent = z.object({
  ...base,
  type: z.literal('validation'),
  step: z.number().int(),
  epoch: z.number(),
  on: z.string().describe('what the metric is computed on, e.g. "4 validation cases, full volume"'),
  metrics: RegionScores.describe('metric name → value, e.g. dice_WT, dice_mean'),
  best: z.boolean().describe('the best value of the monitored metric so far'),
});

export const CheckpointEvent = z.object({
  ...base,
  type: z.literal('checkpoint'),
  step: z.number().int(),
  file: z.string(),
  reason: z.enum(['interval', 'best', 'final', 'stop']),
});

export const LogEvent = z.object({
  ...base,
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});

export const ProgressEvent = z.object({
  ...base,
  type: z.literal('progress'),
  task: z.string().describe('what is in progress, e.g. "predict" or "evaluate"'),
  done: z.number(),
  total: z.number(),
  item: z.string().optional(),
});

export const DoneEvent = z.object({
  ...base,
  type: z.literal('done'),
  status: z.enum(['completed', 'stopped', 'failed']),
  step: z.number().int(),
  error: z.string().optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
});

/** Continual learning: after training task `afterTask`, accuracy on every task seen (one row of the accuracy matrix). */
export const TaskEvalEvent = z.object({
  ...base,
  type: z.literal('task-eval'),
  step: z.number().int(),
  afterTask: z.number().int().describe('0-based index of the task just trained'),
  taskNames: z.array(z.string()).describe('every task of the sequence, in order'),
  accuracies: z.array(z.number()).describe('test accuracy on tasks 0..afterTask after training afterTask'),
  averageAccuracy: z.number(),
  forgetting: z.number().nullable().describe('mean over earlier tasks of (best earlier accuracy − now); null after the first task'),
  backwardTransfer: z.number().nullable(),
  plasticNorms: z.array(z.number()).optional().describe('DHP Softmax: norm of the plastic (Hebbian) component per class'),
});

/** Self-paced learning: one student epoch — how much data was admitted and what it scored. */
export const CurriculumEvent = z.object({
  ...base,
  type: z.literal('curriculum'),
  step: z.number().int(),
  epoch: z.number().int(),
  method: z.string().describe('spl-advise, spld or random'),
  admittedFraction: z.number().describe('fraction of the training set admitted this epoch'),
  testAccuracy: z.number(),
  lambda: z.number().optional(),
  gamma: z.number().optional(),
});

/** Self-paced learning: a 2-D projection (PCA) of a sample of the embedding, coloured by class and cluster. */
export const EmbeddingEvent = z.object({
  ...base,
  type: z.literal('embedding'),
  step: z.number().int(),
  epoch: z.number().int(),
  projection: z.enum(['pca']),
  points: z.array(z.tuple([z.number(), z.number()])),
  labels: z.array(z.number().int()),
  clusters: z.array(z.number().int()).describe('cluster id per point (global across classes)'),
  classNames: z.array(z.string()),
});

/** SPDF: the exact-zero fraction of every sparse matrix, whether masks are on, and the FLOPs spent so far. */
export const SparsityEvent = z.object({
  ...base,
  type: z.literal('sparsity'),
  step: z.number().int(),
  phase: z.enum(['pretrain', 'finetune']),
  masked: z.boolean().describe('masks applied (sparse training); false once fine-tuning turns dense'),
  matrices: z.array(z.string()).describe("the sparse matrices of a block, in column order: 'q', 'k', 'v', 'o', 'fc', 'proj'"),
  zeroFraction: z.array(z.array(z.number())).describe('[layer][matrix]: fraction of weights exactly 0'),
  flops: z.object({
    tokens: z.number().describe('tokens trained on so far in this run'),
    spent: z.number().describe('training FLOPs spent so far in this run (3 × forward, METHODS.md §1)'),
    denseEquivalent: z.number().describe('what the dense model would have spent on the same tokens'),
    pretrain: z
      .object({ tokens: z.number(), spent: z.number(), denseEquivalent: z.number() })
      .optional()
      .describe('fine-tuning: the FLOPs of the pre-training run it started from'),
  }),
});

/** SPDF: text the model generates from a fixed prompt (or a validation source) during training. */
export const TextSampleEvent = z.object({
  ...base,
  type: z.literal('text-sample'),
  step: z.number().int(),
  prompt: z.string(),
  text: z.string().describe('the continuation only (not the prompt)'),
  decoding: z.string().describe("how it was decoded, e.g. 'greedy' or 'top-k 40, temperature 0.8'"),
  reference: z.string().optional().describe('a reference output, when the prompt is a fine-tuning source'),
});

export const EngineEvent = z.discriminatedUnion('type', [
  StartedEvent,
  DatasetEvent,
  StepEvent,
  ValidationEvent,
  CheckpointEvent,
  LogEvent,
  ProgressEvent,
  DoneEvent,
  TaskEvalEvent,
  CurriculumEvent,
  EmbeddingEvent,
  SparsityEvent,
  TextSampleEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

type Untimed<T> = T extends unknown ? Omit<T, 'time'> : never;
/** An event before it is stamped with its time. */
export type EngineEventInput = Untimed<EngineEvent>;

export function stamp(e: EngineEventInput): EngineEvent {
  return { ...e, time: new Date().toISOString() } as EngineEvent;
}
