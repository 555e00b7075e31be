// Parameter counts of RevBiFPN S0–S6 (official revbifpn.py thop printout), the S0–S6 generator,
// and the link between shapes (count) and init.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { flattenParams, disposeParams } from '../../core/params';
import { Rng } from '../../core/rng';
import { mbConv2dParamCount } from '../../nn/mbconv2d';
import { REVBIFPN_VARIANTS, revbifpnConfig, revbifpnBackboneShapes } from './config';
import { initRevBifpn, revbifpnParamCount, revbifpnParamShapes, revbifpnSpecs } from './params';

describe('RevBiFPN scaling generator', () => {
  it('derives channels, head channels and fc exactly as the table (⌊w·c⌋ rounded down to 16)', () => {
    const want: Record<string, [number[], number[], number]> = {
      S0: [[48, 64, 80, 160], [48, 64, 128, 320], 1280],
      S1: [[64, 80, 96, 208], [64, 80, 160, 416], 1696], // 4/3·80 = 106.67 → 106 → 96
      S2: [[96, 128, 160, 320], [96, 128, 256, 640], 2560],
      S3: [[128, 160, 208, 416], [128, 160, 336, 848], 3408],
      S4: [[192, 256, 320, 640], [192, 256, 512, 1280], 5120],
      S5: [[256, 336, 416, 848], [256, 336, 672, 1696], 6816],
      S6: [[320, 416, 528, 1056], [320, 416, 848, 2128], 8528],
    };
    for (const v of REVBIFPN_VARIANTS) {
      const cfg = revbifpnConfig(v);
      expect([cfg.channels, cfg.headChannels, cfg.fcFeatures]).toEqual(want[v]);
    }
  });

  it('gives the seven official parameter counts exactly, from shapes alone', () => {
    const official = { S0: 3_419_196, S1: 5_112_300, S2: 10_576_528, S3: 19_574_184, S4: 48_687_336, S5: 81_998_976, S6: 142_307_972 };
    const before = tf.memory().numTensors;
    for (const v of REVBIFPN_VARIANTS) expect(revbifpnParamCount(revbifpnConfig(v))).toBe(official[v]);
    expect(tf.memory().numTensors).toBe(before); // nothing allocated
  });

  it('counts one S0 block by hand', () => {
    // Scale-0 F of S0: MBConv(24 → 24, k 3, e 1, se 0.25): no expand; dw 3·3·24 + BN 2·24 = 264;
    // SE r = ⌊24·0.25⌋ = 6: 24·6 + 6 + 6·24 + 24 = 318; project 24·24 + 2·24 = 624. Total 1206.
    const spec = revbifpnSpecs(revbifpnConfig('S0')).stages[0].blocks[0][0].f;
    expect(spec.cfg).toEqual({ inChannels: 24, outChannels: 24, kernel: 3, stride: 1, expansion: 1, se: 0.25 });
    expect(mbConv2dParamCount(spec.cfg)).toBe(264 + 318 + 624);
    // Growing silo of stage 3 (scales 0..2 → 3): down 0to3 has stride 8, k = 2·8 − 1 = 15, no stochastic depth.
    const silo = revbifpnSpecs(revbifpnConfig('S3')).stages[2].silo;
    expect(silo.down['0to3'].cfg).toMatchObject({ inChannels: 128, outChannels: 416, stride: 8, kernel: 15, expansion: 1, se: 0.25 });
    expect(silo.down['0to3'].drop).toBe(0);
    expect(silo.down['0to1'].drop).toBeCloseTo((0.05 * 3) / 6, 12); // stage b = 3 of B = 6
    // Up 3to0 (S3, stage 4): k = 3 + dwkp₃ = 5, expansion/SE of the TARGET scale 0, ×8 upsampling.
    const up = revbifpnSpecs(revbifpnConfig('S3')).stages[3].silo.up['3to0'];
    expect(up.cfg).toMatchObject({ inChannels: 416, outChannels: 128, stride: 1, kernel: 5, expansion: 1, se: 0.25 });
    expect(up.upsample).toBe(8);
  });

  it('initialises exactly the shapes it counts (one mechanism), S0 with ext 1 and 10 classes', () => {
    const cfg = revbifpnConfig('S0', { extLayers: 1, classes: 10 });
    const shapes = revbifpnParamShapes(cfg);
    const { params, stats } = initRevBifpn(cfg, new Rng(0));
    const flat = flattenParams(params);
    expect([...flat.keys()]).toEqual([...shapes.keys()]);
    for (const [name, v] of flat) expect(v.shape).toEqual(shapes.get(name));
    // Running statistics are a separate, non-trainable tree.
    const st = flattenParams(stats);
    expect([...st.values()].every((v) => !v.trainable)).toBe(true);
    expect([...flat.values()].every((v) => v.trainable)).toBe(true);
    // Linear: PyTorch default U(±1/√fc) = U(±1/√1280) ≈ ±0.02795.
    const w = params.head.fc.w.dataSync();
    const bound = 1 / Math.sqrt(1280);
    expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(w, Math.abs))).toBeGreaterThan(0.9 * bound);
    disposeParams(params);
    disposeParams(stats);
  });

  it('rejects unknown keys and bad values, naming the field', () => {
    expect(() => revbifpnConfig('S0', { extLayer: 1 } as never)).toThrow(/unknown key 'extLayer'/);
    expect(() => revbifpnConfig('S0', { channels: [48, 64, 81, 160] })).toThrow(/channels\[2\] = 81 must be an even integer/);
    expect(() => revbifpnConfig('S0', { channels: [32, 64, 80, 160] })).toThrow(/channels\[0\] = 32 must be a multiple of stemBlock² = 16 giving ≥ 3/);
    expect(() => revbifpnConfig('S0', { se: [0.25, 0.25] })).toThrow(/se must have one entry per scale \(4\)/);
    expect(() => revbifpnConfig('S9' as never)).toThrow(/unknown variant 'S9'/);
    expect(() => revbifpnBackboneShapes(revbifpnConfig('S0'), 1, 224, 100)).toThrow(/input 224×100 must have H and W positive multiples of 32/);
  });

  it('re-derives widths from an overridden width multiplier', () => {
    expect(revbifpnConfig('S0', { width: 2 }).channels).toEqual(revbifpnConfig('S2').channels);
  });
});
