/**
 * The student's self-paced selection (SPL-ADVisE, METHODS.md §5 "Student CNN", poster Alg. 2 and
 * Eq. 2) and its baselines, from one rule.
 *
 * Objective: min_{θ,W} Σ_i W_i·CE_i − λ Σ_i W_i − γ ‖W‖_{2,1}, W ∈ [0,1]^N, with the L2,1 norm's
 * groups = the embedding's clusters. Its closed form (Jiang et al., "Self-Paced Learning with
 * Diversity", NeurIPS 2014, Alg. 1), per group g:
 *   sort the members by CE ascending, rank i = 1..n_g (ties by dataset index);
 *   W_i = 1  iff  CE_i < λ + γ/(√i + √(i−1))   (= λ + γ(√i − √(i−1)); 1/(√i+√(i−1)) rationalised)
 * γ = 0 keeps exactly the samples with CE < λ. The bonus falls with rank (γ, 0.414γ, 0.318γ, …),
 * so each group's easiest few get in even above λ: diversity across groups. Because CE rises and
 * the threshold falls with rank, the admitted members of a group are always its i easiest.
 *
 * One rule, three methods (the groups decide):
 * - 'spl-advise': groups = the Magnet-embedding clusters (global cluster ids, kmeans.ts);
 * - 'spld': the same rule with groups given by the caller: Jiang et al. cluster the data in
 *   feature space; the released code's SPLD branch uses per-class k-means (K = 8) on the
 *   untrained student's outputs. METHODS.md does not fix it [U]; `groups = labels` (classes) is
 *   the simplest choice and needs no extra model;
 * - 'random': admit as many samples as the rule would, chosen uniformly at random (same count,
 *   no curriculum). The released code's Random baseline trains on all samples every epoch
 *   instead ('all').
 *
 * Pace (METHODS.md: "λ ← β1·λ; γ ← β2·γ", code β1 = β2 = 1.1, γ_0 = 0.5): at pace step t,
 *   λ_t = λ_0·β1^t,  γ_t = γ_0·β2^t,  quota_t = min(n_g, round(K_0·1.1^t)) if a quota is set.
 * Epoch 0 trains on all samples in random order (recording each sample's CE as it trains); the
 * selection for epoch e ≥ 1 uses pace step t = e − 1 and the latest recorded losses.
 * λ_0 is not published [U]: `lambda0: null` sets it after epoch 0 to the CE value below which a
 * fraction `startFraction` of the samples lies (`lambdaForFraction`).
 *
 * Paper vs code (METHODS.md §5), and what this file follows (the paper):
 * - (b) the code computes the rank-adjusted losses but admits `idx_incluster[:K]`, the first K
 *   members in index order; here members are ranked by loss and admitted by the threshold rule.
 * - (c) the code's SPL-ADVisE branch stores losses under 'spl', which is never read; here the
 *   caller's loss table is what the rule reads.
 * - the code has no λ: its only pace is the per-cluster quota K_t = round(500·1.1^t) [C]. It is
 *   available as an optional cap (`quota0`, default null = the paper's rule alone).
 * - (f) the code iterates the selected indices in sorted order; `planEpoch` shuffles them.
 * - Samples whose loss was never recorded (NaN) rank last in their group and are never admitted.
 */
import { type Rng } from '../core/rng';

export type CurriculumMethod = 'spl-advise' | 'spld' | 'random' | 'all';

export interface SelfPacedConfig {
  readonly lambda0: number | null; // initial λ (CE threshold, nats); null → from startFraction after epoch 0 [U]
  readonly startFraction: number; // with lambda0 null: fraction of samples with CE < λ_0 [U: 0.5]
  readonly gamma0: number; // initial diversity weight γ_0: 0.5 [C]
  readonly lambdaGrowth: number; // β1: λ_t = λ_0·β1^t, 1.1 [C]
  readonly gammaGrowth: number; // β2: γ_t = γ_0·β2^t, 1.1 [C]
  readonly quota0: number | null; // optional per-group cap K_0 (the code's only pace: 500 [C]); null = none
  readonly quotaGrowth: number; // quota_t = round(K_0·growth^t): 1.1 [C]
}

