/**
 * User datasets for spl-advise: a CSV file split into train/test by a seeded fraction, and a whole
 * run on it (16×16 images, method spld: no embedding) through the run driver.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { selectBackend } from '../../backend/select';
import { Rng } from '../../core/rng';
import { startRun } from '../../runs/driver';
import { loadSelfPacedData } from './data';

/** 120 images of 16×16: class 0 a bright left half, class 1 a bright right half, with noise. */
function csvText(n: number): string {
  const rng = new Rng(3);
  const lines = ['label,' + Array.from({ length: 256 }, (_, i) => `p${i}`).join(',')];
  for (let k = 0; k < n; k++) {
    const y = k % 2;
    const px = Array.from({ length: 256 }, (_, i) => {
      const left = i % 16 < 8;
      const on = y === 0 ? left : !left;
      return Math.max(0, Math.min(255, Math.round((on ? 170 : 40) + 40 * rng.normal())));
    });
    lines.push(`${y},${px.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('spl-advise on a user CSV', () => {
  let csv: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frugal-spl-data-'));
    csv = join(dir, 'halves.csv');
    await writeFile(csv, csvText(120));
  });

  it('splits a CSV by the seeded test fraction (the same split for the same seed)', async () => {
    const base = { dataset: csv, imageSize: 16, channels: 1 as const, testFraction: 0.25, trainLimit: 0, testLimit: 0, seed: 5 };
    const d = await loadSelfPacedData(base);
    expect([d.train.n, d.test.n]).toEqual([90, 30]); // ⌈0.25·120⌉ = 30 test images
    expect([d.train.height, d.train.width, d.train.channels]).toEqual([16, 16, 1]);
    expect(d.source).toMatch(/CSV .*halves\.csv, seeded 0\.25 test split/);
    const again = await loadSelfPacedData(base);
    expect(Array.from(again.test.images.subarray(0, 256))).toEqual(Array.from(d.test.images.subarray(0, 256)));
    const limited = await loadSelfPacedData({ ...base, trainLimit: 40, testLimit: 10 });
    expect([limited.train.n, limited.test.n]).toEqual([40, 10]);
    await expect(loadSelfPacedData({ ...base, dataset: join(csv, '..', 'missing.csv') })).rejects.toThrow(/missing\.csv: not found \(config 'dataset' takes 'fashion-mnist' or 'mnist', or a folder or CSV file\)/);
  });

  it('trains the student on it with the SPLD baseline: well above chance on held-out images', async () => {
    const backend = await selectBackend({ prefer: 'cpu' });
    const before = tf.memory().numTensors;
    const events: EngineEvent[] = [];
    const overrides = { dataset: csv, imageSize: 16, testFraction: 0.25, method: 'spld', epochs: 3, batchSize: 15, optimizer: 'adam', lr: 3e-3, augment: false, lossScoring: 'full-pass' };
    for await (const e of startRun({ experimentId: 'spl-advise', overrides, runsRoot: join(csv, '..', 'runs'), backend, signal: new AbortController().signal })) events.push(e);
    expect(tf.memory().numTensors).toBe(before);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
    expect(events.some((e) => e.type === 'embedding')).toBe(false); // spld needs no embedding
    const cur = events.filter((e): e is Extract<EngineEvent, { type: 'curriculum' }> => e.type === 'curriculum');
    expect(cur.map((c) => c.method)).toEqual(['spld', 'spld', 'spld']);
    expect(cur[0].admittedFraction).toBe(1);
    // Two classes (chance 0.5) that differ in which half is bright: learnt within 3 short epochs.
    expect(cur.at(-1)!.testAccuracy).toBeGreaterThanOrEqual(0.9);
  }, 30_000);
});
