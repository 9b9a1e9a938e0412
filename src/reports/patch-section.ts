/**
 * The report's "Patches" section (issue 19 §3), pure: from the patch records an experiment holds
 * (patches/*.json, written by `printshot patch`: every size's digital evaluation on held-out
 * images at random placements, as in Brown et al.'s size curve, arXiv 1712.09665 Fig. 2) and the
 * photo results (results/patch-photos.json, src/reports/patch-photos.ts), it makes
 *
 *   - the size-curve table and chart: success against patch area (percent of the image), one line
 *     per target, with counts and 95 % Wilson intervals;
 *   - the photo tables: per image (photographed patched crops against the same images digitally,
 *     and the clean crops beside) and full frame, by capture condition;
 *
 * as ReportTables and Fig6Panels, which the HTML, PDF and CSV writers already render. The patch
 * image and photo examples ride along as file paths (the writers embed them).
 */
import type { Rate } from '../metrics';
import type { PatchPhotoResults } from './patch-photos';
import { rateCell } from './stats';
import type { Fig6Panel, ReportTable } from './types';

/** One patch record: a point of the size curve. */
export interface PatchCurvePoint {
  /** The record (patches/<name>.json) and its PNG, relative to the experiment. */
  file: string;
  png: string;
  size: number;
  target: number | null;
  targetName: string;
  success: Rate;
  images: number;
  draws: number;
  channel: string;
  palette: string;
  counts: string;
}

export interface PatchExample {
  condition: string;
  photo: string;
  relPath: string;
  labelName: string;
  predictionName: string;
  success: boolean;
  /** Files relative to the experiment: the clean image, the patched image, the photo crop. */
  clean: string | null;
  patched: string;
  crop: string;
}

export interface PatchesReport {
  patches: PatchCurvePoint[];
  panels: Fig6Panel[];
  photos: PatchPhotoResults | null;
  examples: PatchExample[];
}

const pctLabel = (size: number) => `${Math.round(size * 1000) / 10}%`;

export function sizeCurveTable(points: readonly PatchCurvePoint[]): ReportTable {
  return {
    id: 'patch-size-curve',
    number: 'Patches',
    title: 'Patch success against size (held-out images, random placements)',
    columns: [{ key: 'success', label: 'Success' }],
    // Short labels (the PDF's label column is narrow); what each row measured goes in the note.
    rows: [...points].sort((a, b) => a.targetName.localeCompare(b.targetName) || a.size - b.size).map((p) => ({
      key: p.file,
      label: `${p.targetName} · ${pctLabel(p.size)}`,
      cells: { success: rateCell(p.success) },
    })),
    note: points[0]
      ? `Success counts ${points[0].counts}. Per row: ${points.map((p) => `${p.targetName} ${pctLabel(p.size)}: ${p.images} images × ${p.draws} placements, channel ${p.channel}, palette ${p.palette}`).join('; ')}.`
      : undefined,
  };
}

export function sizeCurvePanels(points: readonly PatchCurvePoint[]): Fig6Panel[] {
  if (!points.length) return [];
  const targets = [...new Set(points.map((p) => p.targetName))];
  const sizes = points.map((p) => p.size * 100);
  return [{
    transform: 'patch-size',
    title: 'Patch success against patch size',
    param: 'patch area, % of the image',
    paperRange: { min: Math.min(5, ...sizes), max: Math.max(25, ...sizes) },
    yLabel: 'success',
    yMax: 1,
    series: targets.map((t) => ({
      run: t, method: `patch ${t}`, eps: 255, k: 'top1' as const, label: t === 'untargeted' ? 'untargeted' : `target ${t}`, dashed: false,
      points: points.filter((p) => p.targetName === t).sort((a, b) => a.size - b.size).map((p) => ({ x: Math.round(p.size * 1000) / 10, rate: rateCell(p.success) })),
    })),
  }];
}

export function patchPhotoTables(photos: PatchPhotoResults | null): ReportTable[] {
  if (!photos) return [];
  const tables: ReportTable[] = [];
  if (photos.perImage.length) {
    tables.push({
      id: 'patch-photos',
      number: 'Patches',
      title: 'Patched images, printed and photographed, by capture condition',
      columns: [
        { key: 'photo', label: 'Success', group: 'Photos' },
        { key: 'clean', label: 'Clean accuracy', group: 'Photos' },
        { key: 'digital', label: 'Success', group: 'Digital' },
      ],
      rows: photos.perImage.map((g) => ({
        key: `${g.condition}:${g.run}`,
        label: `${g.condition || '(no condition)'} · ${g.targetName}`,
        cells: { photo: rateCell(g.success), clean: rateCell(g.cleanAccuracy), digital: rateCell(g.digital) },
      })),
      note: `Per image: ${photos.counts.split('; full frame')[0].replace(/^per image: /, '')}. Digital: the same images' 8-bit PNGs; clean accuracy: the clean crops on the same photos. `
        + `Per row: ${photos.perImage.map((g) => `${g.condition || '(no condition)'} · ${g.targetName}: run ${g.run.replace(/^adversarial\//, '')}, ${g.photos} photo(s), ${g.located} patch(es) located`).join('; ')}.`,
    });
  }
  if (photos.fullFrame.length) {
    tables.push({
      id: 'patch-full-frame',
      number: 'Patches',
      title: 'The patch alone, photographed: whole-frame classification by capture condition',
      columns: [{ key: 'success', label: 'Predicted as the target' }],
      rows: photos.fullFrame.map((f) => ({
        key: `${f.condition}:${f.patch}:${f.view}`,
        label: `${f.condition || '(no condition)'} · ${f.view === 'frame' ? 'whole photo' : 'page'}`,
        cells: { success: rateCell(f.success) },
      })),
      note: 'The whole photo (the scene) and the rectified page, each resized to the model input. For an untargeted patch, the share of the most frequent prediction. '
        + `Per row: ${photos.fullFrame.map((f) => `${f.condition || '(no condition)'} · ${f.view === 'frame' ? 'whole photo' : 'page'}: ${f.patch.replace(/^patches\//, '')}, target ${f.targetName}, most frequent ${f.mode.name}`).join('; ')}.`,
    });
  }
  return tables;
}

/** Up to `n` examples, successful crops first, one per image. */
export function pickPatchExamples(candidates: readonly PatchExample[], n = 4): PatchExample[] {
  const seen = new Set<string>();
  const out: PatchExample[] = [];
  for (const e of [...candidates.filter((c) => c.success), ...candidates.filter((c) => !c.success)]) {
    if (out.length >= n || seen.has(e.relPath)) continue;
    seen.add(e.relPath);
    out.push(e);
  }
  return out;
}
