/**
 * Creating and opening experiment folders, and storing the clean images the model saw.
 *
 * The CLI attack command goes: openOrCreateExperiment → writeCleanImages → startRun →
 * writeAdversarialImage… → writeRunManifest → completeRun (see runs.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PrintshotError, type Image8, type LabeledImage } from '../shared';
import { decodePng, encodePng } from '../images/encode';
import { mapLimit } from '../images/limit';
import { compareCodePoints } from '../images/dataset';
import { atomicWrite, sha256, sha256File } from './atomic';
import { EXPERIMENT_FILE, readExperiment, resolveInExperiment, updateExperiment, withExperimentLock, writeExperiment } from './store';
import { RelPath, SCHEMA_VERSION, type Experiment, type ImageItem, type ModelRef } from './schema';
import { integrityError } from './verify';

export const EXPERIMENT_DIRS = ['clean', 'adversarial', 'runs', 'results', 'reports'] as const;

export interface ExperimentInit {
  /** Display name; defaults to the folder's name. */
  name?: string;
  model: ModelRef;
  /** Where the input images come from (dataset folder). */
  imagesSource: string;
  /** How they were fitted to the model's input size (src/images/decode.ts), recorded when not 'fill'. */
  imagesFit?: 'fill' | 'crop' | 'pad';
}

/**
 * The PNG path an input is stored under: same relative path, extension replaced by '.png'
 * ('Bag/01.jpg' → 'Bag/01.png'), because clean and adversarial images are always PNG.
 */
export function pngRelPath(relPath: string): string {
  return relPath.replace(/\.(png|jpe?g)$/i, '') + '.png';
}

/**
 * Creates a new experiment in `dir` (created if missing). Refuses a folder that already holds an
 * experiment, or that has other visible files: results must not mix with unrelated data.
 */
export async function createExperiment(dir: string, init: ExperimentInit): Promise<Experiment> {
  return withExperimentLock(dir, async () => {
    const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw new PrintshotError('io', `${dir}: cannot read (${e.message})`);
    });
    if (existing.includes(EXPERIMENT_FILE)) {
      throw new PrintshotError('bad-experiment', `${dir}: already holds an experiment`, 'open it instead, or choose a new folder');
    }
    const visible = existing.filter((n) => !n.startsWith('.'));
    if (visible.length > 0) {
      throw new PrintshotError('bad-experiment', `${dir}: folder is not empty and is not an experiment (found ${visible.slice(0, 3).join(', ')})`, 'choose an empty or new folder');
    }
    for (const sub of EXPERIMENT_DIRS) await mkdir(join(dir, sub), { recursive: true });
    const exp: Experiment = {
      schemaVersion: SCHEMA_VERSION,
      id: randomUUID(),
      name: init.name ?? basename(resolve(dir)),
      createdAt: new Date().toISOString(),
      model: init.model,
      images: { source: init.imagesSource, ...(init.imagesFit && init.imagesFit !== 'fill' ? { fit: init.imagesFit } : {}), count: 0, items: [] },
      runs: [],
    };
    // experiment.json is written last: its presence means the folder is complete.
    await writeExperiment(dir, exp);
    return exp;
  });
}

/** Opens an experiment; missing, corrupt or wrong-version experiment.json is 'bad-experiment'. */
export async function openExperiment(dir: string): Promise<Experiment> {
  return readExperiment(dir);
}

/**
 * Opens the experiment in `dir`, or creates it. An existing experiment must have been made with
 * the same model (fingerprint): mixing models would make its runs incomparable.
 */
export async function openOrCreateExperiment(dir: string, init: ExperimentInit): Promise<Experiment> {
  const hasFile = await readdir(dir).then((names) => names.includes(EXPERIMENT_FILE), () => false);
  if (!hasFile) return createExperiment(dir, init);
  const exp = await readExperiment(dir);
  if (exp.model.fingerprint !== init.model.fingerprint) {
    throw new PrintshotError(
      'bad-experiment',
      `${dir}: experiment was made with model '${exp.model.name}' (${exp.model.fingerprint.slice(0, 12)}), not '${init.model.name}' (${init.model.fingerprint.slice(0, 12)})`,
      'use a new experiment folder for a different model',
    );
  }
  return exp;
}

