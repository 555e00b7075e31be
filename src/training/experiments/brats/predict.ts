/**
 * Prediction with a trained BraTS run: for every case under a folder (or one case folder), the
 * sliding-window region probabilities over the brain box, mapped back to BraTS labels (ET where
 * ET, else 1 where TC, else 2 where WT) and written as uint8 NIfTI in the source scan's exact
 * geometry (dims, pixdim, qform/sform), so the mask lies on the scan in any viewer.
 *
 * Output: <run>/predictions/<checkpoint>__<dataset>[-n]/<case>.nii.gz plus manifest.json (which
 * data, which checkpoint, which cases). A new folder every time; nothing is overwritten.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { EngineEventInput } from '../../../shared/events';
import { listCheckpoints, readTrainingState, restoreParams } from '../../core/training-state';
import { discoverBratsCases } from '../../data/brats/discover';
import { preprocessCase, uncropToFull } from '../../data/brats/preprocess';
import { regionsToLabels } from '../../data/brats/regions';
import { loadCase } from '../../data/brats/validate';
import { writeNifti } from '../../data/nifti';
import { writeJsonAtomic } from '../../runs/atomic';
import { bratsConfigSchema, type BratsConfig } from './config';
import { createBratsModel, predictCaseProbs } from './model';

export interface PredictionManifest {
  format: 'frugal-predictions/1';
  createdAt: string;
  data: string;
  checkpoint: string;
  cases: { id: string; file: string; source: string }[];
  failed: { id: string; error: string }[];
}

export async function readRunConfig(runDir: string): Promise<BratsConfig> {
  const path = join(runDir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read the run's config: ${(e as Error).message}`);
  }
  const parsed = bratsConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: not a BraTS run config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** 'best' (default; falls back to the newest), 'last', or a checkpoint file path. */
export async function chooseCheckpoint(runDir: string, which: string = 'best'): Promise<string> {
  if (which !== 'best' && which !== 'last') return resolve(which);
  const all = await listCheckpoints(join(runDir, 'checkpoints'));
  if (all.length === 0) throw new Error(`run ${runDir} has no checkpoints yet (train it first, or let it reach its first checkpoint)`);
  const bestOnes = all.filter((c) => c.kind === 'best');
  const pick = which === 'best' && bestOnes.length ? bestOnes[bestOnes.length - 1] : all.filter((c) => c.kind === 'step').pop() ?? all[all.length - 1];
  return pick.file;
}

async function newFolder(parent: string, name: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(parent, i === 0 ? name : `${name}-${i + 1}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export async function* predictBrats(opts: {
  runDir: string;
  data: string;
  checkpoint?: string;
  signal?: AbortSignal;
}): AsyncGenerator<EngineEventInput, { dir: string; manifest: PredictionManifest }, void> {
  const cfg = await readRunConfig(opts.runDir);
  const ckpt = await chooseCheckpoint(opts.runDir, opts.checkpoint);
  const state = await readTrainingState(ckpt);
  const { cases, problems } = await discoverBratsCases(opts.data);
  for (const p of problems) yield { type: 'log', level: 'warn', message: `${p.caseId}: ${p.message} (${p.path})` };
  if (cases.length === 0) throw new Error(`no BraTS cases to predict in ${opts.data}`);

  const model = createBratsModel(cfg);
  try {
    restoreParams(state, model.named, ckpt);
    const dataName = basename(resolve(opts.data)).replace(/[^A-Za-z0-9._-]+/g, '-');
    const dir = await newFolder(join(opts.runDir, 'predictions'), `${basename(ckpt, '.safetensors')}__${dataName}`);
    yield { type: 'log', level: 'info', message: `predicting ${cases.length} case(s) with ${ckpt} into ${dir}` };
    const manifest: PredictionManifest = { format: 'frugal-predictions/1', createdAt: new Date().toISOString(), data: resolve(opts.data), checkpoint: ckpt, cases: [], failed: [] };
    for (let i = 0; i < cases.length; i++) {
      if (opts.signal?.aborted) break;
      const c = cases[i];
      yield { type: 'progress', task: 'predict', done: i, total: cases.length, item: c.id };
      try {
        // The scans are all prediction needs: a missing or broken segmentation must not stop it.
        const { seg: _seg, ...scans } = c.files;
        const prepared = preprocessCase(await loadCase({ ...c, files: scans }));
        const probs = await predictCaseProbs(model, prepared, cfg);
        const labels = uncropToFull(regionsToLabels(probs, prepared.etLabel), prepared.box, prepared.source.shapeDHW);
        const file = join(dir, `${c.id}.nii.gz`);
        await writeNifti(file, prepared.source.header, labels, { datatype: 'uint8' });
        manifest.cases.push({ id: c.id, file: basename(file), source: c.files.t1 });
      } catch (e) {
        manifest.failed.push({ id: c.id, error: (e as Error).message });
        yield { type: 'log', level: 'warn', message: `${c.id}: not predicted: ${(e as Error).message}` };
      }
    }
    yield { type: 'progress', task: 'predict', done: cases.length, total: cases.length };
    await writeJsonAtomic(join(dir, 'manifest.json'), manifest);
    return { dir, manifest };
  } finally {
    model.dispose();
  }
}
