/**
 * Image datasets for the engine: the ImageDataset type (uint8 NHWC pixels, int32 labels), user
 * datasets from class folders or CSV files, views (row subsets seen through a pixel map) and the
 * seeded batch iterator. Implementation in this folder, one concern per file; this is the API.
 *
 *   const ds = await loadImageFolder('data/cifar10/train', { height: 32, width: 32, channels: 3 });
 *   for (const b of iterateBatches(makeView(ds), { batchSize: 64, seed: 1, epoch, layout: 'nhwc' })) { ...; tf.dispose([b.x, b.y]); }
 */

export { type ImageDataset, type Split, PIXEL_SCALE, classCounts, datasetBytes, imageSize, selectRows, validateDataset } from './dataset';
export { DatasetError } from './errors';
export { IMAGE_EXTENSIONS, type SizeMismatch, decodeImage } from './decode';
export { type FolderDataset, type ImageFolderListing, type ImageFolderOptions, listImageFolder, loadImageFolder, nameAndSplit } from './folder';
export { type ImageCsvOptions, loadImageCsv } from './csv';
export { type DatasetView, type ImageShape, type ViewOptions, gatherPixels, makeView, padAndReplicateMap, subView } from './view';
export { type Batch, type BatchOptions, epochOrder, iterateBatches, numBatches } from './batches';
