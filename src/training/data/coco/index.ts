/**
 * COCO detection data for the engine: the instances-JSON parser and validator (./instances), the
 * lazily decoded dataset with letterboxed, optionally flipped batches (./dataset), detections
 * written back in COCO results format (./results), and the synthetic shapes set of
 * `frugal demo-data coco` (./demo). Implementation in this folder, one concern per file; this is
 * the API.
 *
 *   const ds = await openCocoDataset({ annotations: 'd/annotations/instances_val.json', images: 'd/val' });
 *   const b = await ds.loadBatch([0, 1], { size: 128 });           // b.x [2, 128, 128, 3], b.boxes[i] [m·4] xyxy
 *   await writeCocoResults('dets.json', toCocoResults(ds.instances.categories, dets));
 */

export { BOX_TOLERANCE, MIN_INSIDE_FRACTION, type CocoAnnotation, type CocoCategory, type CocoImage, type CocoInstances, parseCocoInstances, readCocoInstances } from './instances';
export { type BatchOptions, type CocoBatch, type CocoCheck, type CocoDataset, type ImageTransform, type OpenCocoOptions, openCocoDataset, toOriginalBoxes } from './dataset';
export { type CocoResult, type ImageDetections, toCocoResults, writeCocoResults } from './results';
export { COCO_SMALL_AREA, DEMO_COCO_CATEGORIES, type DemoCocoOptions, type DemoCocoResult, demoCocoScene, writeDemoCoco } from './demo';
