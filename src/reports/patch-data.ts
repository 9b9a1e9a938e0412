/**
 * Reads what the "Patches" section shows (src/reports/patch-section.ts) from an experiment: the
 * patch records in patches/ (copied there by `printshot patch apply` with every size of the same
 * target: the size curve), and the photo results, computed now with the model when there is one
 * (the report evaluates everything it shows), else read from results/patch-photos.json as
 * `printshot patch evaluate` stored them. Null when the experiment holds no patch.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Rate } from '../metrics';
import type { LoadedClassifier } from '../model';
import { log } from '../shared';
import { adversarialFile, resolveInExperiment, type Experiment, type RunRecord } from '../workspace';
import { evaluatePatchPhotos, PATCH_PHOTOS_FILE, type PatchPhotoResults } from './patch-photos';
import { patchPhotoTables, pickPatchExamples, sizeCurvePanels, sizeCurveTable, type PatchCurvePoint, type PatchesReport } from './patch-section';
import type { ReportTable } from './types';

interface PatchJson {
  png?: string;
  target?: { index: number | null; name: string };
  params?: { size?: number };
  channel?: string;
  palette?: { source?: string };
  evaluation?: { success?: Rate; images?: number; draws?: number; counts?: string };
}

async function curvePoints(dir: string): Promise<PatchCurvePoint[]> {
  // Recursive: the workbench trains into patches/<target>-<key>/, the CLI copies into patches/.
  const names = (await readdir(resolveInExperiment(dir, 'patches'), { recursive: true }).catch(() => [] as string[]))
    .map((n) => n.split('\\').join('/'))
    .filter((n) => /^patch-.*\.json$/.test(n.split('/').pop()!) && !n.endsWith('.checkpoint.json'))
    .sort();
  const points: PatchCurvePoint[] = [];
  for (const name of names) {
    try {
      const j = JSON.parse(await readFile(resolveInExperiment(dir, `patches/${name}`), 'utf8')) as PatchJson;
      const e = j.evaluation;
      if (!e?.success || typeof j.params?.size !== 'number' || !j.target) continue;
      points.push({
        file: `patches/${name}`, png: `patches/${name.includes('/') ? `${name.slice(0, name.lastIndexOf('/'))}/` : ''}${j.png ?? name.split('/').pop()!.replace(/\.json$/, '.png')}`, size: j.params.size, target: j.target.index, targetName: j.target.name,
        success: e.success, images: e.images ?? 0, draws: e.draws ?? 0, channel: j.channel ?? '—', palette: j.palette?.source ?? '—', counts: e.counts ?? '',
      });
    } catch (err) {
      log.warn(`patches/${name}: unreadable, left out of the size curve (${(err as Error).message})`);
    }
  }
  return points;
}

async function photoResults(dir: string, model: LoadedClassifier | null): Promise<PatchPhotoResults | null> {
  if (model) return evaluatePatchPhotos(dir, model);
  try {
    return JSON.parse(await readFile(resolveInExperiment(dir, PATCH_PHOTOS_FILE), 'utf8')) as PatchPhotoResults;
  } catch {
    return null;
  }
}

export async function readPatchesReport(dir: string, exp: Experiment, model: LoadedClassifier | null, labels: readonly string[]): Promise<{ report: PatchesReport; tables: ReportTable[] } | null> {
  const patches = await curvePoints(dir);
  const photos = await photoResults(dir, model);
  if (!patches.length && !photos) return null;
  const cleanOf = new Map(exp.images.items.map((it) => [it.relPath, it.file]));
  const name = (l: number) => labels[l] ?? String(l);
  const examples = pickPatchExamples((photos?.crops ?? []).filter((c) => c.eligible).map((c) => ({
    condition: c.condition, photo: c.photo, relPath: c.relPath, labelName: name(c.label), predictionName: name(c.prediction), success: c.success,
    clean: cleanOf.get(c.relPath) ?? null, patched: adversarialFile({ dir: c.run } as RunRecord, c.relPath), crop: c.file,
  })));
  const tables = [...(patches.length ? [sizeCurveTable(patches)] : []), ...patchPhotoTables(photos)];
  return { report: { patches, panels: sizeCurvePanels(patches), photos, examples }, tables };
}
