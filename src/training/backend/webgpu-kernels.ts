/**
 * Workarounds for @tensorflow/tfjs-backend-webgpu 4.22 kernels that are missing or compute the
 * wrong thing, found by the parity tests in test/webgpu/ (each entry names the test that fails
 * without it). Applied once, right after the backend registers (select.ts), so every door (CLI,
 * `frugal serve`, the Electron engine process, tests) trains with the same kernels.
 *
 * The common cause is rank ≥ 5 (our volumes are [B,D,H,W,C]): tfjs-webgpu stands for 5-D and
 * 6-D coordinates with WGSL structs `vec5`/`vec6`, and several shaders index or compare them like
 * vectors (`coords[4]`, `any(paddedCoords < start)`). Such a shader fails to compile; Dawn only
 * logs a "validation:" warning, the dispatch is dropped (with the rest of its command batch), and
 * the op returns whatever the output buffer held: silently wrong numbers, no exception. Others
 * throw ("Where for rank 5 is not yet supported"). Each workaround reshapes the operands to an
 * equivalent rank ≤ 4 problem (free on webgpu: a reshape only relabels the buffer) and calls
 * the original kernel, so the arithmetic stays tfjs's own.
 *
 * Found broken but NOT worked around, because no model here uses them (test/webgpu/ops.test.ts
 * lists them): StridedSlice, MirrorPad, Reverse and Cumsum at rank 5.
 */
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'webgpu';
type Info = tf.TensorInfo;
type Args = Parameters<tf.KernelFunc>[0];
interface DataBackend {
  disposeData(dataId: object): boolean;
}

interface Workaround {
  /** As shown in the backend report. */
  readonly name: string;
  readonly kernels: readonly string[];
  readonly wrap: (original: tf.KernelFunc) => tf.KernelFunc;
}

/** x viewed with another shape through the backend's own Reshape (shares the buffer, counts a reference). */
function reshape(x: Info, shape: number[], backend: Args['backend']): Info {
  return tf.getKernel('Reshape', BACKEND).kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as Info;
}

function release(backend: Args['backend'], ...infos: Info[]): void {
  for (const t of infos) (backend as DataBackend).disposeData(t.dataId);
}

/**
 * Merges adjacent axes on which every operand broadcasts the same way (all full, or the same
 * ones of size 1), and drops axes of size 1: an elementwise op over the result is the same
 * computation. [2,4,4,4,8] ⊙ [8] → [128,8] ⊙ [1,8]. Exported for its unit test.
 */
export function collapseBroadcast(shapes: readonly number[][], out: readonly number[]): { out: number[]; shapes: number[][] } {
  const r = out.length;
  const full = shapes.map((s) => [...new Array<number>(r - s.length).fill(1), ...s]);
  const groups: { key: string; out: number; dims: number[] }[] = [];
  for (let i = 0; i < r; i++) {
    if (out[i] === 1) continue;
    const key = full.map((s) => (s[i] === 1 ? '1' : 'n')).join('');
    const last = groups[groups.length - 1];
    if (last !== undefined && last.key === key) {
      last.out *= out[i];
      last.dims = last.dims.map((d, j) => d * full[j][i]);
    } else groups.push({ key, out: out[i], dims: full.map((s) => s[i]) });
  }
  if (groups.length === 0) return { out: [1], shapes: shapes.map(() => [1]) };
  return { out: groups.map((g) => g.out), shapes: shapes.map((_, j) => groups.map((g) => g.dims[j])) };
}

/**
 * Merges each unpadded axis into the axis before it (constant padding of an outer axis by p is
 * padding of the merged axis by p·inner). [2,4,4,4,6] padded on C only → [128,6]. Exported for its
 * unit test.
 */
export function collapsePad(shape: readonly number[], paddings: readonly [number, number][]): { shape: number[]; paddings: [number, number][] } {
  const dims: number[] = [];
  const pads: [number, number][] = [];
  shape.forEach((n, i) => {
    const [lo, hi] = paddings[i];
    if (i === 0 || lo !== 0 || hi !== 0) {
      dims.push(n);
      pads.push([lo, hi]);
    } else {
      const k = dims.length - 1;
      dims[k] *= n;
      pads[k] = [pads[k][0] * n, pads[k][1] * n];
    }
  });
  return { shape: dims, paddings: pads };
}

