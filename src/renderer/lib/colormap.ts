/**
 * Colours for the method views: viridis (perceptually uniform, readable in grey and by most
 * colour-blind viewers) for values in [0, 1], a text colour that stays legible on it, and a
 * categorical palette for classes and methods.
 */

// matplotlib's viridis sampled at 0, 0.1, …, 1; linear in between (close enough at this spacing).
const VIRIDIS = ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'].map(
  (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)),
);

function rgbAt(t: number): number[] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
}

/** Viridis colour of t in [0, 1] (clamped), as 'rgb(r, g, b)'. */
export function viridis(t: number): string {
  const [r, g, b] = rgbAt(t);
  return `rgb(${r}, ${g}, ${b})`;
}

/** Dark text on the light (green-yellow) end of viridis, white on the dark end. */
export function textOn(t: number): string {
  const [r, g, b] = rgbAt(t).map((c) => (c / 255) ** 2.2);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 ? '#0b1220' : '#ffffff';
}

// Tableau 10, brightened a little for the dark theme.
const CATEGORICAL = ['#5b9bd5', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#c49a7a', '#bab0ac'];

/** A distinct colour per class or method index; past 10, hues around the wheel. */
export function categoryColor(i: number): string {
  if (i >= 0 && i < CATEGORICAL.length) return CATEGORICAL[i];
  return `hsl(${Math.round((i * 137.508) % 360)}, 65%, 62%)`;
}
