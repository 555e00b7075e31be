/**
 * Learning, not just running — the whole BraTS workflow through the CLI, as a user types it:
 * demo data → `frugal train` raises validation Dice well above its start → `frugal predict`
 * writes masks on the scans' geometry → `frugal evaluate` reports their Dice against the demo
 * ground truth.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { readNifti, readNiftiHeader } from '../src/training/data/nifti';
import { frugal } from './cli';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

describe('frugal CLI, BraTS end to end', () => {
  let dir: string;
  let data: string;
  let runs: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-cli-'));
    data = join(dir, 'demo');
    runs = join(dir, 'runs');
  });

  it('trains, predicts and evaluates; validation Dice rises well above its start', async () => {
    const demo = await frugal(['demo-data', 'brats', '--out', data, '--cases', '6', '--size', '36', '--seed', '1']);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).toMatch(/wrote 6 synthetic BraTS case/);

    const train = await frugal([
      'train', 'brats', '--data', data, '--runs', runs, '--preset', 'cpu-demo', '--json',
      '--patch-size', '24,24,24', '--epochs', '4', '--steps-per-epoch', '10', '--warmup-steps', '5', '--lr', '0.005',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const vals = train.events.filter((e): e is Ev<'validation'> => e.type === 'validation');
    // One baseline validation before the first update, then one per epoch.
    expect(vals.map((v) => v.step)).toEqual([0, 10, 20, 30, 40]);
    const first = vals[0].metrics.dice_mean;
    const best = Math.max(...vals.map((v) => v.metrics.dice_mean));
    expect(vals[0].on).toMatch(/validation case/);
    // Well above its start: from an untrained net's near-zero overlap to a clearly segmenting one.
    expect(first).toBeLessThan(0.2);
    expect(best).toBeGreaterThan(first + 0.4);
    expect(best).toBeGreaterThan(0.6);
    const steps = train.events.filter((e): e is Ev<'step'> => e.type === 'step');
    expect(steps.length).toBe(40);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(steps.slice(-10).map((s) => s.loss))).toBeLessThan(mean(steps.slice(0, 10).map((s) => s.loss)));
    // Tensor count flat across training (no per-step leak).
    expect(steps.at(-1)!.memory.tensors).toBe(steps[5].memory.tensors);
    const started = train.events[0] as Ev<'started'>;
    expect(started.type).toBe('started');
    const done = train.events.at(-1) as Ev<'done'>;
    expect(done).toMatchObject({ type: 'done', status: 'completed', step: 40 });

    // Run folder as DESIGN.md describes it.
    const runDir = started.runDir;
    for (const f of ['config.json', 'card.json', 'metrics.jsonl', 'summary.json', 'status.json']) expect(existsSync(join(runDir, f)), f).toBe(true);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary.bestDiceMean).toBeCloseTo(best, 6);

    const predict = await frugal(['predict', '--run', started.runId, '--data', data, '--runs', runs, '--json']);
    expect(predict.code, predict.stderr).toBe(0);
    const predDir = (await import('node:fs')).readdirSync(join(runDir, 'predictions')).map((n) => join(runDir, 'predictions', n))[0];
    const manifest = JSON.parse(await readFile(join(predDir, 'manifest.json'), 'utf8')) as { cases: { id: string; file: string; source: string }[] };
    expect(manifest.cases.map((c) => c.id)).toEqual(['Demo_001', 'Demo_002', 'Demo_003', 'Demo_004', 'Demo_005', 'Demo_006']);
    // Each mask has its scan's geometry exactly, and BraTS labels only.
    for (const c of manifest.cases) {
      const [mask, scan] = await Promise.all([readNifti(join(predDir, c.file)), readNiftiHeader(c.source)]);
      expect(mask.header.dims).toEqual(scan.dims);
      expect(mask.header.pixdim).toEqual(scan.pixdim);
      expect(mask.header.srow).toEqual(scan.srow);
      expect(mask.header.qformCode).toBe(scan.qformCode);
      expect(mask.header.datatype).toBe('uint8');
      expect(new Set(mask.data).size).toBeGreaterThan(1);
      for (const v of new Set(mask.data)) expect([0, 1, 2, 4]).toContain(v);
    }

    const evaluate = await frugal(['evaluate', '--run', started.runId, '--runs', runs, '--json']);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    const result = JSON.parse(evaluate.stdout.trim().split('\n').at(-1)!) as { summary: { n: number; mean: Record<string, { dice: number; hd95: number }> } };
    expect(result.summary.n).toBe(6);
    expect(result.summary.mean.WT.dice).toBeGreaterThan(0.5);
    const csv = await readFile(join(predDir, 'evaluation.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('case,WT_dice,TC_dice,ET_dice,WT_hd95,TC_hd95,ET_hd95,WT_pred_voxels,TC_pred_voxels,ET_pred_voxels,WT_gt_voxels,TC_gt_voxels,ET_gt_voxels');
    expect(csv.trim().split('\r\n')).toHaveLength(7);
    const runsList = await frugal(['runs', '--runs', runs, '--json']);
    const listed = JSON.parse(runsList.stdout) as { id: string; status: string; summary: { evaluation?: unknown } }[];
    expect(listed[0]).toMatchObject({ id: started.runId, status: 'completed' });
    expect(listed[0].summary.evaluation).toBeDefined();
  }, 900_000);
});
