/**
 * Workarounds for @tensorflow/tfjs-backend-webgpu 4.22 kernels that are missing or compute the
 * wrong thing, found by the parity tests in test/webgpu/ (each entry names the test that fails
 * without it). Applied once, right after the backend registers (select.ts), so every door (CLI,
 * `frugal serve`, the Electron engine process, tests) trains with the same kernels.
 */

/** Register the workarounds; returns what was applied, for the backend report. */
export function applyWebGpuWorkarounds(): string[] {
  return [];
}
