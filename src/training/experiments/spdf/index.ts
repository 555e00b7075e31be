/**
 * SPDF (METHODS.md §1; arXiv 2303.10464): GPT pre-training with static unstructured weight sparsity,
 * then dense fine-tuning. Two experiments so that one pre-training run can be fine-tuned several
 * ways (dense, sparse) and each run is one curve in the comparison.
 */
import { defineExperiment } from '../experiment';
import { finetuneConfigSchema, finetunePresets, pretrainConfigSchema, pretrainPresets } from './config';
import { FINETUNE_EXPERIMENT_ID, planFinetune, trainFinetune } from './finetune';
import { planPretrain, PRETRAIN_EXPERIMENT_ID, trainPretrain } from './pretrain';

export const spdfPretrainExperiment = defineExperiment({
  id: PRETRAIN_EXPERIMENT_ID,
  title: 'SPDF: sparse pre-training',
  description:
    'A GPT pre-trained on plain text, dense or with a static random mask on every attention and FFN matrix (50 %, 75 % …): ' +
    'validation loss and perplexity, text samples, the sparsity of every matrix and the training FLOPs spent against the dense model.',
  datasets: ['text'],
  configSchema: pretrainConfigSchema,
  presets: pretrainPresets,
  backendPurpose: 'matmul',
  plan: planPretrain,
  run: trainPretrain,
});

export const spdfFinetuneExperiment = defineExperiment({
  id: FINETUNE_EXPERIMENT_ID,
  title: 'SPDF: dense fine-tuning',
  description:
    'Fine-tunes an SPDF pre-training run on a data-to-text set (E2E, WebNLG, DART or JSONL): dense (the masks are dropped and the ' +
    're-enabled weights learn from 0) or sparse (the baseline). Validation loss, perplexity and BLEU.',
  datasets: ['data-to-text'],
  configSchema: finetuneConfigSchema,
  presets: finetunePresets,
  backendPurpose: 'matmul',
  plan: planFinetune,
  run: trainFinetune,
});
