/**
 * MNIST-family data and the continual-learning benchmarks of METHODS.md §4: IDX files, the
 * packaged MNIST and Fashion-MNIST, Permuted / imbalanced Permuted / Split MNIST and the Vision
 * Datasets Mixture, as task sequences of views (../images/view) over shared uint8 pixels.
 *
 *   const seq = await loadMnistBenchmark('split');
 *   for (const task of seq.tasks) for (const b of iterateBatches(task.train, { batchSize: 64, seed, epoch, head: task.head?.classes })) { ... }
 */

export { type IdxArray, type IdxDtype, type IdxPair, encodeIdx, loadIdxPair, parseIdx, readIdx } from './idx';
export {
  FASHION_MNIST_CLASSES,
  type LoadVisionOptions,
  MNIST_CLASSES,
  VISION_DATASETS,
  type VisionDatasetName,
  clearVisionCache,
  fashionJsonPaths,
  limitRows,
  loadVisionDataset,
  mnistIdxPaths,
} from './packaged';
export {
  type ImbalancedSequence,
  type MnistBenchmark,
  type MnistBenchmarkOptions,
  SPLIT_MNIST_GROUPS,
  type Task,
  type TaskHead,
  type TaskSequence,
  imbalancedPermutedTasks,
  loadMnistBenchmark,
  permutedTasks,
  splitTasks,
  taskPermutations,
  viewClassCounts,
} from './benchmarks';
export { MIXTURE_ORDER, MIXTURE_SHAPE, MIXTURE_USER_DATASETS, type MixtureOptions, findMixtureSource, loadVisionMixture } from './mixture';
