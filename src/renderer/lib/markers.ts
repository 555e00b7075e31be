/**
 * Marker shapes as SVG path data centred on (0, 0), so one definition draws both on a canvas
 * (new Path2D(d)) and in an SVG legend. The embedding view gives each cluster of a class its own
 * shape (by the cluster's rank within the class); past 8 clusters the shapes repeat.
 */

export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'plus', 'cross', 'star'] as const;
export type Marker = (typeof MARKERS)[number];

const f = (v: number): string => v.toFixed(2);

function polygon(pts: [number, number][]): string {
  return `M ${pts.map(([x, y]) => `${f(x)} ${f(y)}`).join(' L ')} Z`;
}

function rotate(pts: [number, number][], a: number): [number, number][] {
  return pts.map(([x, y]) => [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a)]);
}

export function markerPath(shape: Marker, r: number): string {
  const w = r * 0.38; // half-width of the plus and cross arms
  const plus: [number, number][] = [[-w, -r], [w, -r], [w, -w], [r, -w], [r, w], [w, w], [w, r], [-w, r], [-w, w], [-r, w], [-r, -w], [-w, -w]];
  switch (shape) {
    case 'circle':
      return `M ${f(r)} 0 A ${f(r)} ${f(r)} 0 1 0 ${f(-r)} 0 A ${f(r)} ${f(r)} 0 1 0 ${f(r)} 0 Z`;
    case 'square':
      return polygon([[-0.85 * r, -0.85 * r], [0.85 * r, -0.85 * r], [0.85 * r, 0.85 * r], [-0.85 * r, 0.85 * r]]);
    case 'triangle':
      return polygon([[0, -r], [r, 0.75 * r], [-r, 0.75 * r]]);
    case 'triangle-down':
      return polygon([[0, r], [r, -0.75 * r], [-r, -0.75 * r]]);
    case 'diamond':
      return polygon([[0, -r * 1.1], [r, 0], [0, r * 1.1], [-r, 0]]);
    case 'plus':
      return polygon(plus);
    case 'cross':
      return polygon(rotate(plus, Math.PI / 4));
    case 'star':
      return polygon(Array.from({ length: 10 }, (_, i) => {
        const rr = i % 2 ? r * 0.45 : r * 1.1;
        const a = (i * Math.PI) / 5 - Math.PI / 2;
        return [rr * Math.cos(a), rr * Math.sin(a)] as [number, number];
      }));
  }
}

export function markerOf(rank: number): Marker {
  return MARKERS[((rank % MARKERS.length) + MARKERS.length) % MARKERS.length];
}
