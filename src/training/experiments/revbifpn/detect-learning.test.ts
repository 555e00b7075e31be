/**
 * RevBiFPN + FCOS learns to detect on `frugal demo-data coco` images: 8 training images of
 * 64×64 px with 1–4 shapes each (5 classes), 50 AdamW steps of 4 images with flips, a narrow
 * RevBiFPN (channels 48/32/32/32, 1 extension stage; c₀ = 48 is the narrowest stem) and a
 * width-32 head. COCO AP50 on the training images (pycocotools semantics, metrics/coco-eval.ts)
 * goes from 0 to well above zero; measured (cpu, this seed): AP50 0 → 0.157 after 25 steps,
 * 0.615 after 50, 0.863 after 75; loss 1.32 (step 25) → 0.89 (step 50).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../core/adam';
import { Rng } from '../../core/rng';
import { openCocoDataset, toCocoResults, writeDemoCoco, type CocoDataset } from '../../data/coco';
import { decodeFcos } from '../../detection/fcos-decode';
import { fcosHeadConfig, flattenFcosOutputs } from '../../detection/fcos-head';
import { fcosLoss } from '../../detection/fcos-loss';
import { cocoGtFromInstances, evaluateCoco } from '../../metrics/coco-eval';
import { revbifpnConfig } from '../../models/revbifpn';
import { batchTargets, buildDetector, detectorForward, levelsFor, STRIDES, type Detector } from './detect';
import { normaliseImages, updateOn } from './model';

const S = 64;

async function ap50(d: Detector, ds: CocoDataset): Promise<number> {
  const all = await ds.loadBatch([...Array(ds.n).keys()], { size: S });
  const outs = tf.tidy(() => detectorForward(d, normaliseImages(all.x, all.n, S), false));
  const dets = await decodeFcos(outs, [...STRIDES], { height: S, width: S });
  for (const o of outs) tf.dispose([o.cls, o.box, o.ctr]);
  const results = toCocoResults(ds.instances.categories, dets.map((det, j) => ({ transform: all.transforms[j], boxes: det.boxes, labels: det.classes, scores: det.scores })));
  return evaluateCoco(cocoGtFromInstances(ds.instances), results).stats.AP50;
}

describe('RevBiFPN + FCOS on demo detection data', () => {
  it('raises AP50 from 0 to well above zero in 50 steps, and the loss falls', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frugal-det-learn-'));
    await writeDemoCoco({ out: dir, images: 8, val: 0, size: S, seed: 3 });
    const ds = await openCocoDataset({ annotations: join(dir, 'annotations', 'instances_train.json'), images: join(dir, 'train') });
    const cfg = { ...revbifpnConfig('S0', { channels: [48, 32, 32, 32], headChannels: [32, 32, 32, 32], extLayers: 1, classes: 1 }), fcFeatures: 0 };
    const headCfg = fcosHeadConfig({ inChannels: cfg.headChannels, strides: [...STRIDES], numClasses: ds.classes.length, width: 32, numConvs: 1, gnGroups: 8 });
    const d = buildDetector(cfg, headCfg, 0);
    const opt = new Adam(d.model.named, {});
    const levels = levelsFor(S);
    try {
      expect(await ap50(d, ds)).toBe(0);
      const tensorsBefore = tf.memory().numTensors;
      const losses: number[] = [];
      for (let step = 0; step < 50; step++) {
        const rows = step % 2 === 0 ? [0, 1, 2, 3] : [4, 5, 6, 7];
        const b = await ds.loadBatch(rows, { size: S, augment: { hflip: 0.5, rng: new Rng(step) } });
        const targets = batchTargets(b, levels, 'demo');
        const x = normaliseImages(b.x, b.n, S);
        const value = updateOn(d.model, opt, () => fcosLoss(flattenFcosOutputs(detectorForward(d, x, true, step)), targets).total, step < 10 ? (2e-3 * (step + 1)) / 10 : 2e-3);
        x.dispose();
        losses.push((await value.data())[0]);
        value.dispose();
      }
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
      expect(mean(losses.slice(-10))).toBeLessThan(0.75 * mean(losses.slice(0, 10)));
      expect(await ap50(d, ds)).toBeGreaterThan(0.3);
    } finally {
      opt.dispose();
      d.model.dispose();
    }
  }, 600_000);
});
