/**
 * What users do to a tool that it must survive: Ctrl-C in the middle of training, and datasets
 * with broken cases (a missing modality, mismatched shapes, unknown labels). Broken cases are
 * reported by name and skipped; the run completes; no input file is touched.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { writeDemoBrats } from '../src/training/data/brats/demo';
import { readNifti, writeNifti } from '../src/training/data/nifti';
import { frugal } from './cli';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

const tinyTrain = ['--widths', '4,8', '--blocks-per-level', '1', '--patch-size', '16,16,16', '--batch-size', '1', '--warmup-steps', '1', '--cache-cases', '8'];

/** sha256 of every file under dir, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p.slice(dir.length), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

describe('frugal CLI robustness', () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-robust-'));
    data = join(dir, 'data');
    await writeDemoBrats({ out: data, cases: 5, size: 20, seed: 7 });
  });

  it('Ctrl-C stops cleanly after writing a checkpoint; the run resumes from it', async () => {
    const runs = join(dir, 'runs-sigint');
    let sent = false;
    const r = await frugal(['train', 'brats', '--data', data, '--runs', runs, '--json', ...tinyTrain, '--epochs', '50', '--steps-per-epoch', '10', '--validate-every', '0'], {
      onLine: (line, child) => {
        if (!sent && line.includes('"type":"step"') && line.includes('"step":2,')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const stop = r.events.find((e): e is Ev<'checkpoint'> => e.type === 'checkpoint' && e.reason === 'stop');
    expect(stop).toBeDefined();
    expect(statSync(stop!.file).size).toBeGreaterThan(1000);
    // It stops promptly: after the step in progress when the signal came (step 3 at the latest),
    // not at the next checkpoint interval (step 10) or the end (step 500).
    expect(stop!.step).toBeLessThanOrEqual(3);
    const done = r.events.at(-1) as Ev<'done'>;
    expect(done).toMatchObject({ type: 'done', status: 'stopped' });
    expect(done.step).toBe(stop!.step);
    const started = r.events[0] as Ev<'started'>;
    const list = JSON.parse((await frugal(['runs', '--runs', runs, '--json'])).stdout) as { id: string; status: string }[];
    expect(list.find((x) => x.id === started.runId)?.status).toBe('stopped');

    // Resume for one more step to show the checkpoint is usable, then stop again.
    let resumedAt = -1;
    const again = await frugal(['train', 'brats', '--runs', runs, '--json', '--resume', started.runId], {
      onLine: (line, child) => {
        if (line.includes('"type":"step"') && resumedAt < 0) {
          resumedAt = (JSON.parse(line) as Ev<'step'>).step;
          child.kill('SIGINT');
        }
      },
    });
    expect(again.code).toBe(130);
    expect((again.events[0] as Ev<'started'>).startStep).toBe(stop!.step);
    expect(resumedAt).toBe(stop!.step + 1);
  }, 300_000);

  it('reports broken cases by name, skips them, and leaves every input file untouched', async () => {
    const bad = join(dir, 'bad');
    await writeDemoBrats({ out: bad, cases: 5, size: 20, seed: 8 });
    // Demo_002: no FLAIR. Demo_003: T2 one voxel shorter. Demo_004: label 5 in the segmentation.
    await rm(join(bad, 'Demo_002', 'Demo_002_flair.nii.gz'));
    const t2 = await readNifti(join(bad, 'Demo_003', 'Demo_003_t2.nii.gz'));
    const [nx, ny, nz] = t2.header.dims;
    await rm(t2.path);
    await writeNifti(t2.path, { ...t2.header, dims: [nx, ny, nz - 1] }, t2.data.subarray(0, nx * ny * (nz - 1)));
    const seg = await readNifti(join(bad, 'Demo_004', 'Demo_004_seg.nii.gz'));
    const labels = Uint8Array.from(seg.data);
    labels[labels.length >> 1] = 5;
    await rm(seg.path);
    await writeNifti(seg.path, seg.header, labels);
    const before = snapshot(bad);

    const runs = join(dir, 'runs-bad');
    const r = await frugal(['train', 'brats', '--data', bad, '--runs', runs, '--json', ...tinyTrain, '--epochs', '1', '--steps-per-epoch', '2', '--validate-every', '0']);
    expect(r.code, r.stderr).toBe(0);
    const ds = r.events.find((e): e is Ev<'dataset'> => e.type === 'dataset')!;
    expect([...ds.trainCases, ...ds.valCases].sort()).toEqual(['Demo_001', 'Demo_005']);
    const problem = (id: string) => ds.problems.filter((p) => p.caseId === id && p.severity === 'error').map((p) => p.message).join(' | ');
    expect(problem('Demo_002')).toMatch(/flair/i);
    expect(problem('Demo_003')).toMatch(/Demo_003_t2\.nii\.gz/);
    expect(problem('Demo_003')).toMatch(/20×20×19|20x20x19/);
    expect(problem('Demo_004')).toMatch(/Demo_004_seg\.nii\.gz/);
    expect(problem('Demo_004')).toMatch(/\b5\b/);
    expect((r.events.at(-1) as Ev<'done'>).status).toBe('completed');

    // Prediction over the same folder: Demo_002 (no FLAIR) and Demo_003 (mismatched T2) fail by
    // name; Demo_004's broken segmentation does not matter for prediction, its scans are fine.
    const started = r.events[0] as Ev<'started'>;
    const p = await frugal(['predict', '--run', started.runId, '--data', bad, '--runs', runs, '--json']);
    expect(p.code).toBe(1); // some cases could not be predicted
    const warnings = p.events.filter((e): e is Ev<'log'> => e.type === 'log' && e.level === 'warn').map((e) => e.message).join('\n');
    expect(warnings).toMatch(/Demo_003.*not predicted/);
    expect(warnings).toMatch(/Demo_002/);
    const predDir = join(started.runDir, 'predictions', readdirSync(join(started.runDir, 'predictions'))[0]);
    expect(readdirSync(predDir).filter((n) => n.endsWith('.nii.gz')).sort()).toEqual(['Demo_001.nii.gz', 'Demo_004.nii.gz', 'Demo_005.nii.gz']);

    expect(snapshot(bad)).toEqual(before);
  }, 300_000);

  it('refuses a dataset folder that does not exist, naming it, and creates no run', async () => {
    const runs = join(dir, 'runs-missing');
    const r = await frugal(['train', 'brats', '--data', join(dir, 'nope'), '--runs', runs, ...tinyTrain]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(dir, 'nope'));
    const bogus = await frugal(['train', 'brats', '--data', data, '--runs', runs, '--patch-size', '15,16,16']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toMatch(/patchSize/);
    const badKey = await frugal(['train', 'brats', '--data', data, '--runs', runs, '--lr', 'fast']);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/--lr: 'fast' is not a number/);
  }, 120_000);
});
