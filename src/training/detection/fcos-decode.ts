/**
 * FCOS inference: head outputs → per-image detections {boxes xyxy, scores, classes} in the
 * network input's pixel frame (Tian et al. 2019, arXiv 1904.01355 §3.3 and the authors'
 * `fcos_core/modeling/rpn/fcos/inference.py`; numbers as MMDetection's FCOS test_cfg).
 *
 * Per image, per level (stride s, point (x, y) as in fcos-targets.ts):
 *   p = σ(cls logit) [K],  q = σ(ctr logit)
 *   candidates: (point, class) with p > scoreThreshold (0.05; FCOS's pre_nms_thresh thresholds the
 *     class probability, before the centerness factor)
 *   score = sqrt(p·q): the geometric mean, as the FCOS repo reports (`torch.sqrt(per_box_cls)`), so
 *     scores stay on a probability scale; ranking is the same as by p·q
 *   keep the preNmsTopK (1000) best-scoring candidates of the level
 *   box = (x − l·s, y − t·s, x + r·s, y + b·s), l..b the head's stride-unit distances; clipped to
 *     [0, width] × [0, height] of the input
 * Then over all levels: per-class NMS at IoU 0.6 (detection/nms.ts, torchvision semantics), at most
 * maxDetections (100), best first.
 *
 * Usage:
 *   const outs = applyFcosHead(params, feats, cfg);
 *   const dets = await decodeFcos(outs, cfg.strides, { height: 128, width: 128 });   // one per image
 *   dets[0].boxes [n·4] xyxy, dets[0].scores [n], dets[0].classes [n]
 *   decodeFcosImage(levelArrays, size)   // the same on host arrays of one image
 */
import type * as tf from '@tensorflow/tfjs';
import { clipXyxy } from './boxes';
import type { FcosLevelOutput } from './fcos-head';
import { fcosLocations } from './fcos-targets';
import { nmsPerClass } from './nms';

export interface FcosDecodeOptions {
  readonly scoreThreshold: number; // candidates need σ(cls) > this: 0.05 (FCOS pre_nms_thresh, MMDetection score_thr)
  readonly preNmsTopK: number; // candidates kept per level before NMS: 1000 (FCOS pre_nms_top_n / nms_pre)
  readonly nmsIou: number; // per-class NMS IoU threshold: 0.6 (FCOS nms_thresh)
  readonly maxDetections: number; // per image after NMS: 100 (FCOS fpn_post_nms_top_n / max_per_img)
}

export const FCOS_DECODE_DEFAULTS: FcosDecodeOptions = { scoreThreshold: 0.05, preNmsTopK: 1000, nmsIou: 0.6, maxDetections: 100 };

export interface Detections {
  readonly boxes: Float32Array; // [n·4] xyxy in input pixels
  readonly scores: Float32Array; // [n] sqrt(σ(cls)·σ(ctr)), descending
  readonly classes: Int32Array; // [n]
}

export interface ImageSize {
  readonly height: number; // of the network input, pixels
  readonly width: number;
}

