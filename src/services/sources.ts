/**
 * Resolving what the user named on the command line (or in the UI): a model folder or
 * 'default', an image folder or 'samples'. The bundled assets are found relative to this file,
 * so they work from a checkout, `npx printshot` and a packaged app alike.
 */
import { fromPackageRoot } from '../shared/paths';
import { loadDataset, type Dataset, type FitMode } from '../images';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../model';
import { log } from '../shared';

export const SAMPLES_DIR = fromPackageRoot('assets', 'samples');

export async function openModel(spec: string): Promise<LoadedClassifier> {
  await selectBackend();
  const classifier = await loadClassifier(spec);
  for (const a of classifier.assumptions) log.warn(`model card: ${a}`);
  return classifier;
}

export function imagesDir(spec: string): string {
  return spec === 'samples' ? SAMPLES_DIR : spec;
}

export interface OpenImagesOptions {
  /** How images of another aspect ratio reach the input size (default 'fill'). */
  fit?: FitMode;
  /** Accept a flat folder of unlabelled images (classify). */
  unlabelled?: boolean;
}

/** Loads an image set converted to the classifier's input size and channels. */
export async function openImages(spec: string, classifier: LoadedClassifier, opts: OpenImagesOptions = {}): Promise<Dataset & { root: string }> {
  const root = imagesDir(spec);
  const { height, width, channels } = classifier.inputSpec;
  const dataset = await loadDataset(root, classifier.labels, { height, width, channels, fit: opts.fit, unlabelled: opts.unlabelled });
  return { ...dataset, root };
}