export const SELF_PACED_DEFAULTS: SelfPacedConfig = {
  lambda0: null,
  startFraction: 0.5,
  gamma0: 0.5,
  lambdaGrowth: 1.1,
  gammaGrowth: 1.1,
  quota0: null,
  quotaGrowth: 1.1,
};

export function validateSelfPacedConfig(cfg: SelfPacedConfig): void {
  if (cfg.lambda0 !== null && !Number.isFinite(cfg.lambda0)) throw new Error(`SelfPaced: lambda0 = ${cfg.lambda0} must be a finite number or null`);
  if (!(cfg.startFraction > 0 && cfg.startFraction <= 1)) throw new Error(`SelfPaced: startFraction = ${cfg.startFraction} must be in (0, 1]`);
  if (!(cfg.gamma0 >= 0) || !Number.isFinite(cfg.gamma0)) throw new Error(`SelfPaced: gamma0 = ${cfg.gamma0} must be finite and ≥ 0`);
  for (const field of ['lambdaGrowth', 'gammaGrowth', 'quotaGrowth'] as const) {
    if (!(cfg[field] >= 1) || !Number.isFinite(cfg[field])) throw new Error(`SelfPaced: ${field} = ${cfg[field]} must be finite and ≥ 1 (the pace only grows)`);
  }
  if (cfg.quota0 !== null && !(Number.isInteger(cfg.quota0) && cfg.quota0 >= 1)) throw new Error(`SelfPaced: quota0 = ${cfg.quota0} must be an integer ≥ 1 or null`);
}

export interface Pace {
  readonly lambda: number; // λ_t
  readonly gamma: number; // γ_t
  readonly quota: number | null; // per-group cap, or none
}

/** The pace at step t ≥ 0 (t = epoch − 1), given the resolved λ_0. */
export function paceAt(cfg: SelfPacedConfig, t: number, lambda0: number): Pace {
  if (!Number.isInteger(t) || t < 0) throw new Error(`SelfPaced: pace step t = ${t} must be an integer ≥ 0`);
  return {
    lambda: lambda0 * cfg.lambdaGrowth ** t,
    gamma: cfg.gamma0 * cfg.gammaGrowth ** t,
    quota: cfg.quota0 === null ? null : Math.round(cfg.quota0 * cfg.quotaGrowth ** t),
  };
}

/**
 * A λ admitting (with γ = 0) round(fraction·N) of `losses`: the midpoint between the k-th and
 * (k+1)-th smallest loss; fewer if losses tie there. fraction 1 → +∞ (everything, always).
 */
export function lambdaForFraction(losses: ArrayLike<number>, fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`SelfPaced: fraction = ${fraction} must be in [0, 1]`);
  const s = Float64Array.from(losses).filter((v) => !Number.isNaN(v)).sort();
  if (s.length === 0) throw new Error('SelfPaced: no recorded losses to set λ_0 from');
  const k = Math.round(fraction * s.length);
  if (k >= s.length) return Infinity;
  if (k === 0) return s[0];
  return (s[k - 1] + s[k]) / 2;
}

export interface Selection {
  readonly indices: Int32Array; // admitted dataset indices, ascending
  readonly fraction: number; // indices.length / N
}

/** Threshold of rank i (1-based): λ + γ/(√i + √(i−1)). */
export function rankThreshold(lambda: number, gamma: number, rank: number): number {
  return lambda + gamma / (Math.sqrt(rank) + Math.sqrt(rank - 1));
}

