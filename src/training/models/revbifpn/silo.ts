/**
 * RevSilo, the additive-coupling reversible residual silo of RevBiFPN (official
 * `rev_structs/revstructs/rev_silo.py` RevResidualSilo = RevAdditiveCouplingSilo (down) then
 * G_RevAdditiveCouplingSilo (up); METHODS.md §2 "Reversible structures"). Scale 0 is the finest.
 *
 *   down: u_j = x_j + Σ_{i<j} f_ij(x_i)        (every term reads the ORIGINAL x_i)
 *   up:   v_j = u_j + Σ_{i>j} g_ij(u_i)        (every term reads u_i, the down pass's output)
 *   inverse: u_j = v_j − Σ_{i>j} g_ij(u_i) for j = N−1 … 0; then x_j = u_j − Σ_{i<j} f_ij(x_i), j = 0 … N−1
 * f_ij: MBConv stride 2^{j−i}; g_ij: MBConv stride 1 then bilinear ×2^{i−j} (params.ts has the specs).
 * Growing silo (nOut = nIn + 1): u_N = Σ_{i<N} f_iN(x_i) with no residual (the code's y[j] starts as
 * None); its inverse simply drops u_N.
 *
 * Backward: hand-written, as the official `backward_pass`, rather than `genericRevBlock` (inverse,
 * then recompute the whole silo under one tape):
 * - each f_ij/g_ij is evaluated once, by `vjp`, which gives its value (for the reconstruction) and
 *   the gradients together; genericRevBlock would evaluate every transform twice (inverse, then
 *   taped recompute);
 * - the working set is ONE transform's tape plus the silo's inputs/outputs and their cotangents,
 *   because each transform's VJP runs in its own tidy and the partial sums it replaces are freed;
 *   genericRevBlock would hold the tapes of all N(N−1) transforms at once (12 MBConvs at 4 scales).
 * Cotangents: the output of g_ij receives dv_j and that of f_ij receives du_j, so
 *   du_i = dv_i + Σ_{j<i} g_ijᵀ·dv_j,   dx_i = du_i + Σ_{j>i} f_ijᵀ·du_j.
 * Order: for the up pass, sources i = N−1 … 1 (u_i is final once all coarser g's are subtracted);
 * for the down pass, sources i = 0 … N−1 (x_i is final once all finer f's are subtracted).
 *
 * Usage:
 *   const silo = revSilo(params.silo, stats.silo, specs.silo, 3, 4, ctx, ['stages', 2, 'silo']); // growing 3 → 4
 *   revSequence([..., silo], xs, { recompute: withoutStatUpdates });
 */
import * as tf from '@tensorflow/tfjs';
import { leaves } from '../../core/params';
import { type MbConv2dParams, type MbConv2dStats } from '../../nn/mbconv2d';
import { type RevBlock, vjp } from '../../nn/reversible';
import { type MbSpec, type SiloTree, siloKey } from './params';
import { type ModuleKey, type RevBifpnRunContext, specTransform } from './rev-block';

