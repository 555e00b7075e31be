/**
 * `frugal serve`'s side of the contract: every request from a browser tab is validated with the
 * contract's parseRequest (the error names the channel and field), then answered by the door's
 * own handlers ('files:url', 'dialog:openFolder', 'engine:status', 'engine:restart') or forwarded
 * to the engine host through the supervisor. Dataset folders that pass through (scans, demo data,
 * the data of opened runs, the images of a detection run's results) become roots the /files route
 * may serve from.
 */
import { isAbsolute, resolve } from 'node:path';
import { DOOR_CHANNELS, isInvokeChannel, parseRequest, type DoorChannel, type DoorHandlers, type EngineChannel, type InvokeChannel, type ResponseOf } from '../shared/api';
import type { EngineSupervisor } from '../training/host/supervisor';
import { fileUrl, type FileRoots } from './files';

export interface RouterDeps {
  supervisor: EngineSupervisor;
  roots: FileRoots;
  token: string;
}

function serveDoorHandlers({ supervisor, roots, token }: RouterDeps): DoorHandlers {
  return {
    'files:url': async ({ path }) => {
      if (!isAbsolute(path)) throw new Error(`files:url: path must be absolute, got ${path}`);
      const real = await roots.resolveAllowed(path).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`files:url: ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      });
      if (!real) throw new Error(`files:url: ${path} is not under a folder this server shares (scanned or created datasets, the runs folder ${roots.list()[0] ?? ''}); scan its dataset first`);
      return { url: fileUrl(path, token) };
    },
    // A browser has no native folder picker that yields a path: the GUI shows a text field.
    'dialog:openFolder': async () => ({ path: null }),
    ...supervisor.doorHandlers,
  };
}

const isDoorChannel = (c: InvokeChannel): c is DoorChannel => (DOOR_CHANNELS as readonly string[]).includes(c);

export function createApiRouter(deps: RouterDeps): (channel: string, payload: unknown) => Promise<unknown> {
  const door = serveDoorHandlers(deps);
  const share = (dir: unknown) => {
    if (typeof dir === 'string' && dir !== '' && isAbsolute(dir)) deps.roots.add(dir);
  };
  return async (channel, payload) => {
    if (!isInvokeChannel(channel)) throw new Error(`unknown API channel '${channel}'`);
    const req = parseRequest(channel, payload);
    if (isDoorChannel(channel)) return (door[channel] as (r: unknown) => Promise<unknown>)(req);
    const result = await deps.supervisor.invoke(channel as EngineChannel, req as never);
    if (channel === 'datasets:scan' || channel === 'datasets:createDemo') share((result as { root: string }).root);
    if (channel === 'runs:get') {
      const r = result as { config: Record<string, unknown>; predictions: { data: string }[] };
      share(typeof r.config.data === 'string' ? resolve(r.config.data) : undefined);
      for (const p of r.predictions) share(p.data);
    }
    // A detection run's images (its validation split), so the viewer can load them by 'files:url'.
    if (channel === 'runs:getDetections') share((result as ResponseOf<'runs:getDetections'>)?.imagesRoot);
    return result;
  };
}
