/**
 * What an SPDF pre-training checkpoint says about itself (its metadata), so a fine-tuning run can
 * rebuild the model and tokenizer and carry the pre-training FLOPs; and where a fine-tuning run's
 * `from` points: a run folder, a run id beside this run, or a checkpoint file.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FlopReport } from '../../../shared/spdf-flops';
import { listCheckpoints } from '../../core/training-state';
import { validateGptConfig, type GptConfig } from '../../models/gpt';
import type { Decoding } from '../../models/gpt-sample';
import type { TokenizerSpec } from '../../text/tokenizer';

export interface PretrainFacts {
  readonly experiment: 'spdf-pretrain';
  readonly runId: string;
  readonly sparsity: number;
  readonly tokenizer: TokenizerSpec;
  readonly model: GptConfig;
  readonly tokens: number;
  readonly flops: FlopReport;
  readonly data: string;
  readonly samplePrompt: string;
}

/** The pre-training facts of a checkpoint's metadata; a clear error when it is not an spdf-pretrain checkpoint. */
export function pretrainFactsOf(metadata: Record<string, unknown>, file: string): PretrainFacts {
  if (metadata.experiment !== 'spdf-pretrain') throw new Error(`${file}: not an spdf-pretrain checkpoint (its experiment is ${JSON.stringify(metadata.experiment ?? null)})`);
  const m = metadata as unknown as PretrainFacts;
  if (typeof m.sparsity !== 'number' || !m.tokenizer || !m.model || !m.flops) throw new Error(`${file}: spdf-pretrain checkpoint without its sparsity, tokenizer, model or FLOPs metadata`);
  validateGptConfig(m.model);
  return m;
}

/** The checkpoint `from` names: the file itself, or the newest step checkpoint of a run folder (by path, or by id beside `runDir`). */
export async function resolvePretrainCheckpoint(from: string, runDir: string): Promise<string> {
  const st = await stat(from).catch(() => null);
  if (st?.isFile()) return from;
  const dir = st?.isDirectory() ? from : (await stat(join(dirname(runDir), from)).catch(() => null))?.isDirectory() ? join(dirname(runDir), from) : null;
  if (!dir) throw new Error(`from: '${from}' is neither a checkpoint file, a run folder nor a run id in ${dirname(runDir)}`);
  const cks = (await listCheckpoints(join(dir, 'checkpoints'))).filter((c) => c.kind === 'step');
  if (cks.length === 0) throw new Error(`from: run ${dir} has no checkpoints (did its pre-training run at least one step?)`);
  return cks.at(-1)!.file;
}

export function decodingOf(c: { decoding: 'greedy' | 'sample'; temperature: number; topK: number }): Decoding {
  return c.decoding === 'greedy' ? { kind: 'greedy' } : { kind: 'sample', temperature: c.temperature, topK: c.topK };
}
