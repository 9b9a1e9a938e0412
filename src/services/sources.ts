/**
 * Resolving what the user named on the command line (or in the UI): a model folder or
 * 'default', an image folder or 'samples'. The bundled assets are found relative to this file,
 * so they work from a checkout, `npx printshot` and a packaged app alike.
 */
import { assetPath } from '../shared/node/paths';
import { withKindSuggestion } from '../shared/node/folder-kind';
import { loadDataset, type Dataset, type FitMode } from '../images';
import { loadClassifier, selectBackend, type LoadedClassifier, type LoadOptions } from '../model/node';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isPrintshotError, log, PrintshotError } from '../shared';
import { EXPERIMENT_FILE, openExperiment, type Experiment } from '../workspace';

export const SAMPLES_DIR = assetPath('samples');

export async function openModel(spec: string, opts: LoadOptions = {}): Promise<LoadedClassifier> {
  await selectBackend();
  const classifier = await loadClassifier(spec, opts);
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
  /** Load the readable images of a folder that also holds unreadable files (listed in `unreadable`). */
  skipUnreadable?: boolean;
}

/** Loads an image set converted to the classifier's input size and channels. */
export async function openImages(spec: string, classifier: Pick<LoadedClassifier, 'labels' | 'inputSpec'>, opts: OpenImagesOptions = {}): Promise<Dataset & { root: string }> {
  const root = imagesDir(spec);
  const { height, width, channels } = classifier.inputSpec;
  // A failure on a model or experiment folder says so and where to open it, not only "no images found".
  const dataset = await withKindSuggestion(root, 'images', () => loadDataset(root, classifier.labels, { height, width, channels, fit: opts.fit, unlabelled: opts.unlabelled, skipUnreadable: opts.skipUnreadable }));
  return { ...dataset, root };
}

/**
 * The experiment a folder belongs to, if any: `EXP/clean` → EXP, `EXP/adversarial/RUN` → EXP
 * (or EXP itself). How `evaluate --clean EXP/clean` finds the model the images were made for.
 */
export function experimentOf(dir: string): string | undefined {
  const abs = resolve(dir);
  const candidates = [abs, dirname(abs), dirname(dirname(abs))];
  return candidates.find((d) => existsSync(join(d, EXPERIMENT_FILE)));
}

/**
 * The model an experiment was made with: the folder recorded in its experiment.json, checked
 * against the recorded sha256 fingerprint. Anything else is one error line naming the model and
 * how to pass it.
 */
export async function openExperimentModel(dir: string, exp?: Experiment): Promise<LoadedClassifier> {
  const e = exp ?? (await openExperiment(dir));
  const { name, fingerprint, source } = e.model;
  const made = `${dir} was made with model '${name}' (sha256 ${fingerprint.slice(0, 12)}…, from ${source})`;
  const hint = `pass --model DIR with the model '${name}' (sha256 ${fingerprint.slice(0, 12)}…)`;
  let model: LoadedClassifier;
  try {
    model = await openModel(source, { probeGradient: false }); // evaluation only classifies
  } catch (err) {
    if (!isPrintshotError(err)) throw err;
    const bundled = await bundledIf(fingerprint);
    if (bundled) return bundled;
    throw new PrintshotError('bad-experiment', `${made}, which cannot be loaded (${err.message}); ${hint}`);
  }
  if (model.fingerprint !== fingerprint) {
    model.dispose();
    const bundled = await bundledIf(fingerprint);
    if (bundled) return bundled;
    throw new PrintshotError('bad-experiment', `${made}, but ${source} now holds another model (sha256 ${model.fingerprint.slice(0, 12)}…); ${hint}`);
  }
  return model;
}

/** The bundled model when it is the one recorded: an experiment made with it survives a moved install. */
async function bundledIf(fingerprint: string): Promise<LoadedClassifier | undefined> {
  const model = await openModel('default', { probeGradient: false }).catch(() => undefined);
  if (model?.fingerprint === fingerprint) return model;
  model?.dispose();
  return undefined;
}
