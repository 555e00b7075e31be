/**
 * The RevBiFPN architecture as one tree of module specs (`revbifpnSpecs`), from which the named
 * parameter shapes (and so the parameter count), the initialisation and the forward pass are all
 * derived: the count is not a separate formula, it is the sum over the same shapes that `init`
 * allocates (params.test.ts checks `flattenParams(init)` against `revbifpnParamShapes`).
 *
 * Module layout and every number (official `revbifpn.py`, `add_rev_make_layer`, FPN_Neck,
 * ClassHead; METHODS.md §2):
 * - stage b = 1..B (B = scales−1 + ext; the first scales−1 "grow" a new coarsest scale):
 *   - blocks[r][i], r < blocksPerStage, on every existing scale i: RevResidualBlock with F: MBConv(c_i/2
 *     → c_i/2) and G: MBConv(c_i/2 → c_i/2), k = dwk_i + dwkp_i, e_i, se_i, stride 1.
 *   - silo.down['itoj'] (i < j): MBConv(c_i → c_j, stride s = 2^(j−i), k = 2s − 1 + dwkp_i (`s_based_k`:
 *     3/7/15), e_i, se_i).
 *   - silo.up['itoj'] (i > j): MBConv(c_i → c_j, stride 1, k = 3 + dwkp_i, e_j, se_j), then bilinear
 *     upsampling ×2^(i−j) (nn.Upsample(mode='bilinear'), align_corners False).
 *   - stochastic depth p·b/B on every MBConv of the stage, except 0 on the growing silo's
 *     transforms into the new scale (the code also disables zero_init there; zero_init is off in
 *     every released config).
 * - neck[i]: MBConv(c_i → h_i, k = headKernel, headExpansion_i, headSe_i, stride 1).
 * - head.down[i], i < scales−1: MBConv(h_i → h_{i+1}, stride 2, k = 3 + head_dwkp_{i+1} = headKernel,
 *   headExpansion_i, headSe_i).
 * - head.final: ConvNormAct 1×1 h_last → fcFeatures (BN + Hardswish); absent when fcFeatures = 0.
 * - head.fc: Linear(fcFeatures → classes) with bias, PyTorch's default init.
 * BN γ/β count as parameters; running statistics live in the separate stats tree (not counted).
 *
 * Usage:
 *   revbifpnParamCount(revbifpnConfig('S4'));        // 48,687,336, nothing allocated
 *   const { params, stats } = initRevBifpn(cfg, new Rng(0));
 */
import * as tf from '@tensorflow/tfjs';
import { uniformInit } from '../../core/params';
import { type Rng } from '../../core/rng';
import { type BatchNormStats } from '../../nn/batchnorm';
import {
  type ConvNormAct2dConfig,
  type ConvNormAct2dParams,
  type MbConv2dConfig,
  type MbConv2dParams,
  type MbConv2dStats,
  convNormAct2dShapes,
  initConvNormAct2d,
  initMbConv2d,
  mbConv2dShapes,
} from '../../nn/mbconv2d';
import { type RevBifpnConfig, revbifpnStageCount } from './config';