/** The self-paced rule per group (see the file comment). losses[n] may be NaN (never recorded). */
export function selectSelfPaced(losses: ArrayLike<number>, groups: ArrayLike<number>, pace: Pace): Selection {
  const N = losses.length;
  if (groups.length !== N) throw new Error(`SelfPaced: ${groups.length} group ids for ${N} losses`);
  if (!Number.isFinite(pace.lambda) && pace.lambda !== Infinity) throw new Error(`SelfPaced: lambda = ${pace.lambda} is not a number`);
  const byGroup = new Map<number, number[]>();
  for (let n = 0; n < N; n++) {
    const g = groups[n];
    if (!Number.isInteger(g)) throw new Error(`SelfPaced: groups[${n}] = ${g} must be an integer id`);
    let list = byGroup.get(g);
    if (list === undefined) byGroup.set(g, (list = []));
    list.push(n);
  }
  const keep = new Uint8Array(N);
  const key = (n: number): number => (Number.isNaN(losses[n]) ? Infinity : losses[n]);
  for (const members of byGroup.values()) {
    members.sort((a, b) => key(a) - key(b) || a - b);
    const cap = pace.quota === null ? members.length : Math.min(members.length, pace.quota);
    for (let i = 0; i < cap; i++) {
      const n = members[i];
      if (!Number.isNaN(losses[n]) && losses[n] < rankThreshold(pace.lambda, pace.gamma, i + 1)) keep[n] = 1;
    }
  }
  const indices: number[] = [];
  for (let n = 0; n < N; n++) if (keep[n]) indices.push(n);
  return { indices: Int32Array.from(indices), fraction: N === 0 ? 0 : indices.length / N };
}

/** `count` distinct indices of 0..N−1 drawn uniformly (ascending). */
export function selectRandom(N: number, count: number, rng: Rng): Selection {
  if (!Number.isInteger(count) || count < 0 || count > N) throw new Error(`SelfPaced: random count = ${count} must be an integer in 0..${N}`);
  const all = Array.from({ length: N }, (_, i) => i);
  const picked = rng.shuffle(all).slice(0, count).sort((a, b) => a - b);
  return { indices: Int32Array.from(picked), fraction: N === 0 ? 0 : count / N };
}

export interface EpochPlan {
  readonly epoch: number;
  readonly order: Int32Array; // dataset indices to train on this epoch, shuffled
  readonly fraction: number; // admitted / N
  readonly pace: Pace | null; // null at epoch 0 and for 'all'
  readonly lambda0: number | null; // the resolved λ_0 (null before it is known)
}

export interface PlanEpochArgs {
  readonly method: CurriculumMethod;
  readonly epoch: number; // 0-based
  readonly losses: ArrayLike<number>; // latest CE per sample (NaN = never recorded); unused at epoch 0
  readonly groups: ArrayLike<number>; // clusters ('spl-advise', 'random'), or the SPLD groups
  readonly config: SelfPacedConfig;
  readonly lambda0: number | null; // the λ_0 resolved at an earlier epoch, if any (pass plan.lambda0 back)
  readonly rng: Rng; // the epoch's order and the random baseline draw from rng.fork('epoch', epoch)
}

/**
 * What epoch `epoch` trains on. Epoch 0 (and every epoch of 'all'): every sample. Later epochs:
 * the rule at pace step epoch − 1; 'random' draws as many samples as the rule admits.
 */
export function planEpoch(args: PlanEpochArgs): EpochPlan {
  const { method, epoch, losses, groups, config, rng } = args;
  validateSelfPacedConfig(config);
  if (!['spl-advise', 'spld', 'random', 'all'].includes(method)) throw new Error(`SelfPaced: unknown method '${String(method)}' (spl-advise, spld, random, all)`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`SelfPaced: epoch = ${epoch} must be an integer ≥ 0`);
  const N = groups.length;
  const r = rng.fork('epoch', epoch);
  const everything = (): Int32Array => Int32Array.from(r.shuffle(Array.from({ length: N }, (_, i) => i)));
  if (epoch === 0 || method === 'all') return { epoch, order: everything(), fraction: 1, pace: null, lambda0: args.lambda0 };
  const lambda0 = args.lambda0 ?? config.lambda0 ?? lambdaForFraction(losses, config.startFraction);
  const pace = paceAt(config, epoch - 1, lambda0);
  const rule = selectSelfPaced(losses, groups, pace);
  const chosen = method === 'random' ? selectRandom(N, rule.indices.length, r.fork('random')) : rule;
  const order = Int32Array.from(r.shuffle(Array.from(chosen.indices)));
  return { epoch, order, fraction: chosen.fraction, pace, lambda0 };
}