interface Transform {
  readonly from: number;
  readonly to: number;
  readonly apply: (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor;
  readonly offset: number; // first weight in the silo's flat list
  readonly count: number;
}

/** The silo over nIn scales producing nOut (= nIn, or nIn + 1 for a growing silo). */
export function revSilo(
  p: SiloTree<MbConv2dParams>,
  stats: SiloTree<MbConv2dStats>,
  spec: SiloTree<MbSpec>,
  nIn: number,
  nOut: number,
  ctx: RevBifpnRunContext,
  key: ModuleKey,
): RevBlock {
  if (nOut !== nIn && nOut !== nIn + 1) throw new Error(`revSilo: ${nIn} inputs can give ${nIn} or ${nIn + 1} outputs, not ${nOut}`);
  const weights: tf.Tensor[] = [];
  const make = (dir: 'down' | 'up', i: number, j: number): Transform => {
    const k = siloKey(i, j);
    const params = p[dir][k];
    const st = stats[dir][k];
    const sp = spec[dir][k];
    if (!params || !st || !sp) throw new Error(`revSilo: missing ${dir} transform '${k}' (scale ${i} → ${j}) in params, stats or specs`);
    const ws = leaves(params);
    const t = { from: i, to: j, apply: specTransform(params, st, sp, ctx, [...key, dir, k]), offset: weights.length, count: ws.length };
    weights.push(...ws);
    return t;
  };
  // down[i]: transforms reading x_i (targets ascending); up[i]: transforms reading u_i.
  const down: Transform[][] = Array.from({ length: nIn }, (_, i) => Array.from({ length: nOut - i - 1 }, (_, d) => make('down', i, i + 1 + d)));
  const up: Transform[][] = Array.from({ length: nOut }, (_, i) => Array.from({ length: i }, (_, j) => make('up', i, j)));
  const expected = Object.keys(spec.down).length + Object.keys(spec.up).length;
  if (down.flat().length + up.flat().length !== expected) {
    throw new Error(`revSilo: specs hold ${expected} transforms but ${nIn} → ${nOut} scales use ${down.flat().length + up.flat().length}`);
  }
  const wsOf = (t: Transform, ws: readonly tf.Tensor[]): readonly tf.Tensor[] => ws.slice(t.offset, t.offset + t.count);

  return {
    weights,
    forward(xs, ws) {
      if (xs.length !== nIn) throw new Error(`revSilo: expected ${nIn} scales, got ${xs.length}`);
      // acc[j] += t, freeing the partial sum it replaces if this pass made it (`mine`).
      const accumulate = (acc: (tf.Tensor | undefined)[], mine: Set<tf.Tensor>, j: number, t: tf.Tensor): void => {
        const prev = acc[j];
        if (prev === undefined) acc[j] = t;
        else {
          acc[j] = tf.add(prev, t);
          if (mine.has(prev)) prev.dispose();
          t.dispose();
        }
        mine.add(acc[j] as tf.Tensor);
      };
      const mineU = new Set<tf.Tensor>();
      const u: (tf.Tensor | undefined)[] = [...xs, ...new Array<undefined>(nOut - nIn)];
      for (let i = 0; i < nIn; i++) for (const t of down[i]) accumulate(u, mineU, t.to, t.apply(xs[i], wsOf(t, ws)));
      const mineV = new Set<tf.Tensor>();
      const v = [...u] as tf.Tensor[];
      for (let i = nOut - 1; i > 0; i--) for (const t of up[i]) accumulate(v, mineV, t.to, t.apply(u[i] as tf.Tensor, wsOf(t, ws)));
      for (const t of mineU) if (!v.includes(t)) t.dispose(); // u_j replaced by v_j
      return v;
    },
    backward(ys, dys, ws) {
      const dws: tf.Tensor[] = new Array(weights.length);
      const owned = new Set<tf.Tensor>();
      const replace = (arr: tf.Tensor[], j: number, t: tf.Tensor): void => {
        if (owned.has(arr[j])) arr[j].dispose();
        owned.add(t);
        arr[j] = t;
      };
      // One transform: its value (to subtract from the target) and the cotangent it adds to its source.
      const step = (t: Transform, source: tf.Tensor, dTarget: tf.Tensor, target: tf.Tensor | undefined, dSource: tf.Tensor) =>
        tf.tidy(() => {
          const r = vjp((a, ...w) => t.apply(a, w), [source, ...wsOf(t, ws)], dTarget);
          return { target: target === undefined ? undefined : tf.sub(target, r.value), dSource: tf.add(dSource, r.grads[0]), dw: r.grads.slice(1) };
        });
      // Up pass: v, dv → u, du.
      const u = [...ys];
      const du = [...dys];
      for (let i = nOut - 1; i > 0; i--) {
        for (const t of up[i]) {
          const r = step(t, u[i], dys[t.to], u[t.to], du[i]);
          replace(u, t.to, r.target as tf.Tensor);
          replace(du, i, r.dSource);
          r.dw.forEach((g, k) => (dws[t.offset + k] = g));
        }
      }
      // Down pass: u, du → x, dx (the growing scale's u_N only feeds cotangents).
      const x = u.slice(0, nIn);
      const dx = du.slice(0, nIn);
      for (let i = 0; i < nIn; i++) {
        for (const t of down[i]) {
          const r = step(t, x[i], du[t.to], t.to < nIn ? x[t.to] : undefined, dx[i]);
          if (r.target !== undefined) replace(x, t.to, r.target);
          replace(dx, i, r.dSource);
          r.dw.forEach((g, k) => (dws[t.offset + k] = g));
        }
      }
      for (const t of owned) if (!x.includes(t) && !dx.includes(t)) t.dispose();
      return { xs: x, dxs: dx, dws };
    },
  };
}