/** An MBConv with what follows it in RevBiFPN: stochastic depth p (`drop`) and upsampling ×`upsample`. */
export interface MbSpec {
  readonly cfg: MbConv2dConfig;
  readonly drop: number; // stochastic-depth probability (per sample; training only)
  readonly upsample: number; // bilinear factor after the MBConv (silo up path), 1 elsewhere
}
export interface CnaSpec {
  readonly cfg: ConvNormAct2dConfig;
}
export interface LinearSpec {
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** F and G of one RevResidualBlock. */
export interface CouplingTree<MB> {
  readonly f: MB;
  readonly g: MB;
}
/** A RevSilo's transforms keyed 'itoj' (source scale i, target scale j): down i < j, up i > j. */
export interface SiloTree<MB> {
  readonly down: Readonly<Record<string, MB>>;
  readonly up: Readonly<Record<string, MB>>;
}
export interface StageTree<MB> {
  readonly blocks: readonly (readonly CouplingTree<MB>[])[]; // [repeat][scale]
  readonly silo: SiloTree<MB>;
}
export interface RevBifpnTree<MB, CNA, LIN> {
  readonly stages: readonly StageTree<MB>[];
  readonly neck: readonly MB[]; // per scale
  readonly head: { readonly down: readonly MB[]; readonly final?: CNA; readonly fc: LIN };
}

export interface LinearParams<T = tf.Tensor> {
  readonly w: T; // [in, out]
  readonly b: T; // [out]
}
/** No running statistics (the Linear layer). */
export type NoStats = Readonly<Record<string, never>>;

export type RevBifpnSpecs = RevBifpnTree<MbSpec, CnaSpec, LinearSpec>;
export type RevBifpnParams<T = tf.Tensor> = RevBifpnTree<MbConv2dParams<T>, ConvNormAct2dParams<T>, LinearParams<T>>;
export type RevBifpnStats = RevBifpnTree<MbConv2dStats, BatchNormStats, NoStats>;

/** Scales entering and leaving stage s (0-based): growth stages add one scale. */
export function stageScales(cfg: RevBifpnConfig, s: number): { nIn: number; nOut: number } {
  const L = cfg.channels.length;
  return s < L - 1 ? { nIn: s + 1, nOut: s + 2 } : { nIn: L, nOut: L };
}

export const siloKey = (i: number, j: number): string => `${i}to${j}`;

/** The architecture as module specs (see file header). Pure: no tensors. */
export function revbifpnSpecs(cfg: RevBifpnConfig): RevBifpnSpecs {
  const B = revbifpnStageCount(cfg);
  const L = cfg.channels.length;
  const c = cfg.channels;
  const stages: StageTree<MbSpec>[] = [];
  for (let s = 0; s < B; s++) {
    const { nIn, nOut } = stageScales(cfg, s);
    const drop = (cfg.stochasticDepth * (s + 1)) / B;
    const blocks = Array.from({ length: cfg.blocksPerStage }, () =>
      Array.from({ length: nIn }, (_, i) => {
        const half: MbConv2dConfig = { inChannels: c[i] / 2, outChannels: c[i] / 2, kernel: cfg.dwk[i] + cfg.dwkp[i], stride: 1, expansion: cfg.expansion[i], se: cfg.se[i] };
        return { f: { cfg: half, drop, upsample: 1 }, g: { cfg: half, drop, upsample: 1 } };
      }),
    );
    const down: Record<string, MbSpec> = {};
    const up: Record<string, MbSpec> = {};
    for (let i = 0; i < nOut; i++) {
      for (let j = 0; j < nOut; j++) {
        if (j > i && i < nIn) {
          const stride = 2 ** (j - i);
          const growing = nOut > nIn && j === nOut - 1;
          down[siloKey(i, j)] = {
            cfg: { inChannels: c[i], outChannels: c[j], kernel: 2 * stride - 1 + cfg.dwkp[i], stride, expansion: cfg.expansion[i], se: cfg.se[i] },
            drop: growing ? 0 : drop,
            upsample: 1,
          };
        } else if (j < i) {
          up[siloKey(i, j)] = {
            cfg: { inChannels: c[i], outChannels: c[j], kernel: 3 + cfg.dwkp[i], stride: 1, expansion: cfg.expansion[j], se: cfg.se[j] },
            drop,
            upsample: 2 ** (i - j),
          };
        }
      }
    }
    stages.push({ blocks, silo: { down, up } });
  }
  const h = cfg.headChannels;
  const neck = c.map((ci, i) => ({
    cfg: { inChannels: ci, outChannels: h[i], kernel: cfg.headKernel, stride: 1, expansion: cfg.headExpansion[i], se: cfg.headSe[i] },
    drop: 0,
    upsample: 1,
  }));
  const headDown = Array.from({ length: L - 1 }, (_, i) => ({
    cfg: { inChannels: h[i], outChannels: h[i + 1], kernel: cfg.headKernel, stride: 2, expansion: cfg.headExpansion[i], se: cfg.headSe[i] },
    drop: 0,
    upsample: 1,
  }));
  const last = h[L - 1];
  const final = cfg.fcFeatures > 0 ? { cfg: { inChannels: last, outChannels: cfg.fcFeatures, kernel: 1, stride: 1 } } : undefined;
  const fc = { inFeatures: cfg.fcFeatures > 0 ? cfg.fcFeatures : last, outFeatures: cfg.classes };
  return { stages, neck, head: { down: headDown, ...(final ? { final } : {}), fc } };
}

/** Maps every module of a tree; `path` is the module's dotted name ('stages.3.silo.down.0to2'). */
export function mapRevBifpnTree<A, B, C, A2, B2, C2>(
  t: RevBifpnTree<A, B, C>,
  fa: (a: A, path: string) => A2,
  fb: (b: B, path: string) => B2,
  fc: (c: C, path: string) => C2,
): RevBifpnTree<A2, B2, C2> {
  const rec = (r: Readonly<Record<string, A>>, path: string): Record<string, A2> =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fa(v, `${path}.${k}`)]));
  return {
    stages: t.stages.map((st, s) => ({
      blocks: st.blocks.map((rep, r) => rep.map((cp, i) => ({ f: fa(cp.f, `stages.${s}.blocks.${r}.${i}.f`), g: fa(cp.g, `stages.${s}.blocks.${r}.${i}.g`) }))),
      silo: { down: rec(st.silo.down, `stages.${s}.silo.down`), up: rec(st.silo.up, `stages.${s}.silo.up`) },
    })),
    neck: t.neck.map((m, i) => fa(m, `neck.${i}`)),
    head: {
      down: t.head.down.map((m, i) => fa(m, `head.down.${i}`)),
      ...(t.head.final !== undefined ? { final: fb(t.head.final, 'head.final') } : {}),
      fc: fc(t.head.fc, 'head.fc'),
    },
  };
}

