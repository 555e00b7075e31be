/**
 * SPL-ADVisE: self-paced learning with adaptive deep visual embeddings (METHODS.md §5;
 * Thangarasa & Taylor, BMVC 2018, arXiv 1807.09200), with its SPLD, Random and all-data baselines
 * from the same code path.
 */
import { defineExperiment } from '../experiment';
import { estimateSelfPacedMemory } from '../memory-count';
import { selfPacedConfigSchema, selfPacedPresets } from './config';
import { planSelfPaced, trainSelfPaced } from './train';

export const selfPacedExperiment = defineExperiment({
  id: 'spl-advise',
  title: 'SPL-ADVisE: self-paced learning with adaptive visual embeddings',
  description:
    'A LeNet student trained easy-samples-first: a Magnet-loss embedding CNN clusters each class, and every epoch the self-paced rule admits ' +
    'the samples whose loss is below a growing threshold within each cluster, with a bonus that keeps every cluster represented. ' +
    'Baselines SPLD (classes as groups), Random and all-data from the same code, on Fashion-MNIST, MNIST or your own image folder or CSV.',
  datasets: ['fashion-mnist', 'mnist', 'images'],
  configSchema: selfPacedConfigSchema,
  presets: selfPacedPresets,
  // LeNets: dense layers and 2-D convolutions run as depth-1 conv3d on host backends, whose
  // gradients are right on wasm (models/lenet.ts); the student trains 2.2× faster there than on
  // cpu, gradients equal to 1.9e-6 (bench/results/self-paced.md).
  backendPurpose: 'matmul',
  plan: planSelfPaced,
  estimateMemory: estimateSelfPacedMemory,
  run: trainSelfPaced,
});
