/**
 * Main's answers to the door channels of the contract (DOOR_CHANNELS): what needs the desktop
 * app's own powers rather than the engine. Typed DoorHandlers, so a channel added to
 * DOOR_CHANNELS without a handler here is a type error. Electron's dialog is injected, so this
 * file imports electron as types only.
 */
import { isAbsolute } from 'node:path';
import type { DoorHandlers, EngineChannel, ParsedRequestOf, ResponseOf } from '../shared/api';
import { type AllowedRoots, fileUrl } from './file-access';

export interface DoorDeps {
  roots: AllowedRoots;
  /** Shows the native folder picker; the chosen folder, or null when cancelled. */
  pickFolder: (title: string) => Promise<string | null>;
  /** The engine supervisor's answers ('engine:status', 'engine:restart'). */
  engine: Pick<DoorHandlers, 'engine:status' | 'engine:restart'>;
}

export function createDoorHandlers(deps: DoorDeps): DoorHandlers {
  return {
    'files:url': async ({ path }) => {
      const check = await deps.roots.check(path);
      if (!check.ok) throw new Error(`files:url: ${check.reason}`);
      return { url: fileUrl(path) };
    },
    'dialog:openFolder': async ({ title }) => ({ path: await deps.pickFolder(title) }),
    'engine:status': (req) => deps.engine['engine:status'](req),
    'engine:restart': (req) => deps.engine['engine:restart'](req),
  };
}

/**
 * Folders the renderer may read from after an engine answer: a dataset it scanned or created,
 * the data a run predicted on, the runs folder, the images of a detection run's results. Learned
 * from answers (not requests), so a failed scan of a folder allows nothing.
 */
export function rootsFromEngineResult<K extends EngineChannel>(channel: K, req: ParsedRequestOf<K>, res: ResponseOf<K>): string[] {
  const out: (string | undefined)[] = [];
  if (channel === 'datasets:scan' || channel === 'datasets:createDemo') out.push((res as ResponseOf<'datasets:scan'>).root);
  else if (channel === 'runs:predict') out.push((req as ParsedRequestOf<'runs:predict'>).data);
  else if (channel === 'app:info') out.push((res as ResponseOf<'app:info'>).runsRoot);
  else if (channel === 'runs:getDetections') out.push((res as ResponseOf<'runs:getDetections'>)?.imagesRoot);
  return out.filter((p): p is string => typeof p === 'string' && isAbsolute(p));
}
