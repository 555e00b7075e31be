/**
 * The Vision Datasets Mixture over the packaged MNIST/Fashion-MNIST and small user datasets made
 * here: notMNIST and CIFAR-10 as PNG folders (written with sharp), SVHN as a pixel CSV.
 */

import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../images/batches';
import { gatherPixels } from '../images/view';
import { MIXTURE_ORDER, loadVisionMixture } from './mixture';

const root = mkdtempSync(join(tmpdir(), 'frugal-mixture-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function png(path: string, size: number, channels: 1 | 3, value: number): Promise<void> {
  await sharp(Buffer.alloc(size * size * channels, value), { raw: { width: size, height: size, channels } }).png().toFile(path);
}

async function makeFolders(name: string, classes: string[], size: number, channels: 1 | 3): Promise<void> {
  for (const split of ['train', 'test']) {
    for (const [c, cls] of classes.entries()) {
      const d = join(root, name, split, cls);
      await mkdir(d, { recursive: true });
      await png(join(d, 'a.png'), size, channels, 20 * (c + 1));
      await png(join(d, 'b.png'), size, channels, 20 * (c + 1) + 5);
    }
  }
}

describe('Vision Datasets Mixture', () => {
  it('lists every missing dataset and where it was looked for', async () => {
    const err = (await loadVisionMixture({ root }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`^${root}: Vision Datasets Mixture: 3 of its datasets are missing`));
    for (const name of ['notmnist', 'svhn', 'cifar10']) expect(err.message).toContain(`\n  ${name}: looked for ${join(root, name, 'train')}/ + ${join(root, name, 'test')}/, ${join(root, name, 'train.csv')} + ${join(root, name, 'test.csv')}`);
    expect(err.message).toContain(join(root, 'CIFAR-10', 'train.csv')); // the other folder names tried
    await makeFolders('notMNIST', ['A', 'B'], 28, 1);
    const err2 = (await loadVisionMixture({ root }).catch((e: unknown) => e)) as Error;
    expect(err2.message).toMatch(/2 of its datasets are missing/);
    expect(err2.message).not.toMatch(/notmnist:/);
  });

  it('five 32×32×3 tasks in the paper order, global ids 10·t + c, grey sets padded and repeated', async () => {
    await makeFolders('cifar10', ['airplane', 'cat', 'dog'], 32, 3);
    await mkdir(join(root, 'svhn'));
    const row = (label: number, v: number) => [label, ...new Array(32 * 32 * 3).fill(v)].join(',');
    await writeFile(join(root, 'svhn', 'train.csv'), `${row(1, 7)}\n${row(0, 9)}\n`);
    await writeFile(join(root, 'svhn', 'test.csv'), `${row(1, 8)}\n`);
    const seq = await loadVisionMixture({ root, limit: { train: 50, test: 20 }, seed: 1 });
    expect(seq.tasks.map((t) => t.name)).toEqual([...MIXTURE_ORDER]);
    expect(seq.inputShape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(seq.numClasses).toBe(50);
    expect(seq.tasks.map((t) => [t.train.n, t.test.n])).toEqual([[50, 20], [4, 4], [50, 20], [2, 1], [6, 6]]);
    expect(seq.tasks[1].classes).toEqual([10, 11]);
    expect(seq.tasks[4].head).toEqual({ index: 4, classes: [40, 41, 42] });
    expect(seq.classNames.slice(10, 13)).toEqual(['notmnist:A', 'notmnist:B', 'notmnist:(unused 2)']);
    for (const t of seq.tasks) {
      expect([t.train.height, t.train.width, t.train.channels]).toEqual([32, 32, 3]);
      for (const y of t.train.labels) expect(t.classes).toContain(y);
    }
    // MNIST task: 2-pixel zero border, grey repeated in R, G, B, inner pixel (y, x) = base (y−2, x−2)
    const m = seq.tasks[0];
    const px = gatherPixels(m.train, [0]);
    const base = m.train.base.images.subarray(m.train.rows[0] * 784, m.train.rows[0] * 784 + 784);
    const at = (y: number, x: number, c: number) => px[(y * 32 + x) * 3 + c];
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        const want = inside ? base[(y - 2) * 28 + (x - 2)] / 255 : 0;
        for (let c = 0; c < 3; c++) expect(at(y, x, c)).toBeCloseTo(want, 6);
      }
    }
    expect(seq.tasks[3].train.pixelMap).toBeNull(); // SVHN is 32×32×3 already
    expect(Array.from(seq.tasks[3].train.labels)).toEqual([31, 30]);
    // a batch of the notMNIST task in NHWC with head labels
    const before = tf.memory().numTensors;
    const [b] = [...iterateBatches(seq.tasks[1].train, { batchSize: 4, seed: 0, layout: 'nhwc', head: seq.tasks[1].head?.classes })];
    expect(b.x.shape).toEqual([4, 32, 32, 3]);
    expect(Array.from(b.y.dataSync()).sort()).toEqual([0, 0, 1, 1]);
    tf.dispose([b.x, b.y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
