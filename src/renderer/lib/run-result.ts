/**
 * A run's key result for the run list, from its summary (summary.json, as the engine writes it):
 * segmentation runs their best validation mean Dice; continual runs the method and the average
 * accuracy over all tasks (ACC); self-paced runs the method and the final test accuracy; RevBiFPN
 * classification its last top-1 and detection its last COCO AP and AP50; SPDF runs their variant,
 * last validation loss and (fine-tuning) BLEU.
 */
import { formatNumber } from './format';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

export function runResult(summary: Readonly<Record<string, unknown>> | null | undefined): string {
  if (!summary) return '—';
  const method = typeof summary.method === 'string' && summary.method ? `${summary.method} · ` : '';
  const dice = num(summary.bestDiceMean);
  if (dice !== null) return `Dice ${formatNumber(dice)}`;
  const acc = num(summary.averageAccuracy);
  if (acc !== null) return `${method}ACC ${pct(acc)}`;
  const test = num(summary.finalTestAccuracy);
  if (test !== null) return `${method}test ${pct(test)}`;
  const top1 = num(summary.top1);
  if (top1 !== null) return `top-1 ${pct(top1)}`;
  const stats = summary.stats as Record<string, unknown> | undefined;
  const ap = num(stats?.AP);
  const ap50 = num(stats?.AP50);
  if (ap !== null && ap50 !== null) return `AP ${formatNumber(ap)} · AP50 ${formatNumber(ap50)}`;
  const valLoss = num(summary.valLoss);
  if (typeof summary.variant === 'string' && valLoss !== null) {
    const bleu = num(summary.bleu);
    return `${summary.variant} · val loss ${valLoss.toFixed(3)}${bleu !== null ? ` · BLEU ${bleu.toFixed(1)}` : ''}`;
  }
  return method ? method.slice(0, -3) : '—';
}
