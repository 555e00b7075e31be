/** The slice viewer component and the types a host needs to mount it. */
export { default as Viewer } from './Viewer.svelte';
export type { PredictionRef, ViewerInputs } from './case-loader';
export type { EtLabel } from './brats-labels';
