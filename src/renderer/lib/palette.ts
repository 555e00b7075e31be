/** Chart colours: one per metric so a region has the same colour on every chart. */

export const LOSS_COLOR = '#6ea8fe';
export const LOSS_RAW_COLOR = 'rgba(110,168,254,0.35)';

const METRIC_COLORS: Record<string, string> = {
  mean: '#e6e9ef',
  WT: '#3fb950',
  TC: '#f0b429',
  ET: '#ff6b6b',
};

export function metricColor(name: string): string {
  const key = Object.keys(METRIC_COLORS).find((k) => name.endsWith(k));
  return key ? METRIC_COLORS[key] : '#c297ff';
}

/** Two compared runs: A solid blue-ish, B orange. */
export const RUN_COLORS = ['#6ea8fe', '#ff9f43'] as const;
