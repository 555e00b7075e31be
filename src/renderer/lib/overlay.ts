/** Several (x, y) series on one x axis (the union of their x values), for overlaying runs. */

export function alignSeries(list: readonly { x: readonly number[]; y: readonly (number | null)[] }[]): { x: number[]; ys: (number | null)[][] } {
  const xs = [...new Set(list.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((v, i) => [v, i]));
  const ys = list.map((s) => {
    const out = new Array<number | null>(xs.length).fill(null);
    s.x.forEach((v, i) => (out[index.get(v)!] = s.y[i] ?? null));
    return out;
  });
  return { x: xs, ys };
}