/**
 * Stores the model-ready inputs under clean/ and records them in experiment.json. Images already
 * recorded with the same pixels are left alone (so re-running an attack touches nothing); an
 * image whose pixels or label differ from the recorded one is an error, since earlier runs were
 * computed from the recorded one. A recorded clean PNG that went missing is rewritten; one whose
 * file was changed is an error naming it (`printshot check --repair` restores it).
 */
export async function writeCleanImages(dir: string, images: readonly LabeledImage[]): Promise<Experiment> {
  const files = new Map<string, string>();
  for (const { relPath, image } of images) {
    if (!RelPath.safeParse(relPath).success) throw new PrintshotError('bad-argument', `'${relPath}' is not a valid relative path`);
    if (image.channels === 4) throw new PrintshotError('bad-argument', `${relPath}: clean images must have 1 or 3 channels`);
    const file = `clean/${pngRelPath(relPath)}`;
    const other = files.get(file);
    if (other !== undefined && other !== relPath) {
      throw new PrintshotError('bad-dataset', `'${other}' and '${relPath}' would both be stored as ${file}; rename one`);
    }
    files.set(file, relPath);
  }
  const { exp } = await updateExperiment(dir, async (exp) => {
    const byRel = new Map(exp.images.items.map((it) => [it.relPath, it]));
    const byFile = new Map(exp.images.items.map((it) => [it.file, it]));
    const added = await mapLimit(images, 8, async ({ relPath, label, image }): Promise<ImageItem | undefined> => {
      const file = `clean/${pngRelPath(relPath)}`;
      const clash = byFile.get(file);
      if (clash && clash.relPath !== relPath) {
        throw new PrintshotError('bad-dataset', `'${relPath}' would be stored as ${file}, which already holds '${clash.relPath}'`);
      }
      const png = await encodePng(image);
      const sha = sha256(png);
      const abs = resolveInExperiment(dir, file);
      const old = byRel.get(relPath);
      if (!old) {
        await atomicWrite(abs, png);
        return { relPath, label, file, sha256: sha };
      }
      if (old.label !== label) {
        throw new PrintshotError('bad-experiment', `${relPath}: label ${label} differs from label ${old.label} recorded in ${dir}`, 'use a new experiment folder');
      }
      const onDisk = await sha256File(abs).catch(() => undefined);
      // A changed copy means something else wrote into the experiment: never overwrite it silently.
      if (onDisk !== undefined && onDisk !== old.sha256) throw integrityError(dir, { file, sha256: old.sha256 }, { state: 'changed', actual: onDisk });
      if (old.sha256 === sha) {
        if (onDisk === undefined) await atomicWrite(abs, png); // restore a missing copy
        return undefined;
      }
      // Different bytes can still be the same pixels (e.g. another PNG encoder version).
      if (onDisk === old.sha256 && (await samePixels(abs, image))) return undefined;
      throw new PrintshotError(
        'bad-experiment',
        `${relPath}: differs from the clean image this experiment was made with (${file})`,
        'use a new experiment folder for changed inputs',
      );
    });
    const fresh = added.filter((x): x is ImageItem => x !== undefined);
    if (fresh.length > 0) {
      exp.images.items = [...exp.images.items, ...fresh].sort((a, b) => compareCodePoints(a.relPath, b.relPath));
      exp.images.count = exp.images.items.length;
    }
  });
  return exp;
}

async function samePixels(abs: string, image: Image8): Promise<boolean> {
  const stored = await decodePng(await readFile(abs), { channels: image.channels as 1 | 3 }, abs);
  return stored.width === image.width && stored.height === image.height && Buffer.compare(stored.data, image.data) === 0;
}
