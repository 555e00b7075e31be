/**
 * Folders of fixture files for one test file: a temp root made before its tests and removed after;
 * `folder(name, files)` writes each file (strings as they are, anything else as pretty JSON, nested
 * names in their sub-folders) under root/name and returns that folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export function fixtureFolders(prefix: string): (name: string, files: Record<string, unknown>) => Promise<string> {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  return async (name, files) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    for (const [f, v] of Object.entries(files)) {
      const path = join(dir, f);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, typeof v === 'string' ? v : JSON.stringify(v, null, 2));
    }
    return dir;
  };
}
