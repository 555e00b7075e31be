/**
 * Text data for the GPT experiments (SPDF, METHODS.md §1): plain-text pre-training corpora
 * (./corpus), language-model windows over token streams (./lm-windows), data-to-text sets in the
 * E2E, WebNLG, DART and JSONL formats as (source, references) examples (./data-to-text and one
 * reader per format), and the demo set of `frugal demo-data text` (./demo). Implementation in this
 * folder, one concern per file; this is the API.
 *
 *   const corpus = await loadTextCorpus('data/demo/corpus');
 *   const { train, val } = splitTokens(corpus.documents.map((d) => Int32Array.from(tok.encode(d.text))), 0.05, tok.eot, T + 1);
 *   const batch = trainWindows(train, 8, T + 1, seed, step);            // Int32Array [8·(T+1)]
 *   const d2t = await loadDataToText('data/demo/e2e', 'auto');         // { format, train, val, test, notes }
 */

export { CORPUS_EXTENSIONS, DEFAULT_MAX_CORPUS_FILE_BYTES, type LoadTextCorpusOptions, type TextCorpus, type TextDocument, loadTextCorpus } from './corpus';
export { type TokenSplit, splitTokens, trainWindows, valWindows } from './lm-windows';
export { D2T_FORMATS, type D2TDataset, type D2TExample, type D2TFormat, type D2TFormatOption, type D2TSplit, detectDataToTextFormat, loadDataToText } from './data-to-text';
export { lineariseTriples, oneReferenceEach } from './d2t-example';
export { type DemoTextOptions, type DemoTextResult, demoE2ESet, writeDemoText } from './demo';
