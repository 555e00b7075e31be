/** Which view is shown, and the keyboard shortcuts that switch views (Alt+1 … Alt+5). */
import { createContext } from 'svelte';

export const VIEWS = [
  { id: 'datasets', label: 'Datasets' },
  { id: 'viewer', label: 'Viewer' },
  { id: 'train', label: 'Train' },
  { id: 'runs', label: 'Runs' },
  { id: 'experiments', label: 'Experiments' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export function shortcutOf(view: ViewId): string {
  return `Alt+${VIEWS.findIndex((v) => v.id === view) + 1}`;
}

export class NavState {
  current = $state<ViewId>('datasets');

  go(view: ViewId): void {
    this.current = view;
  }

  /** Alt+digit (by key position, so it works on any layout); true when handled. */
  handleKey(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'code'>): boolean {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return false;
    const m = /^(?:Digit|Numpad)([1-9])$/.exec(e.code);
    const view = m ? VIEWS[Number(m[1]) - 1] : undefined;
    if (!view) return false;
    this.go(view.id);
    return true;
  }
}

export const [getNav, setNav] = createContext<NavState>();
