/**
 * Continual learning with DHP Softmax and synaptic consolidation (METHODS.md §4): an MLP learns a
 * sequence of tasks (Split MNIST, Permuted MNIST, its imbalanced variant, the Vision Datasets
 * Mixture) with a DHP Softmax or plain softmax head, optionally anchored by EWC, Online EWC, SI
 * or MAS; after each task, test accuracy on every task seen so far (the accuracy matrix).
 */
import { defineExperiment } from '../experiment';
import { estimateContinualMemory } from '../memory-count';
import { continualConfigSchema, continualPresets } from './config';
import { CONTINUAL_EXPERIMENT_ID, planContinual, trainContinual } from './train';

export const continualExperiment = defineExperiment({
  id: CONTINUAL_EXPERIMENT_ID,
  title: 'DHP Softmax: differentiable Hebbian plasticity for continual learning',
  description:
    'Learns a sequence of tasks (Split or Permuted MNIST, Fashion-MNIST, a mixture of vision datasets) with an MLP whose softmax layer has Hebbian fast weights, ' +
    'optionally with EWC, Online EWC, SI or MAS consolidation, and measures how much of each earlier task it still knows after every new one (METHODS.md §4; arXiv 2006.16558).',
  datasets: ['mnist', 'fashion-mnist', 'vision-mixture'],
  configSchema: continualConfigSchema,
  presets: continualPresets,
  // An MLP: matMul-bound, and wasm runs it 3-4.5× faster than the cpu backend with the same losses
  // to 1e-7 (bench/results/continual.md; its path has no gather, which wasm lacks).
  backendPurpose: 'matmul',
  plan: planContinual,
  estimateMemory: estimateContinualMemory,
  run: trainContinual,
});
