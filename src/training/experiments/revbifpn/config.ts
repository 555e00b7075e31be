/**
 * Configuration of the two RevBiFPN experiments (METHODS.md §2): image classification from
 * ImageNet-style class folders, and object detection on COCO-format data with an FCOS-style head.
 * One schema per experiment, with a default and a description per key (the CLI's flags and the
 * GUI's form come from it); the model keys are shared.
 *
 * Defaults are the paper's model at its own resolution (S0 at 224; a GPU's work). The `cpu-demo`
 * presets are what trains in minutes here on `frugal demo-data images|coco` data: S0 with one
 * extension stage instead of two, small images. The model learns slowly from scratch at this
 * scale (classify-learning.test.ts: training loss 1.58 → 1.22 in 40 steps on demo shapes).
 */
import { z } from 'zod';
import { REVBIFPN_VARIANTS, revbifpnConfig, type RevBifpnConfig } from '../../models/revbifpn';

const int = () => z.number().int();

const modelKeys = {
  model: z.enum(REVBIFPN_VARIANTS).default('S0').describe('RevBiFPN size S0–S6 (the scaling table of METHODS.md §2: width, extension stages, dropout, stochastic depth)').meta({ title: 'Model size' }),
  width: z.number().min(0).max(8).default(0).describe("channel multiplier w (channels ⌊w·base⌋ rounded down to a multiple of 16); 0 = the size's own").meta({ title: 'Width multiplier' }),
  extLayers: int().min(0).max(8).default(0).describe("num_ext_layers: 4-scale stages after the 3 growth stages; 0 = the size's own (S0: 2)").meta({ title: 'Extension stages' }),
  reversible: z.boolean().default(true).describe('reversible backbone (activations recomputed in the backward pass); false trains the non-reversible twin with the same weights').meta({ title: 'Reversible' }),
  seed: int().min(0).default(0).describe('seed of initialisation, data order, augmentation, stochastic depth and dropout').meta({ title: 'Seed' }),
};

const optimKeys = {
  batchSize: int().positive().default(32).describe('images per update').meta({ title: 'Batch size' }),
  epochs: int().positive().default(100).describe('passes over the training images').meta({ title: 'Epochs' }),
  lr: z.number().positive().default(1e-3).describe('peak learning rate of AdamW').meta({ title: 'Learning rate' }),
  weightDecay: z.number().min(0).default(0.05).describe('decoupled weight decay (AdamW)').meta({ title: 'Weight decay' }),
  warmupSteps: int().min(0).default(500).describe('linear warm-up of the learning rate from 0, in updates').meta({ title: 'Warm-up steps' }),
  decay: z.enum(['cosine', 'poly', 'constant']).default('cosine').describe('learning-rate decay after warm-up').meta({ title: 'Decay' }),
  minLr: z.number().min(0).default(1e-6).describe('learning rate at the end of the decay').meta({ title: 'Minimum learning rate' }),
  validateEvery: int().min(0).default(1).describe('validate every this many epochs (0 = only at the end)').meta({ title: 'Validate every (epochs)' }),
  checkpointEvery: int().min(0).default(1).describe('checkpoint every this many epochs (also on stop and at the end)').meta({ title: 'Checkpoint every (epochs)' }),
  keepCheckpoints: int().positive().default(2).describe('interval checkpoints kept (plus the best)').meta({ title: 'Checkpoints kept' }),
};

export const classifyConfigSchema = z.object({
  data: z.string().min(1).describe('image-classification folder: train/ and val/ folders of class folders (ImageNet layout), or one folder of class folders (then valFraction is held out)').meta({ title: 'Dataset folder' }),
  valFraction: z.number().min(0.05).max(0.5).default(0.2).describe('fraction held out for validation (seeded) when the folder has no val/ split').meta({ title: 'Validation fraction' }),
  limitPerClass: int().min(0).default(0).describe('at most this many training images per class, first in name order (0 = all)').meta({ title: 'Training images per class' }),
  imageSize: int().min(0).max(1024).default(0).describe("training and validation crop size in pixels, a multiple of 32; 0 = the size's resolution (S0: 224)").meta({ title: 'Image size' }),
  minCropScale: z.number().min(0.01).max(1).default(0.08).describe('RandomResizedCrop: smallest crop area as a fraction of the image (0.08 as torchvision)').meta({ title: 'Minimum crop scale' }),
  labelSmoothing: z.number().min(0).max(0.5).default(0.1).describe('label smoothing of the cross-entropy').meta({ title: 'Label smoothing' }),
  ...modelKeys,
  ...optimKeys,
});
export type ClassifyConfig = z.output<typeof classifyConfigSchema>;

