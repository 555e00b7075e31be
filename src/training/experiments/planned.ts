/**
 * The methods of METHODS.md that have no experiment in the registry yet. They are listed (with
 * `built: false`) wherever experiments are listed, so the app shows what is coming instead of
 * hiding it. When one is built, move it from here into registry.ts.
 */
export interface PlannedExperiment {
  readonly id: string;
  readonly title: string;
  /** One line: what the method does and where it is specified. */
  readonly description: string;
  /** Dataset kinds it will train on. */
  readonly datasets: readonly string[];
}

export const PLANNED_EXPERIMENTS: readonly PlannedExperiment[] = [
  {
    id: 'revbifpn',
    title: 'RevBiFPN: reversible bidirectional feature pyramid',
    description: 'A fully reversible multi-scale backbone that trains with activation memory independent of depth (METHODS.md §2; arXiv 2206.14098).',
    datasets: ['coco'],
  },
  {
    id: 'spdf',
    title: 'SPDF: sparse pre-training, dense fine-tuning',
    description: 'GPT pre-trained with static unstructured weight sparsity, then fine-tuned dense: fewer training FLOPs at equal downstream quality (METHODS.md §1; arXiv 2303.10464).',
    datasets: ['text'],
  },
  {
    id: 'dhp-continual',
    title: 'DHP Softmax: differentiable Hebbian plasticity for continual learning',
    description: 'A softmax head with Hebbian fast weights plus synaptic consolidation, to forget less across a sequence of tasks (METHODS.md §4; arXiv 2006.16558).',
    datasets: ['mnist'],
  },
  {
    id: 'spl-advise',
    title: 'SPL-ADVisE: self-paced learning with adaptive visual embeddings',
    description: 'A student CNN whose training order is chosen by a magnet-loss embedding, easy samples first (METHODS.md §5; arXiv 1807.09200).',
    datasets: ['mnist', 'cifar10'],
  },
];
