/**
 * `printshot simulate`: photograph sheets through the physical-channel simulator.
 *
 * Reads sheet layouts (FILE.layout.json, the FILE.pdf beside one, or every *.layout.json of a
 * folder), loads each cell's image from the experiment (checked against the sha256 the layout
 * recorded: a changed image would simulate a sheet that was never printed), and writes `count`
 * photos per sheet to --out as <sheetId>-<k>.jpg (or .png when lossless) with
 * <sheetId>-<k>.truth.json beside each (pose homography, page corners, drawn camera values), plus
 * simulate.json listing them. Photo k of a sheet depends only on (seed, sheetId, k), so any
 * subset can be regenerated exactly.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeImage } from '../images';
import { compareCodePoints } from '../images/dataset';
import { selectBackend } from '../model/backend';
import { layoutPathFor } from '../sheets/node/pdf';
import { readSheetLayouts } from '../sheets/node/layout-file';
import type { CellPlacement, SheetLayout } from '../sheets/types';
import { createRng, PrintshotError, throwIfAborted, type Image8 } from '../shared';
import { encodePng } from '../images/encode';
import { DEFAULT_SIMULATE, IDEAL_SIMULATE, simulateOptions, simulatePhoto, type SimulateOptions, type SimulateOverrides } from '../simulate';
import { atomicWrite, atomicWriteJson, resolveInExperiment, sha256 } from '../workspace';
import { DEFAULT_PROFILE_SIMULATE, simulateProfilePhoto } from '../simulate/profile-adapter';
import { readChannelProfile } from './channel-fit';

export interface SimulateJobOptions {
  /** FILE.layout.json, FILE.pdf (its layout beside it) or a folder of *.layout.json. */
  sheets: string;
  /** Experiment root the cells' `file` paths are relative to (default: the folder above sheets/). */
  experiment?: string;
  /** Photos per sheet. */
  count: number;
  seed?: number | string;
  out: string;
  preset?: 'default' | 'ideal';
  overrides?: SimulateOverrides;
  /** A channel profile file (printshot channel fit): photograph through it instead of the print and camera models. */
  channel?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SimulatedPhotoRecord {
  photo: string;
  truth: string;
  sheetId: string;
  sheetIndex: number;
  k: number;
}

export interface SimulateJobResult {
  out: string;
  photos: SimulatedPhotoRecord[];
  options: SimulateOptions;
}

export async function runSimulateJob(opts: SimulateJobOptions): Promise<SimulateJobResult> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new PrintshotError('bad-argument', `--count must be a positive whole number (got ${opts.count})`);
  const files = await layoutFiles(opts.sheets);
  const sheets: SheetLayout[] = [];
  for (const f of files) sheets.push(...(await readSheetLayouts(f)));
  const experiment = opts.experiment ?? dirname(dirname(files[0]));
  const options = simulateOptions(opts.overrides, opts.preset === 'ideal' ? IDEAL_SIMULATE : DEFAULT_SIMULATE);
  const channel = opts.channel ? await readChannelProfile(opts.channel) : undefined;
  // --jpeg-quality / --lossless still override the profile's measured quality.
  const jpegOverride = opts.overrides?.camera?.jpegQuality;
  const profile = channel && (jpegOverride === undefined ? channel : { ...channel, jpegQuality: jpegOverride });
  const profileOpts = { ...DEFAULT_PROFILE_SIMULATE, pose: options.pose, frame: options.camera.frame, rasterPxPerMm: options.rasterPxPerMm };
  await selectBackend();
  const loadCell = cellLoader(experiment);
  const seed = opts.seed ?? 0;
  const photos: SimulatedPhotoRecord[] = [];
  const total = sheets.length * opts.count;
  for (const layout of sheets) {
    for (let k = 0; k < opts.count; k++) {
      throwIfAborted(opts.signal);
      opts.onProgress?.(photos.length, total);
      const rng = createRng(`${seed}:${layout.sheetId}:${k}`);
      const sim = profile ? await simulateProfilePhoto(layout, loadCell, profile, profileOpts, rng) : await simulatePhoto(layout, loadCell, options, rng);
      const name = `${layout.sheetId}-${String(k).padStart(3, '0')}`;
      const photo = `${name}.${sim.jpeg ? 'jpg' : 'png'}`;
      await atomicWrite(join(opts.out, photo), sim.jpeg ?? (await encodePng(sim.photo)));
      const truth = `${name}.truth.json`;
      await atomicWriteJson(join(opts.out, truth), { photo, seed: String(seed), k, sheetIndex: layout.sheetIndex, ...sim.truth });
      photos.push({ photo, truth, sheetId: layout.sheetId, sheetIndex: layout.sheetIndex, k });
    }
  }
  opts.onProgress?.(total, total);
  await atomicWriteJson(join(opts.out, 'simulate.json'), { seed: String(seed), count: opts.count, sheets: files, experiment, options, ...(opts.channel && { channel: opts.channel }), photos });
  return { out: opts.out, photos, options };
}

async function layoutFiles(path: string): Promise<string[]> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new PrintshotError('io', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (s.isFile()) return [/\.pdf$/i.test(path) ? layoutPathFor(path) : path];
  const names = (await readdir(path)).filter((n) => n.endsWith('.layout.json') && !n.startsWith('.')).sort(compareCodePoints);
  if (names.length === 0) throw new PrintshotError('bad-argument', `${path}: no *.layout.json sheet layouts found`);
  return names.map((n) => join(path, n));
}

/** Loads (once per file) and verifies the image printed in a cell. */
export function cellLoader(experiment: string): (cell: CellPlacement) => Promise<Image8> {
  const cache = new Map<string, Promise<Image8>>();
  return (cell) => {
    let p = cache.get(cell.file);
    if (!p) {
      p = (async () => {
        const abs = resolveInExperiment(experiment, cell.file);
        const bytes = await readFile(abs).catch((e: NodeJS.ErrnoException) => {
          throw new PrintshotError('bad-experiment', `${abs}: cannot read the image of cell ${cell.index} (${e.code ?? e.message})`, 'pass --experiment DIR, the folder the sheets were made from');
        });
        if (sha256(bytes) !== cell.sha256) {
          throw new PrintshotError('bad-experiment', `${basename(abs)}: differs from the image printed in cell ${cell.index} (sha256 mismatch)`);
        }
        return decodeImage(bytes, {}, abs);
      })();
      cache.set(cell.file, p);
    }
    return p;
  };
}
