/**
 * An engine module (src/training/<path>) for the renderer tests that check the renderer's copies
 * against the engine. Loaded at run time by a computed path on purpose: a static import would pull
 * src/training into svelte-check, whose renderer tsconfig (DOM, no Node types) includes
 * test/renderer; so the caller states the part of the module's type it uses.
 */
export async function engineModule<T>(path: string): Promise<T> {
  const url = new URL(`../../src/training/${path}.ts`, import.meta.url).href;
  return (await import(/* @vite-ignore */ url)) as T;
}
