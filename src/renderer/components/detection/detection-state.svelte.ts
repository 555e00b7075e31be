/**
 * The detection viewer's state (one per shown run): the run's stored results
 * ('runs:getDetections'), the score threshold and toggles, the image list worst first at that
 * threshold (lib/detections.ts), the selected image and its matched boxes, and the image's URL
 * ('files:url': the doors share the results' imagesRoot once 'runs:getDetections' has answered).
 *
 *   const det = new DetectionState(api);
 *   await det.load(runId);          // det.results, det.rows (worst first), det.selected
 *   det.threshold = 0.5;            // rows and det.match follow
 *   det.step(1);                    // the next image of the list
 *   await det.loadImage();          // det.imageUrl or det.imageError for the selected file
 */
import type { FrugalApi } from '../../../shared/api';
import type { DetectionResults } from '../../../shared/detections';
import { errorMessage } from '../../lib/errors';
import { baseName, classColors, classNames, DEFAULT_SCORE_THRESHOLD, imageRows, matchImage, stepImage } from '../../lib/detections';

export class DetectionState {
  runId = $state<string | null>(null);
  results = $state.raw<DetectionResults | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  threshold = $state(DEFAULT_SCORE_THRESHOLD);
  showGt = $state(true);
  showPred = $state(true);
  /** Only images with this category (ground truth, or a prediction above the threshold). */
  classId = $state<number | null>(null);
  selectedId = $state<number | null>(null);

  imageUrl = $state<string | null>(null);
  imageError = $state<string | null>(null);

  rows = $derived(this.results ? imageRows(this.results.images, this.threshold, this.classId) : []);
  /** The selected row (the worst image after loading), or the first row when the class filter hides it. */
  selected = $derived(this.rows.find((r) => r.image.id === this.selectedId) ?? this.rows[0] ?? null);
  match = $derived(this.selected ? matchImage(this.selected.image, this.threshold) : null);
  colors = $derived(classColors(this.results?.categories ?? []));
  names = $derived(classNames(this.results?.categories ?? []));

  private seq = 0;
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly api: FrugalApi) {}

  async load(runId: string): Promise<void> {
    const seq = ++this.seq;
    this.runId = runId;
    this.loading = true;
    this.error = null;
    this.results = null;
    this.selectedId = null;
    this.classId = null;
    this.imageUrl = null;
    this.imageError = null;
    this.urls.clear();
    try {
      const r = await this.api.invoke('runs:getDetections', { runId });
      if (seq !== this.seq) return;
      this.results = r;
      this.selectedId = this.rows[0]?.image.id ?? null; // pinned: a new threshold re-orders the list, not the view
    } catch (e) {
      if (seq === this.seq) this.error = errorMessage(e);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  select(id: number): void {
    this.selectedId = id;
  }

  /** Moves `by` rows along the list (←/→), staying at its ends. */
  step(by: number): void {
    const next = stepImage(this.rows, this.selected?.image.id ?? null, by);
    if (next) this.selectedId = next.image.id;
  }

  /**
   * The selected image's URL from the door (one request per file), or an error naming the file.
   * The viewer calls it whenever the selected file changes (select, step, threshold, class filter).
   */
  async loadImage(): Promise<void> {
    const file = this.selected?.image.file ?? null;
    this.imageError = null;
    this.imageUrl = null;
    if (!file) return;
    let url = this.urls.get(file);
    if (!url) {
      url = this.api.invoke('files:url', { path: file }).then((r) => r.url);
      this.urls.set(file, url);
      url.catch(() => this.urls.delete(file)); // a later visit asks again
    }
    const seq = this.seq;
    const current = () => seq === this.seq && this.selected?.image.file === file;
    try {
      const u = await url;
      if (current()) this.imageUrl = u;
    } catch (e) {
      if (current()) this.imageError = `cannot show image ${file}: ${errorMessage(e)}`;
    }
  }

  /** The <img> could not decode what the URL gave (missing file, not an image). */
  imageFailed(file: string): void {
    if (this.selected?.image.file === file) this.imageError = `cannot show image ${file}: the browser could not load ${baseName(file)} (missing, unreadable, or not an image)`;
  }
}
