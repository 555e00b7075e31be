/**
 * The per-case Dice/HD95 table of an evaluation: one row per case, sortable by any region's Dice
 * or HD95, worst first by default (lowest mean Dice), so failures are what the user sees first.
 */
import type { Evaluation } from '../../shared/api';

export interface ScoreRow {
  caseId: string;
  dice: Record<string, number>;
  hd95: Record<string, number>;
  meanDice: number;
}

export type SortKey = 'case' | `dice:${string}` | `hd95:${string}`;
export interface Sort {
  key: SortKey;
  /** true: worst first (low Dice, high HD95), false: best first. */
  worstFirst: boolean;
}

export const DEFAULT_SORT: Sort = { key: 'dice:mean', worstFirst: true };

export function regionsOf(ev: Evaluation): string[] {
  const seen = new Set<string>();
  for (const c of ev.cases) for (const r of Object.keys(c.regions)) seen.add(r);
  const order = ['WT', 'TC', 'ET'];
  return [...seen].sort((a, b) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9) || a.localeCompare(b));
}

export function scoreRows(ev: Evaluation): ScoreRow[] {
  return ev.cases.map((c) => {
    const dice: Record<string, number> = {};
    const hd95: Record<string, number> = {};
    for (const [r, s] of Object.entries(c.regions)) {
      dice[r] = s.dice;
      hd95[r] = s.hd95;
    }
    const ds = Object.values(dice);
    return { caseId: c.caseId, dice, hd95, meanDice: ds.length ? ds.reduce((a, b) => a + b, 0) / ds.length : NaN };
  });
}

function valueOf(row: ScoreRow, key: SortKey): number | string {
  if (key === 'case') return row.caseId;
  const [metric, region] = key.split(':') as ['dice' | 'hd95', string];
  if (metric === 'dice') return region === 'mean' ? row.meanDice : (row.dice[region] ?? NaN);
  return row.hd95[region] ?? NaN;
}

/** Sorted copy; NaN (missing, or an undefined HD95) always sorts last. Ties by case id. */
export function sortRows(rows: readonly ScoreRow[], sort: Sort): ScoreRow[] {
  const hd = sort.key.startsWith('hd95');
  // worst first: ascending Dice, descending HD95; case ids ascending when "worstFirst".
  const dir = sort.key === 'case' ? (sort.worstFirst ? 1 : -1) : (hd ? -1 : 1) * (sort.worstFirst ? 1 : -1);
  return [...rows].sort((a, b) => {
    const va = valueOf(a, sort.key);
    const vb = valueOf(b, sort.key);
    if (typeof va === 'string' || typeof vb === 'string') return dir * String(va).localeCompare(String(vb));
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a.caseId.localeCompare(b.caseId) : na ? 1 : -1;
    return dir * (va - vb) || a.caseId.localeCompare(b.caseId);
  });
}