/** Every trainable tensor's dotted name and shape, in `flattenParams(initRevBifpn(cfg).params)` order. */
export function revbifpnParamShapes(cfg: RevBifpnConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const put = (path: string, shapes: Record<string, number[]>): void => {
    for (const [k, s] of Object.entries(shapes)) out.set(`${path}.${k}`, s);
  };
  mapRevBifpnTree(
    revbifpnSpecs(cfg),
    (m, path) => put(path, mbConv2dShapes(m.cfg)),
    (m, path) => put(path, convNormAct2dShapes(m.cfg)),
    (m, path) => put(path, { w: [m.inFeatures, m.outFeatures], b: [m.outFeatures] }),
  );
  return out;
}

/** Trainable parameters (BN γ/β included, running statistics not), from the shapes alone. */
export function revbifpnParamCount(cfg: RevBifpnConfig): number {
  let n = 0;
  for (const s of revbifpnParamShapes(cfg).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Parameters and BN running statistics. Each module draws from `rng.fork(path)`, so a module's
 * init does not depend on the others (e.g. S0 with ext 1 shares stages 0–3 with S0 ext 2).
 * Convs: Kaiming-normal fan_out (nn/mbconv2d.ts); Linear: PyTorch's default, U(±1/√in) for w and b.
 */
export function initRevBifpn(cfg: RevBifpnConfig, rng: Rng): { params: RevBifpnParams<tf.Variable>; stats: RevBifpnStats } {
  const both = mapRevBifpnTree(
    revbifpnSpecs(cfg),
    (m, path) => initMbConv2d(m.cfg, rng.fork(path)),
    (m, path) => initConvNormAct2d(m.cfg, rng.fork(path)),
    (m, path) => {
      const bound = 1 / Math.sqrt(m.inFeatures);
      const r = rng.fork(path);
      return { params: { w: uniformInit(r.fork('w'), [m.inFeatures, m.outFeatures], bound), b: uniformInit(r.fork('b'), [m.outFeatures], bound) }, stats: {} as NoStats };
    },
  );
  return {
    params: mapRevBifpnTree(both, (m) => m.params, (m) => m.params, (m) => m.params),
    stats: mapRevBifpnTree(both, (m) => m.stats, (m) => m.stats, (m) => m.stats),
  };
}
