/**
 * The dataset side of a BraTS run: discover and validate the cases, split them into training and
 * validation sets (seeded), and serve preprocessed cases from a bounded in-memory cache (a full
 * BraTS case is ~50 MB cropped and z-scored; 369 of them do not fit, 32 do).
 * A case that fails validation is reported by name and left out; it never stops the run.
 */
import type { DatasetProblem, BratsCase } from '../../data/brats/discover';
import { discoverBratsCases, labelledCases } from '../../data/brats/discover';
import { loadCase } from '../../data/brats/validate';
import { preprocessCase, type PreparedCase } from '../../data/brats/preprocess';
import { Rng } from '../../core/rng';

export interface BratsSplit {
  train: BratsCase[];
  val: BratsCase[];
  problems: DatasetProblem[];
}

/** Loads and preprocesses cases on demand, keeping the most recently used `capacity` of them. */
export class PreparedCaseCache {
  private readonly entries = new Map<string, PreparedCase>();
  constructor(private readonly capacity: number) {}

  async get(c: BratsCase): Promise<PreparedCase> {
    const hit = this.entries.get(c.id);
    if (hit) {
      this.entries.delete(c.id); // re-insert: Map order is recency order
      this.entries.set(c.id, hit);
      return hit;
    }
    const prepared = preprocessCase(await loadCase(c));
    this.entries.set(c.id, prepared);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return prepared;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Problems as DatasetProblems for a case that failed to load. */
function loadProblem(c: BratsCase, e: unknown): DatasetProblem {
  return { caseId: c.id, path: c.dir, severity: 'error', message: (e as Error).message };
}

/**
 * Discovers the labelled cases under `root`, loads each once to validate it (keeping as many as
 * the cache holds), and splits the valid ones: `valFraction` of them (at least one when there are
 * two or more) go to validation, chosen by the seed.
 */
export async function prepareBratsSplit(
  root: string,
  opts: { seed: number; valFraction: number; cache: PreparedCaseCache; onProgress?: (done: number, total: number, id: string) => void },
): Promise<BratsSplit> {
  const { cases, problems } = await discoverBratsCases(root);
  const labelled = labelledCases(cases);
  for (const c of cases) {
    if (!c.files.seg) problems.push({ caseId: c.id, path: c.dir, severity: 'warning', message: 'no segmentation file: can be predicted, not trained on' });
  }
  const valid: BratsCase[] = [];
  for (let i = 0; i < labelled.length; i++) {
    const c = labelled[i];
    opts.onProgress?.(i, labelled.length, c.id);
    try {
      await opts.cache.get(c);
      valid.push(c);
    } catch (e) {
      problems.push(loadProblem(c, e));
    }
  }
  opts.onProgress?.(labelled.length, labelled.length, '');
  if (valid.length === 0) {
    throw new Error(`no trainable BraTS cases in ${root}: ${cases.length} case folder(s) found, ${labelled.length} with a segmentation, ${valid.length} valid` +
      (problems.length ? `\n${problems.map((p) => `  - ${p.caseId}: ${p.message}`).join('\n')}` : ''));
  }
  const order = new Rng(opts.seed).fork('split').shuffle([...valid]);
  const nVal = valid.length >= 2 && opts.valFraction > 0 ? Math.min(valid.length - 1, Math.max(1, Math.round(valid.length * opts.valFraction))) : 0;
  const byId = (a: BratsCase, b: BratsCase) => a.id.localeCompare(b.id);
  return { val: order.slice(0, nVal).sort(byId), train: order.slice(nVal).sort(byId), problems };
}