export const detectConfigSchema = z.object({
  data: z
    .string()
    .min(1)
    .describe('COCO-format folder: annotations/instances_train*.json and instances_val*.json, images in train*/ and val*/ (as `frugal demo-data coco` writes, or COCO 2017)')
    .meta({ title: 'Dataset folder' }),
  imageSize: int().min(32).max(2048).default(512).describe('images are letterboxed into a square of this many pixels, a multiple of 32').meta({ title: 'Image size' }),
  trainLimit: int().min(0).default(0).describe('train on the first this many training images (0 = all)').meta({ title: 'Training images' }),
  valLimit: int().min(0).default(500).describe('evaluate on the first this many validation images (0 = all)').meta({ title: 'Validation images' }),
  flip: z.boolean().default(true).describe('random horizontal flips in training').meta({ title: 'Flip augmentation' }),
  headWidth: int().min(8).max(512).default(128).describe('FCOS head: common width of the lateral 1×1 convs and the shared towers').meta({ title: 'Head width' }),
  towerConvs: int().min(0).max(4).default(2).describe('FCOS head: 3×3 conv + GroupNorm + ReLU layers in each tower').meta({ title: 'Tower convs' }),
  scoreThreshold: z.number().min(0).max(1).default(0.05).describe('detections below this class score are dropped before NMS').meta({ title: 'Score threshold' }),
  nmsIou: z.number().min(0).max(1).default(0.6).describe('per-class non-maximum suppression IoU').meta({ title: 'NMS IoU' }),
  maxDetections: int().min(1).max(1000).default(100).describe('detections kept per image (COCO evaluates up to 100)').meta({ title: 'Max detections' }),
  ...modelKeys,
  ...optimKeys,
  lr: z.number().positive().default(1e-3).describe('peak learning rate of AdamW').meta({ title: 'Learning rate' }),
  batchSize: int().positive().default(8).describe('images per update').meta({ title: 'Batch size' }),
  epochs: int().positive().default(24).describe('passes over the training images').meta({ title: 'Epochs' }),
});
export type DetectConfig = z.output<typeof detectConfigSchema>;

/** The model's config from an experiment's model keys (0 = the size's own). */
export function modelConfigOf(c: { model: ClassifyConfig['model']; width: number; extLayers: number; reversible: boolean }, classes: number): RevBifpnConfig {
  return revbifpnConfig(c.model, {
    ...(c.width > 0 ? { width: c.width } : {}),
    ...(c.extLayers > 0 ? { extLayers: c.extLayers } : {}),
    reversible: c.reversible,
    classes,
  });
}

const CPU_MODEL = { extLayers: 1 } as const; // S0's channels (c₀ = 48 is the narrowest stem: 48/16 = 3 RGB channels)

export const classifyPresets = {
  'cpu-demo': {
    description: 'minutes on the cpu backend with `frugal demo-data images` data: S0 with 1 extension stage, 32 px crops, 15 epochs',
    values: { ...CPU_MODEL, imageSize: 32, minCropScale: 0.5, batchSize: 16, epochs: 15, lr: 1e-3, warmupSteps: 20, weightDecay: 0.01, labelSmoothing: 0 },
  },
  tiny: {
    description: 'a smoke run: 2 epochs of 4 images per class, 32 px',
    values: { ...CPU_MODEL, imageSize: 32, minCropScale: 0.5, limitPerClass: 4, batchSize: 8, epochs: 2, lr: 3e-3, warmupSteps: 0, weightDecay: 0, labelSmoothing: 0 },
  },
} satisfies Record<string, { description: string; values: Partial<z.input<typeof classifyConfigSchema>> }>;

export const detectPresets = {
  'cpu-demo': {
    description: 'tens of minutes on the cpu backend with `frugal demo-data coco` data: S0 with 1 extension stage, 128 px images, head width 32',
    values: { ...CPU_MODEL, imageSize: 128, headWidth: 32, towerConvs: 1, batchSize: 4, epochs: 8, lr: 2e-3, warmupSteps: 20, weightDecay: 0.01, valLimit: 50 },
  },
  tiny: {
    description: 'a smoke run: 8 training and 4 validation images at 64 px, 1 epoch',
    values: { ...CPU_MODEL, imageSize: 64, headWidth: 16, towerConvs: 1, trainLimit: 8, valLimit: 4, batchSize: 4, epochs: 1, lr: 2e-3, warmupSteps: 0, weightDecay: 0 },
  },
} satisfies Record<string, { description: string; values: Partial<z.input<typeof detectConfigSchema>> }>;
