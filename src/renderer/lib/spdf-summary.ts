/**
 * The summaries of the SPDF experiments (the 'done' event's summary, summary.json, the run list's
 * `summary`), as the engine writes them for spdf-pretrain and spdf-finetune: the keys the GUI reads,
 * checked at run time. Extra keys pass; a summary without these keys (another experiment, an older
 * engine) parses to null.
 */
import { z } from 'zod';

export const FlopReportSchema = z.object({
  perToken: z.number(),
  densePerToken: z.number(),
  tokens: z.number(),
  spent: z.number(),
  denseEquivalent: z.number(),
  saved: z.number(),
  reduction: z.number(),
});
export type FlopReportOf = z.infer<typeof FlopReportSchema>;

const status = z.enum(['completed', 'stopped', 'failed']);
const metric = z.number().nullish().transform((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));

export const SpdfPretrainSummary = z.object({
  task: z.literal('spdf-pretrain'),
  status,
  steps: z.number(),
  sparsity: z.number().min(0).max(1),
  tokens: z.number(),
  flops: FlopReportSchema,
  valLoss: metric,
  valPerplexity: metric,
  curves: z.array(z.object({ step: z.number(), valLoss: z.number() })),
  /** Not in the engine's summary yet: the corpus, so runs on different data are told apart. */
  data: z.string().optional(),
});

export const SpdfFinetuneSummary = z.object({
  task: z.literal('spdf-finetune'),
  status,
  steps: z.number(),
  mode: z.enum(['dense', 'sparse']),
  pretrainSparsity: z.number().min(0).max(1),
  pretrainRun: z.string(),
  variant: z.string(),
  flops: z.object({ pretrain: FlopReportSchema, finetune: FlopReportSchema }),
  valLoss: metric,
  valPerplexity: metric,
  bleu: metric,
  curves: z.array(z.object({ step: z.number(), valLoss: z.number(), bleu: z.number().nullish() })),
  data: z.string().optional(),
});

export const SpdfSummary = z.discriminatedUnion('task', [SpdfPretrainSummary, SpdfFinetuneSummary]);
export type SpdfSummary = z.infer<typeof SpdfSummary>;
export type SpdfPretrainSummary = z.infer<typeof SpdfPretrainSummary>;
export type SpdfFinetuneSummary = z.infer<typeof SpdfFinetuneSummary>;

/** The summary as an SPDF summary, or null when it is not one. */
export function spdfSummaryOf(summary: unknown): SpdfSummary | null {
  const r = SpdfSummary.safeParse(summary);
  return r.success ? r.data : null;
}
