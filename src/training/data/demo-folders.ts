/**
 * The folder demo sets (image classes, COCO shapes, text) behind one call, for the CLI's
 * `frugal demo-data images|coco|text` and the GUI's 'datasets:writeDemo': what each writes, where
 * an experiment's `data` field should point afterwards (per dataset kind of ExperimentInfo), and
 * the line both print. BraTS demo cases have their own path (they are scanned, not
 * pointed at). Every writer refuses to overwrite what is already there.
 */
import { join } from 'node:path';
import type { DemoFolderKind } from '../../shared/api';
import { writeDemoCoco } from './coco/demo';
import { writeDemoImages } from './images/demo';
import { writeDemoText } from './text/demo';

export interface DemoFolderOptions {
  out: string;
  seed?: number;
  size?: number; // images, coco: image side in px
  images?: number; // coco: train images
  val?: number; // coco: val images
  perClass?: number; // images: train images per class
  valPerClass?: number; // images: val images per class
}

export interface DemoFolderResult {
  kind: DemoFolderKind;
  out: string;
  /** Where a `data` field should point, by dataset kind ('images', 'coco', 'text', 'data-to-text'). */
  folders: Record<string, string>;
  /** What was written ('a synthetic COCO set') and its counts, for "wrote TITLE to OUT: DETAILS". */
  title: string;
  details: string;
}

/** Which options each kind takes (besides out and seed). */
export const DEMO_FOLDER_OPTIONS: Record<DemoFolderKind, (keyof DemoFolderOptions)[]> = {
  images: ['size', 'perClass', 'valPerClass'],
  coco: ['size', 'images', 'val'],
  text: [],
};

export async function writeDemoFolder(kind: DemoFolderKind, o: DemoFolderOptions): Promise<DemoFolderResult> {
  const seed = o.seed ?? 0;
  if (kind === 'coco') {
    const r = await writeDemoCoco({ out: o.out, seed, size: o.size, images: o.images, val: o.val });
    const boxes = (s: typeof r.train) => `${s.images} images, ${s.annotations} boxes (${s.small} small, ${s.medium} medium, ${s.large} large)`;
    return { kind, out: o.out, folders: { coco: o.out }, title: 'a synthetic COCO set', details: `train ${boxes(r.train)}; val ${boxes(r.val)}; annotations in ${r.annotationFiles.train} and ${r.annotationFiles.val}` };
  }
  if (kind === 'images') {
    const r = await writeDemoImages({ out: o.out, seed, size: o.size, perClass: o.perClass, valPerClass: o.valPerClass });
    return { kind, out: o.out, folders: { images: o.out }, title: 'a synthetic image-folder set', details: `${r.classes.length} classes (${r.classes.join(', ')}), ${r.train} train and ${r.val} val images` };
  }
  const r = await writeDemoText({ out: o.out, seed });
  const e = r.e2e;
  return {
    kind,
    out: o.out,
    folders: { text: r.corpus.dir, 'data-to-text': e.dir },
    title: 'a demo text set',
    details:
      `corpus ${r.corpus.dir} (Moby-Dick, ${r.corpus.files} files, ${(r.corpus.bytes / 1e6).toFixed(1)} MB); ` +
      `E2E-format country facts ${e.dir} (train ${e.train.rows} rows / ${e.train.mrs} MRs, dev ${e.dev.mrs} MRs, test ${e.test.mrs} MRs; references written from templates); sources in ${join(o.out, 'SOURCE.md')}`,
  };
}
