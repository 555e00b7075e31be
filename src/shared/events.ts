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

export const EngineEvent = z.discriminatedUnion('type', [
  StartedEvent,
  DatasetEvent,
  StepEvent,
  ValidationEvent,
  CheckpointEvent,
  LogEvent,
  ProgressEvent,
  DoneEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

type Untimed<T> = T extends unknown ? Omit<T, 'time'> : never;
/** An event before it is stamped with its time. */
export type EngineEventInput = Untimed<EngineEvent>;

export function stamp(e: EngineEventInput): EngineEvent {
  return { ...e, time: new Date().toISOString() } as EngineEvent;
}
