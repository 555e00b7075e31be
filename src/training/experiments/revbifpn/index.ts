/**
 * RevBiFPN (METHODS.md §2; arXiv 2206.14098): the fully reversible bidirectional feature pyramid
 * as an image classifier (ImageNet-style class folders) and as a detector backbone (COCO format,
 * FCOS-style head). Both train the reversible net or, with `reversible: false`, its twin.
 */
import { defineExperiment } from '../experiment';
import { planClassify, trainClassify, CLASSIFY_EXPERIMENT_ID } from './classify';
import { classifyConfigSchema, classifyPresets, detectConfigSchema, detectPresets } from './config';
import { DETECT_EXPERIMENT_ID, planDetect, trainDetect } from './detect';

export const revbifpnClassifyExperiment = defineExperiment({
  id: CLASSIFY_EXPERIMENT_ID,
  title: 'RevBiFPN: image classification',
  description:
    'A fully reversible bidirectional feature pyramid (RevSilo) classifies images from ImageNet-style class folders; its activations are recomputed ' +
    'in the backward pass, so training memory per sample stays flat as the network deepens. Top-1/top-5 and the confusion matrix; S0–S6 sizes.',
  datasets: ['images'],
  configSchema: classifyConfigSchema,
  presets: classifyPresets,
  plan: planClassify,
  run: trainClassify,
});

export const revbifpnDetectExperiment = defineExperiment({
  id: DETECT_EXPERIMENT_ID,
  title: 'RevBiFPN: object detection',
  description:
    'RevBiFPN as a detection backbone on COCO-format data: its four scales feed an anchor-free FCOS head. COCO AP (AP50, AP75, small/medium/large, AR), ' +
    'per-class AP and a viewer of predicted and ground-truth boxes.',
  datasets: ['coco'],
  configSchema: detectConfigSchema,
  presets: detectPresets,
  plan: planDetect,
  run: trainDetect,
});
