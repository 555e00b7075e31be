/**
 * BraTS brain-tumour segmentation with the reversible MBConv 3D U-Net (METHODS.md §3).
 */
import { defineExperiment } from '../experiment';
import { bratsConfigSchema, bratsPresets } from './config';
import { trainBrats } from './train';

export const bratsExperiment = defineExperiment({
  id: 'brats',
  title: 'BraTS segmentation: reversible MBConv 3D U-Net',
  description:
    'Segments glioma sub-regions (whole tumour, tumour core, enhancing tumour) in multi-modal MRI (T1, T1ce, T2, FLAIR). ' +
    'Reversible blocks recompute activations in the backward pass instead of storing them, so larger patches or wider nets fit in the same memory.',
  datasets: ['brats'],
  configSchema: bratsConfigSchema,
  presets: bratsPresets,
  run: trainBrats,
});
