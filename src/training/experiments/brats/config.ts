/**
 * Configuration of BraTS segmentation with the reversible MBConv 3D U-Net: one schema with a
 * default and a description per key (the CLI's flags and the GUI's form come from it), and
 * presets. Defaults target a real BraTS run on a GPU; the `cpu-demo` preset is what trains in
 * minutes on the cpu backend (demo data, small patches and widths).
 */
import { z } from 'zod';
import { ACTIVATIONS, type Activation } from '../../nn/activations';
import type { RevUnet3dConfig } from '../../models/rev-unet3d';

const int = () => z.number().int();
const triple = () => z.tuple([int().positive(), int().positive(), int().positive()]);

export const bratsConfigSchema = z.object({
  data: z.string().min(1).describe('BraTS dataset folder: one folder per case with t1, t1ce, t2, flair and seg NIfTI files'),
  seed: int().min(0).default(0).describe('seed of initialisation, train/validation split, patch sampling and augmentation'),
  valFraction: z.number().min(0).max(0.9).default(0.2).describe('fraction of labelled cases held out for validation (at least one when there are two or more cases)').meta({ title: 'Validation fraction' }),
  // model
  widths: z.array(int().positive()).min(1).max(6).default([16, 32, 64, 128]).describe('channels per U-Net level (even numbers); levels = how many'),
  blocksPerLevel: int().min(0).max(8).default(2).describe('reversible MBConv blocks at every encoder and decoder level'),
  expansion: z.number().min(1).max(8).default(2).describe('MBConv expansion: hidden width = expansion × half the level width'),
  normGroups: int().min(0).default(8).describe('GroupNorm groups (0 = instance norm)').meta({ title: 'GroupNorm groups' }),
  activation: z.enum(ACTIVATIONS as [Activation, ...Activation[]]).default('silu').describe('activation inside the blocks'),
  se: z.number().min(0).max(1).default(0).describe('squeeze-excitation ratio inside MBConv (0 = off)').meta({ title: 'Squeeze-excitation' }),
  reversible: z.boolean().default(true).describe('reversible blocks (activations recomputed in the backward pass); false trains the non-reversible twin'),
  // data
  patchSize: triple().default([128, 128, 128]).describe('training patch [D, H, W] in voxels; each divisible by 2^(levels−1)'),
  batchSize: int().positive().default(1).describe('patches per update'),
  tumourProbability: z.number().min(0).max(1).default(0.5).describe('probability that a patch is centred on a tumour voxel (oversampling)').meta({ title: 'Tumour-centred patches' }),
  flip: z.boolean().default(true).describe('random flips along each axis'),
  intensityScale: z.number().min(0).max(1).default(0.1).describe('per-channel intensity scaling ×U(1−s, 1+s) on brain voxels'),
  intensityShift: z.number().min(0).max(1).default(0.1).describe('per-channel intensity shift +U(−s, s) on brain voxels (z-score units)'),
  cacheCases: int().min(1).default(32).describe('preprocessed cases kept in memory (others reload from disk when sampled)').meta({ title: 'Cases in memory' }),
  // optimisation
  epochs: int().positive().default(100).describe('epochs of training'),
  stepsPerEpoch: int().positive().default(250).describe('updates per epoch'),
  lr: z.number().positive().default(1e-3).describe('peak learning rate of Adam').meta({ title: 'Learning rate' }),
  warmupSteps: int().min(0).default(250).describe('linear warm-up of the learning rate from 0'),
  decay: z.enum(['cosine', 'poly', 'constant']).default('cosine').describe('learning-rate decay after warm-up'),
  minLr: z.number().min(0).default(1e-6).describe('learning rate at the end of the decay').meta({ title: 'Minimum learning rate' }),
  weightDecay: z.number().min(0).default(0).describe('decoupled weight decay (AdamW); 0 = Adam'),
  bceWeight: z.number().min(0).default(0.5).describe('weight of binary cross-entropy added to the soft Dice loss').meta({ title: 'BCE weight' }),
  // validation, inference, checkpoints
  validateEvery: int().min(0).default(1).describe('validate every this many epochs (0 = never); full volumes, sliding window'),
  overlap: z.number().min(0).max(0.9).default(0.5).describe('sliding-window overlap in inference and validation'),
  inferBatch: int().positive().default(1).describe('windows per forward pass in inference').meta({ title: 'Inference batch' }),
  checkpointEvery: int().min(0).default(1).describe('checkpoint every this many epochs (also on stop and at the end)'),
  keepCheckpoints: int().positive().default(3).describe('interval checkpoints kept (plus the best)'),
});

export type BratsConfig = z.output<typeof bratsConfigSchema>;

export const bratsPresets = {
  'cpu-demo': {
    description: 'minutes on the cpu backend with `frugal demo-data brats` data: 32³ patches, 3 narrow levels',
    values: {
      widths: [8, 16, 32],
      blocksPerLevel: 1,
      patchSize: [32, 32, 32],
      batchSize: 2,
      epochs: 6,
      stepsPerEpoch: 25,
      lr: 3e-3,
      warmupSteps: 10,
      minLr: 1e-4,
      overlap: 0.25,
      inferBatch: 2,
    },
  },
  'gpu-128': {
    description: 'BraTS on a GPU: 128³ patches (the defaults)',
    values: {},
  },
  'gpu-whole-brain': {
    description: 'reversible only: whole-brain-box patches 160×192×128 at batch 1, the memory the reversible blocks free',
    values: { patchSize: [128, 192, 160], reversible: true },
  },
} as const satisfies Record<string, { description: string; values: Partial<z.input<typeof bratsConfigSchema>> }>;

export function unetConfigOf(c: BratsConfig): RevUnet3dConfig {
  return {
    inChannels: 4,
    outChannels: 3,
    widths: c.widths,
    blocksPerLevel: c.blocksPerLevel,
    expansion: c.expansion,
    normGroups: c.normGroups,
    activation: c.activation,
    se: c.se,
    reversible: c.reversible,
  };
}