/** One level of one image's raw outputs on the host. */
export interface FcosLevelArrays {
  readonly stride: number;
  readonly height: number; // feature map H
  readonly width: number; // feature map W
  readonly cls: ArrayLike<number>; // [H·W·K] logits, row-major points, class fastest
  readonly box: ArrayLike<number>; // [H·W·4] (l,t,r,b) in stride units
  readonly ctr: ArrayLike<number>; // [H·W] logits
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Detections of one image from its per-level host arrays. */
export function decodeFcosImage(levels: readonly FcosLevelArrays[], size: ImageSize, opts: Partial<FcosDecodeOptions> = {}): Detections {
  const o = { ...FCOS_DECODE_DEFAULTS, ...opts };
  checkOptions(o, size);
  const boxes: number[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  const loc = fcosLocations(levels); // points (x, y), the same as the targets'
  levels.forEach((lvl, li) => {
    const P = lvl.height * lvl.width;
    if (lvl.box.length !== 4 * P || lvl.ctr.length !== P || lvl.cls.length % P !== 0) {
      throw new Error(`FCOS decode: level ${li} arrays (cls ${lvl.cls.length}, box ${lvl.box.length}, ctr ${lvl.ctr.length}) do not fit a ${lvl.height}×${lvl.width} map`);
    }
    const K = lvl.cls.length / P;
    const cand: { n: number; c: number; score: number }[] = [];
    for (let n = 0; n < P; n++) {
      const q = sigmoid(lvl.ctr[n]);
      for (let c = 0; c < K; c++) {
        const p = sigmoid(lvl.cls[n * K + c]);
        if (p > o.scoreThreshold) cand.push({ n, c, score: Math.sqrt(p * q) });
      }
    }
    cand.sort((a, b) => b.score - a.score || a.n - b.n || a.c - b.c);
    const s = lvl.stride;
    for (const { n, c, score } of cand.slice(0, o.preNmsTopK)) {
      const x = loc.xy[2 * (loc.levelStart[li] + n)];
      const y = loc.xy[2 * (loc.levelStart[li] + n) + 1];
      boxes.push(x - lvl.box[4 * n] * s, y - lvl.box[4 * n + 1] * s, x + lvl.box[4 * n + 2] * s, y + lvl.box[4 * n + 3] * s);
      scores.push(score);
      classes.push(c);
    }
  });
  const allBoxes = clipXyxy(Float32Array.from(boxes), size.width, size.height);
  const allScores = Float32Array.from(scores);
  const allClasses = Int32Array.from(classes);
  const keep = nmsPerClass(allBoxes, allScores, allClasses, o.nmsIou, o.maxDetections);
  const out: Detections = { boxes: new Float32Array(4 * keep.length), scores: new Float32Array(keep.length), classes: new Int32Array(keep.length) };
  keep.forEach((i, k) => {
    out.boxes.set(allBoxes.subarray(4 * i, 4 * i + 4), 4 * k);
    out.scores[k] = allScores[i];
    out.classes[k] = allClasses[i];
  });
  return out;
}

/**
 * Detections for every image of a batch of head outputs (borrowed; read with `await data()`, so call
 * it outside tf.tidy). `sizes`: one input size for all images, or one per image.
 */
export async function decodeFcos(
  outs: readonly FcosLevelOutput[],
  strides: readonly number[],
  sizes: ImageSize | readonly ImageSize[],
  opts: Partial<FcosDecodeOptions> = {},
): Promise<Detections[]> {
  if (outs.length !== strides.length) throw new Error(`FCOS decode: ${outs.length} output levels but ${strides.length} strides`);
  if (outs.length === 0) throw new Error('FCOS decode: no output levels');
  const B = outs[0].cls.shape[0];
  const sizeList = Array.isArray(sizes) ? (sizes as readonly ImageSize[]) : Array.from({ length: B }, () => sizes as ImageSize);
  if (sizeList.length !== B) throw new Error(`FCOS decode: ${sizeList.length} image sizes for a batch of ${B}`);
  const read = async (t: tf.Tensor): Promise<Float32Array> => (await t.data()) as Float32Array;
  const data = await Promise.all(outs.map(async (o) => ({ cls: await read(o.cls), box: await read(o.box), ctr: await read(o.ctr) })));
  return sizeList.map((size, b) =>
    decodeFcosImage(
      outs.map((o, li) => {
        const [, H, W, K] = o.cls.shape;
        const P = H * W;
        const d = data[li];
        return { stride: strides[li], height: H, width: W, cls: d.cls.subarray(b * P * K, (b + 1) * P * K), box: d.box.subarray(b * P * 4, (b + 1) * P * 4), ctr: d.ctr.subarray(b * P, (b + 1) * P) };
      }),
      size,
      opts,
    ),
  );
}

function checkOptions(o: FcosDecodeOptions, size: ImageSize): void {
  if (!(o.scoreThreshold >= 0 && o.scoreThreshold < 1)) throw new Error(`FCOS decode: scoreThreshold = ${o.scoreThreshold} must be in [0, 1)`);
  if (!Number.isInteger(o.preNmsTopK) || o.preNmsTopK < 1) throw new Error(`FCOS decode: preNmsTopK = ${o.preNmsTopK} must be an integer ≥ 1`);
  if (!(o.nmsIou > 0 && o.nmsIou <= 1)) throw new Error(`FCOS decode: nmsIou = ${o.nmsIou} must be in (0, 1]`);
  if (!Number.isInteger(o.maxDetections) || o.maxDetections < 0) throw new Error(`FCOS decode: maxDetections = ${o.maxDetections} must be an integer ≥ 0`);
  if (!(size.height > 0 && size.width > 0)) throw new Error(`FCOS decode: image size ${size.width}×${size.height} must be positive`);
}
