/**
 * WebGPU in the engine process: the `webgpu` npm package ships Dawn (Chromium's WebGPU) as a
 * Node addon, and @tensorflow/tfjs-backend-webgpu runs tfjs kernels on it, so training reaches
 * Metal (macOS), Direct3D 12 (Windows) and Vulkan (Linux) GPUs without CUDA (ENVIRONMENT.md §10).
 *
 * Two steps, so selection can look before it commits:
 *   1. `probeWebGpu` loads Dawn, asks it for an adapter on the platform's native API and
 *      describes it (vendor, architecture, API, limits, software or not). Nothing is
 *      registered with tfjs yet.
 *   2. `exposeWebGpu` puts Dawn's `navigator.gpu` and GPU* globals where tfjs-backend-webgpu
 *      looks for them; importing that package then registers the 'webgpu' backend.
 *
 * Software adapters (SwiftShader, lavapipe/llvmpipe, WARP) emulate a GPU on the CPU and are
 * ~25× slower than the tfjs cpu backend here; select.ts never picks them unless forced.
 *
 * Types are declared locally (a few fields of the WebGPU API) so the engine's tsconfig needs no
 * DOM or @webgpu/types, and tests can hand in a fake Dawn.
 */

/** The fields of GPUAdapterInfo / GPUSupportedLimits we read. */
interface DawnAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
}
interface DawnGpu {
  requestAdapter(o?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}
/** What `import('webgpu')` gives. */
export interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** The native API Dawn drives on each platform (its default; named explicitly so we can report it). */
export type GpuApi = 'Metal' | 'Direct3D 12' | 'Vulkan';
const DAWN_BACKEND: Record<GpuApi, string> = { Metal: 'metal', 'Direct3D 12': 'd3d12', Vulkan: 'vulkan' };
export function gpuApiFor(platform: NodeJS.Platform): GpuApi {
  if (platform === 'darwin') return 'Metal';
  if (platform === 'win32') return 'Direct3D 12';
  return 'Vulkan';
}

/** What the status bar and `frugal doctor` show about the adapter (mirrored in shared/api.ts). */
export interface GpuAdapterReport {
  /** In words, for reports and the status bar: "google swiftshader (SwiftShader driver 5.0.0), Vulkan". */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  api: GpuApi;
  /** A CPU emulation of a GPU; `softwareReason` says how we know. */
  software: boolean;
  softwareReason?: string;
  /** The limits that bound model size (bytes) and kernel shape. */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

/** Names of CPU-emulated adapters: SwiftShader (Chromium), lavapipe/llvmpipe/softpipe (Mesa), WARP / Basic Render (Windows). */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function describeAdapter(adapter: DawnAdapter, api: GpuApi): GpuAdapterReport {
  const info = adapter.info ?? {};
  const text = (v: string | undefined) => (v ?? '').trim();
  const vendor = text(info.vendor);
  const architecture = text(info.architecture);
  const device = text(info.device);
  const description = text(info.description);
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const named = SOFTWARE_NAMES.exec([vendor, architecture, device, description].join(' '));
  const softwareReason = fallback ? 'the adapter reports isFallbackAdapter' : named ? `"${named[0]}" is a software renderer` : undefined;
  const l = adapter.limits;
  const head = [vendor, architecture || device].filter(Boolean).join(' ') || 'unnamed adapter';
  return {
    name: `${head}${description ? ` (${description})` : ''}, ${api}`,
    vendor,
    architecture,
    device,
    description,
    api,
    software: softwareReason !== undefined,
    ...(softwareReason ? { softwareReason } : {}),
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

export type WebGpuProbe =
  | { ok: true; gpu: DawnGpu; globals: Record<string, unknown>; adapter: GpuAdapterReport }
  | { ok: false; status: 'unavailable' | 'failed'; reason: string };

/** Advice for the errors users meet when Dawn cannot reach a driver. */
function loadHint(message: string, platform: NodeJS.Platform): string {
  if (/libvulkan\.so/.test(message)) return ' (install the Vulkan loader, e.g. `apt install libvulkan1`, and your GPU vendor\'s Vulkan driver)';
  if (platform === 'win32' && /d3dcompiler|dxcompiler|dxil/i.test(message)) return ' (the DirectX shader compiler DLLs next to dawn.node are missing: reinstall the `webgpu` package)';
  return '';
}

const NO_ADAPTER_HINT: Record<GpuApi, string> = {
  Vulkan: 'no Vulkan driver for a GPU was found: install your vendor\'s driver (NVIDIA proprietary, or Mesa\'s mesa-vulkan-drivers for AMD/Intel) and check with `vulkaninfo --summary`',
  Metal: 'macOS offered no Metal device (Metal needs macOS 10.15+ and a Metal-capable GPU)',
  'Direct3D 12': 'Windows offered no Direct3D 12 device: update the GPU driver (Direct3D 12 needs Windows 10+)',
};

/**
 * One Dawn instance per module and API for the life of the process. A second create() would
 * replace navigator.gpu while tfjs's device still hangs off the first, and when that first
 * instance is collected dawn.node aborts the process ("terminate called after throwing an
 * instance of 'std::system_error'", seen when selection ran twice in one process).
 */
const instances = new WeakMap<DawnModule, Map<string, DawnGpu>>();
function dawnInstance(dawn: DawnModule, backendFlag: string): DawnGpu {
  let byFlag = instances.get(dawn);
  if (!byFlag) instances.set(dawn, (byFlag = new Map()));
  let gpu = byFlag.get(backendFlag);
  if (!gpu) byFlag.set(backendFlag, (gpu = dawn.create([backendFlag])));
  return gpu;
}

/**
 * Load Dawn and ask for the high-performance adapter on the platform's native API. Never throws:
 * every failure comes back as a reason a user can act on.
 */
export async function probeWebGpu(load: () => Promise<unknown>, platform: NodeJS.Platform): Promise<WebGpuProbe> {
  const api = gpuApiFor(platform);
  let dawn: DawnModule;
  try {
    dawn = (await load()) as DawnModule;
    if (typeof dawn?.create !== 'function') return { ok: false, status: 'failed', reason: 'the `webgpu` package loaded but exports no create()' };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /'webgpu'|"webgpu"/.test(msg)) {
      return { ok: false, status: 'unavailable', reason: `Dawn not installed (the \`webgpu\` package is an optional dependency): ${msg}` };
    }
    return { ok: false, status: 'failed', reason: `Dawn (the \`webgpu\` package) failed to load: ${msg}${loadHint(msg, platform)}` };
  }
  let adapter: DawnAdapter | null;
  let gpu: DawnGpu;
  try {
    gpu = dawnInstance(dawn, `backend=${DAWN_BACKEND[api]}`);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, status: 'failed', reason: `Dawn could not start ${api}: ${msg}${loadHint(msg, platform)}` };
  }
  if (!adapter) return { ok: false, status: 'unavailable', reason: `Dawn found no ${api} adapter: ${NO_ADAPTER_HINT[api]}` };
  return { ok: true, gpu, globals: dawn.globals ?? {}, adapter: describeAdapter(adapter, api) };
}

/**
 * Make Dawn visible the way tfjs-backend-webgpu expects a browser: `navigator.gpu` and the
 * GPUBufferUsage/GPUMapMode/... constants as globals. Node 21+ and Electron's utility process
 * already have a `navigator` (without `gpu`): we add the property to it rather than replace it.
 * Existing globals are left alone.
 */
export function exposeWebGpu(gpu: unknown, globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav && typeof nav === 'object') {
    if (nav.gpu !== gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, enumerable: true, writable: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Device errors

/**
 * A WGSL shader that fails to compile does not throw in tfjs-backend-webgpu: Dawn reports a
 * validation error on the device, drops the dispatch (and the rest of its command buffer) and the
 * op returns whatever its output buffer held — wrong numbers, silently (the rank-5 kernels in
 * webgpu-kernels.ts were found this way). We listen for those errors so a training run fails
 * with the message instead of learning from garbage.
 */
const deviceErrors: string[] = [];
const watched = new WeakSet<object>();
const KEEP = 20;

interface ErrorSource {
  addEventListener(type: 'uncapturederror', cb: (e: { error?: { message?: string } }) => void): void;
}

/** Start collecting a tfjs webgpu backend's device errors; false if it has no device to watch. */
export function watchDeviceErrors(backend: unknown): boolean {
  const device = (backend as { device?: Partial<ErrorSource> } | null)?.device;
  if (!device || typeof device.addEventListener !== 'function') return false;
  if (watched.has(device)) return true;
  watched.add(device);
  device.addEventListener('uncapturederror', (e) => {
    if (deviceErrors.length < KEEP) deviceErrors.push((e.error?.message ?? 'unknown GPU error').trim());
  });
  return true;
}

/** The device errors seen since the last call (at most 20), and forget them. */
export function takeDeviceErrors(): string[] {
  return deviceErrors.splice(0);
}

/** Throw if the GPU reported errors since the last check: everything computed since may be wrong. */
export function throwOnDeviceErrors(where: string): void {
  const errors = takeDeviceErrors();
  if (errors.length === 0) return;
  const first = errors[0].split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ');
  throw new Error(
    `the GPU reported ${errors.length}${errors.length === KEEP ? '+' : ''} error(s) ${where}, so results computed since are wrong (a tfjs-backend-webgpu kernel failed to compile or run): ${first}. Run \`frugal doctor\`; FRUGAL_BACKEND=cpu avoids it`,
  );
}
