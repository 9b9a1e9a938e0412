/**
 * The registered photos and their cells as the workbench shows them (capture:photos): from the
 * capture log, each accepted photo with its marker quads and rectified page, and each registered
 * cell with the triptych the HTML report draws (clean, adversarial, photo crop), here with top-5
 * predictions for all three. Clean and adversarial predictions are the run manifest's (the model
 * the attack ran on); the crops are classified with the given model when it is the experiment's.
 * Everything is read from disk, so the view is the same after a reload or in a new session.
 */
import { readFile } from 'node:fs/promises';
import { runDisplayName } from '../attacks/names';
import type { CapturePhotosDto, PhotoCellDto, RankedClassDto, RegisteredPhotoDto } from '../contract';
import { readImage8 } from '../images';
import { predict } from '../inference';
import type { LoadedClassifier } from '../model';
import { CAPTURES_LOG, readCapturesLog, type CaptureEntry } from '../registration/node/captures-log';
import { log } from '../shared';
import { confine } from '../shared/node/confine';
import { cleanByRelPath, listRuns, openExperiment, readRunManifest, readVerified, type RunManifest, type RunRecord } from '../workspace';

export interface PhotoCellsOptions {
  /** The model to classify the crops with; null (or another model than the experiment's) leaves photoTop5 null. */
  model: LoadedClassifier | null;
  predict?: boolean;
}

type ManifestImage = RunManifest['images'][number];

const stripRun = (s: string) => s.replace(/^adversarial\//, '').replace(/\/$/, '');

export async function photoCells(dir: string, opts: PhotoCellsOptions): Promise<CapturePhotosDto> {
  const exp = await openExperiment(dir);
  // Confined like file:read (a log symlinked out of the experiment is refused); a missing log is empty.
  const capLog = await readCapturesLog(await confine(dir, CAPTURES_LOG), exp.id);
  const accepted = capLog.photos.filter((p) => p.status === 'accepted');
  const card = exp.model.card as { labels?: unknown };
  const labels = Array.isArray(card.labels) ? card.labels.map(String) : [...(opts.model?.labels ?? [])];
  const ranked = (top: readonly { label: number; prob: number }[]): RankedClassDto[] => top.map((t) => ({ label: t.label, name: labels[t.label] ?? String(t.label), prob: t.prob }));
  const read = async (rel: string): Promise<Uint8Array | null> => {
    try {
      // Confined like file:read: a crop replaced by a symlink out of the experiment is not followed.
      return await readFile(await confine(dir, rel));
    } catch (e) {
      log.warn(`${rel}: not shown (${(e as Error).message})`);
      return null;
    }
  };

  const runs = await listRuns(dir);
  const manifests = new Map<string, Promise<{ run: RunRecord; images: Map<string, ManifestImage> } | null>>();
  const manifestOf = (runDir: string | undefined) => {
    if (!runDir) return Promise.resolve(null);
    const key = stripRun(runDir);
    if (!manifests.has(key)) {
      const run = runs.find((r) => stripRun(r.dir) === key);
      manifests.set(
        key,
        run ? readRunManifest(dir, run).then((m) => ({ run, images: new Map(m.images.map((im) => [im.relPath, im])) }), () => null) : Promise.resolve(null),
      );
    }
    return manifests.get(key)!;
  };
  const cleanFiles = cleanByRelPath(exp);

  const photos: RegisteredPhotoDto[] = accepted.map(photoDto);
  const cells: PhotoCellDto[] = [];
  for (const p of accepted) {
    for (const c of p.crops) {
      const crop = await read(c.file);
      if (!crop) continue;
      // A clean cell's run is its pair's (the adversarial cell of the same image on this sheet).
      const runDir = c.run ?? p.crops.find((d) => d.pair !== undefined && d.pair === c.pair && d.run)?.run;
      const m = await manifestOf(runDir);
      const im = m?.images.get(c.relPath);
      const cleanRec = cleanFiles.get(c.relPath);
      cells.push({
        photo: p.id,
        cell: c.cell,
        role: c.role,
        relPath: c.relPath,
        label: c.label,
        labelName: labels[c.label] ?? String(c.label),
        runLabel: m ? runDisplayName(m.run.method, m.run.eps) : null,
        clean: cleanRec ? await readVerified(dir, cleanRec).catch(() => null) : null,
        adversarial: im ? await readVerified(dir, { file: im.file, sha256: im.sha256 }).catch(() => null) : null,
        photoCrop: crop,
        cleanTop5: im ? ranked(im.cleanTop5) : null,
        advTop5: im ? ranked(im.advTop5) : null,
        photoTop5: null,
      });
    }
  }
  const note = opts.predict === false ? null : await classifyCrops(dir, accepted, cells, opts.model, exp.model.fingerprint, ranked);
  const count = (s: CaptureEntry['status']) => capLog.photos.filter((p) => p.status === s).length;
  return { accepted: accepted.length, rejected: count('rejected'), duplicates: count('duplicate'), photos, cells, note };
}

function photoDto(p: CaptureEntry): RegisteredPhotoDto {
  return {
    id: p.id,
    original: p.original,
    width: p.width ?? null,
    height: p.height ?? null,
    sheetId: p.sheetId ?? null,
    markerQuads: p.markerQuads ?? [],
    rectified: p.rectified ?? null,
    cells: p.crops.length,
    reprojectionMaxMm: p.reprojection?.maxMm ?? null,
    condition: p.condition ?? null,
    registeredAt: p.registeredAt,
  };
}

/** Top-5 of every crop with the experiment's model; returns why not, when it cannot. */
async function classifyCrops(
  dir: string,
  accepted: readonly CaptureEntry[],
  cells: PhotoCellDto[],
  model: LoadedClassifier | null,
  fingerprint: string,
  ranked: (top: readonly { label: number; prob: number }[]) => RankedClassDto[],
): Promise<string | null> {
  if (cells.length === 0) return null;
  if (!model) return 'No model is loaded: load the experiment\'s model (Model view) to see the photo crops\' predictions.';
  if (model.fingerprint !== fingerprint) return `The loaded model (${model.card.name}) is not the experiment's: photo-crop predictions are left out.`;
  const { channels, width, height } = model.inputSpec;
  const files = new Map(accepted.flatMap((p) => p.crops.map((c) => [`${p.id}\u0000${c.cell}`, c.file] as const)));
  const images = await Promise.all(cells.map(async (c) => readImage8(await confine(dir, files.get(`${c.photo}\u0000${c.cell}`)!), { channels, width, height })));
  const preds = await predict(model, images, { top: 5 });
  preds.forEach((p, i) => (cells[i].photoTop5 = ranked(p.top)));
  return null;
}