/** Binary kernels share BinaryOpProgram (via binaryKernelFunc; Prelu too). */
const BINARY = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'FloorDiv', 'Mod', 'Pow', 'Maximum', 'Minimum', 'SquaredDifference', 'Atan2', 'Prelu',
  'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr',
];

const WORKAROUNDS: readonly Workaround[] = [
  {
    // test/webgpu/ops.test.ts "rank-5 kernels with workarounds" › "mul [2,4,4,4,6] ⊙ [6]" etc.,
    // and "rev U-Net 3D" › "groupNorm G=2 (fused)" (forward relative error 1.0 without it):
    // x [B,D,H,W,C] ⊙ v [C] takes BinaryOpProgram's shared-memory path (an operand of rank ≤ 1 and
    // < 128 entries), whose shader reads `sharedBuf[coords[4]]` on a vec5 struct and fails to
    // compile. Measured on [2,3,2,4,6] ⊙ [6]: relative error 1.0–3.2 for add, sub, mul, div,
    // maximum, minimum, squaredDifference (either operand order), 3.2e3 for pow, 2.5e2 for greater.
    // It hits every norm's γ/β and every per-channel bias on a volume: the rev U-Net's loss came out
    // −1.79 instead of −29.27 (webgpu-kernels.test.ts).
    name: 'rank-5 binary ops (collapsed to rank ≤ 4)',
    kernels: BINARY,
    wrap: (original) => (args) => {
      const names = Object.keys(args.inputs);
      if (names.length !== 2) return original(args);
      const [a, b] = names.map((k) => args.inputs[k] as Info);
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (out.length < 5 || out.includes(0)) return original(args);
      const plan = collapseBroadcast([a.shape, b.shape], out);
      if (plan.out.length >= 5) return original(args);
      const { backend } = args;
      const ra = reshape(a, plan.shapes[0], backend);
      const rb = reshape(b, plan.shapes[1], backend);
      const y = original({ ...args, inputs: { [names[0]]: ra, [names[1]]: rb } }) as Info;
      const res = reshape(y, out, backend);
      release(backend, ra, rb, y);
      return res;
    },
  },
  {
    // test/webgpu/ops.test.ts "activation leakyRelu (ops)", "activation hardswish (ops)", "where on
    // a volume", "clipByValue on a volume": SelectProgram throws "Where for rank 5 is not yet
    // supported", so tf.where on a volume (the 'ops' hardswish) and the gradients of leakyRelu,
    // prelu and clipByValue fail there. tf.where broadcasts its three operands to one shape first,
    // so the select is elementwise on the flat buffers.
    name: 'rank-5 Select (flattened)',
    kernels: ['Select'],
    wrap: (original) => (args) => {
      const { condition, t, e } = args.inputs as Record<string, Info>;
      const same = (s: number[]) => s.length === t.shape.length && s.every((d, i) => d === t.shape[i]);
      if (t.shape.length < 5 || !same(condition.shape) || !same(e.shape)) return original(args);
      const { backend } = args;
      const flat = [tf.util.sizeFromShape(t.shape)];
      const rc = reshape(condition, flat, backend);
      const rt = reshape(t, flat, backend);
      const re = reshape(e, flat, backend);
      const y = original({ ...args, inputs: { condition: rc, t: rt, e: re } }) as Info;
      const res = reshape(y, t.shape, backend);
      release(backend, rc, rt, re, y);
      return res;
    },
  },
  {
    // test/webgpu/ops.test.ts "slice channel halves + concat swapped" (its gradient) and "pad rank
    // 5: …": PadProgram indexes a `vec5(...)` struct (`uniforms.pad0[0] + uniforms.xShape[0]`, then
    // `any(paddedCoords < start)`), which does not compile at rank 5. Measured: tf.pad of
    // [2,3,2,4,6] relative error 1.0 (output never written), and so the gradient of every rank-5
    // tf.slice — the U-Net's channel split (sliceChannels off the host) — 1.78. Up to 3 padded axes
    // collapse to rank ≤ 4; more are padded in two passes.
    name: 'rank-5 PadV2 (collapsed to rank ≤ 4)',
    kernels: ['PadV2'],
    wrap: (original) => {
      const pad = (args: Args): Info => {
        const x = args.inputs.x as Info;
        const paddings = args.attrs!.paddings as [number, number][];
        if (x.shape.length < 5 || paddings.every(([lo, hi]) => lo === 0 && hi === 0) || x.shape.includes(0)) return original(args) as Info;
        const { backend } = args;
        const plan = collapsePad(x.shape, paddings);
        if (plan.shape.length >= 5) {
          // Pad the first three padded axes, then the rest: each pass collapses to rank ≤ 4.
          const padded = paddings.map((p, i) => (p[0] !== 0 || p[1] !== 0 ? i : -1)).filter((i) => i >= 0);
          const first = new Set(padded.slice(0, 3));
          const p1 = paddings.map((p, i): [number, number] => (first.has(i) ? p : [0, 0]));
          const p2 = paddings.map((p, i): [number, number] => (first.has(i) ? [0, 0] : p));
          const y1 = pad({ ...args, attrs: { ...args.attrs, paddings: p1 } });
          const y2 = pad({ ...args, inputs: { x: y1 }, attrs: { ...args.attrs, paddings: p2 } });
          release(backend, y1);
          return y2;
        }
        const rx = reshape(x, plan.shape, backend);
        const y = original({ ...args, inputs: { x: rx }, attrs: { ...args.attrs, paddings: plan.paddings } }) as Info;
        const res = reshape(y, x.shape.map((n, i) => n + paddings[i][0] + paddings[i][1]), backend);
        release(backend, rx, y);
        return res;
      };
      return pad as tf.KernelFunc;
    },
  },
  {
    // src/training/backend/webgpu-kernels.test.ts "Cast int32/bool → float32": tfjs-webgpu casts
    // to a wider type by relabelling the buffer (Cast.js: "no encoding loss" → identity), so a
    // float32 tensor keeps int32 data. Elementwise ops read it through its new label and happen to
    // work, but programs that copy values (Transpose, hence tf.sum over non-innermost axes of a
    // volume) fail to compile ("expected 'f32', got 'i32'") and return stale memory: measured
    // relative error 1.0 for sum(cast(x > 0.2), [1,2,3]) and sum(cast(int32), [1,2,3]) on a
    // [2,4,4,4,3] volume. A real conversion: multiply by a float32 1 (the binary program reads
    // each operand by its own dtype and writes float32).
    name: 'Cast int32/bool → float32 (converted, not relabelled)',
    kernels: ['Cast'],
    wrap: (original) => (args) => {
      const x = args.inputs.x as Info;
      if (args.attrs?.dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return original(args);
      const { backend } = args;
      const one = (backend as unknown as { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): Info }).makeTensorInfo([], 'float32', new Float32Array([1]));
      const y = tf.getKernel('Multiply', BACKEND).kernelFunc({ inputs: { a: x, b: one }, backend, attrs: {} }) as Info;
      release(backend, one);
      return y;
    },
  },
];

/** The kernels as tfjs-backend-webgpu registered them, while our wrappers are in place. */
const originals = new Map<string, tf.KernelConfig>();

/** Register the workarounds; returns what was applied, for the backend report. Idempotent. */
export function applyWebGpuWorkarounds(): string[] {
  const applied: string[] = [];
  for (const w of WORKAROUNDS) {
    let any = false;
    for (const k of w.kernels) {
      const cfg = tf.getKernel(k, BACKEND);
      if (cfg === undefined) continue;
      any = true;
      if (originals.has(k)) continue;
      originals.set(k, cfg);
      tf.unregisterKernel(k, BACKEND);
      tf.registerKernel({ ...cfg, kernelFunc: w.wrap(cfg.kernelFunc) });
    }
    if (any) applied.push(w.name);
  }
  return applied;
}

/** Put tfjs-webgpu's own kernels back (tests use it to show each workaround is still needed). */
export function removeWebGpuWorkarounds(): void {
  for (const [k, cfg] of originals) {
    tf.unregisterKernel(k, BACKEND);
    tf.registerKernel(cfg);
  }
  originals.clear();
}
