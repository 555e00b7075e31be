/**
 * Evaluation of a run's predictions against the ground truth: Dice and HD95 (mm, from pixdim)
 * per case and region with the BraTS empty-mask conventions, summary statistics, and the
 * per-case table as CSV and JSON beside the predictions. The run's summary.json gains the means.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { EngineEventInput } from '../../../shared/events';
import { discoverBratsCases } from '../../data/brats/discover';
import { readNifti } from '../../data/nifti';
import { evaluateCase, summarize, toCsv, type CaseResult, type Summary } from '../../metrics/brats-eval';
import { writeFileAtomic, writeJsonAtomic } from '../../runs/atomic';
import type { PredictionManifest } from './predict';

/** The newest prediction folder of a run (by manifest time). */
export async function latestPredictions(runDir: string): Promise<string> {
  const root = join(runDir, 'predictions');
  const names = await readdir(root).catch(() => [] as string[]);
  let best: { dir: string; at: string } | undefined;
  for (const n of names) {
    try {
      const m = JSON.parse(await readFile(join(root, n, 'manifest.json'), 'utf8')) as PredictionManifest;
      if (!best || m.createdAt > best.at) best = { dir: join(root, n), at: m.createdAt };
    } catch {
      /* not a finished prediction folder */
    }
  }
  if (!best) throw new Error(`run ${runDir} has no predictions yet: run \`frugal predict --run <run> --data <dir>\` first`);
  return best.dir;
}

export interface EvaluationResult {
  predictions: string;
  data: string;
  cases: CaseResult[];
  summary: Summary;
  skipped: { id: string; reason: string }[];
}

export async function* evaluateBrats(opts: { runDir: string; predictions?: string; data?: string }): AsyncGenerator<EngineEventInput, EvaluationResult, void> {
  const predictions = opts.predictions ?? (await latestPredictions(opts.runDir));
  const manifestPath = join(predictions, 'manifest.json');
  let manifest: PredictionManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as PredictionManifest;
  } catch (e) {
    throw new Error(`${manifestPath}: cannot read the prediction manifest: ${(e as Error).message}`);
  }
  const data = opts.data ?? manifest.data;
  const { cases } = await discoverBratsCases(data);
  const byId = new Map(cases.map((c) => [c.id, c]));
  const rows: CaseResult[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (let i = 0; i < manifest.cases.length; i++) {
    const p = manifest.cases[i];
    yield { type: 'progress', task: 'evaluate', done: i, total: manifest.cases.length, item: p.id };
    const c = byId.get(p.id);
    if (!c?.files.seg) {
      skipped.push({ id: p.id, reason: c ? 'no ground-truth segmentation' : `case not found in ${data}` });
      continue;
    }
    const [pred, gt] = await Promise.all([readNifti(join(predictions, p.file)), readNifti(c.files.seg)]);
    if (pred.header.dims.join() !== gt.header.dims.join()) {
      skipped.push({ id: p.id, reason: `prediction ${pred.path} is ${pred.header.dims.join('×')} but ground truth ${gt.path} is ${gt.header.dims.join('×')}` });
      continue;
    }
    const [nx, ny, nz] = gt.header.dims;
    const [px, py, pz] = gt.header.pixdim;
    rows.push({ caseId: p.id, regions: evaluateCase(pred.data, gt.data, [nz, ny, nx], [pz, py, px], c.etLabel) });
  }
  yield { type: 'progress', task: 'evaluate', done: manifest.cases.length, total: manifest.cases.length };
  for (const s of skipped) yield { type: 'log', level: 'warn', message: `${s.id}: not evaluated: ${s.reason}` };
  if (rows.length === 0) throw new Error(`no case in ${predictions} could be evaluated against ${data}`);
  const summary = summarize(rows);
  await writeFileAtomic(join(predictions, 'evaluation.csv'), toCsv(rows), { overwrite: true });
  await writeJsonAtomic(join(predictions, 'evaluation.json'), { predictions, data, summary, cases: rows, skipped }, { overwrite: true });
  return { predictions, data, cases: rows, summary, skipped };
}

/**
 * The evaluation stored beside a run's predictions (evaluation.json), or null when that folder
 * has not been evaluated. `predictions` must be one of the run's prediction folders.
 */
export async function readStoredEvaluation(runDir: string, predictions: string): Promise<EvaluationResult | null> {
  const root = join(runDir, 'predictions');
  const dir = resolve(root, predictions);
  const rel = relative(root, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${predictions} is not a prediction folder of run ${runDir}`);
  let text: string;
  try {
    text = await readFile(join(dir, 'evaluation.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as EvaluationResult;
  } catch (e) {
    throw new Error(`${join(dir, 'evaluation.json')} is not valid JSON: ${(e as Error).message}`);
  }
}
