/**
 * Photos of printed patches (issue 19 §3): per-image and full-frame classification of the
 * registered photos of an experiment's patch runs and patch-alone sheets, grouped by capture
 * condition (the key=value tags given to `printshot register --condition`, '' for none).
 *
 * - Per image: every registered adversarial crop of a patch run (the clean image with the patch
 *   pasted, printed and photographed) is classified at the model's input size. A crop succeeds
 *   when its prediction is the run's target, counted among images not of the target class
 *   (targeted), or differs from the label, among images the model classified right digitally
 *   without the patch (untargeted), as in the digital evaluation (src/patches/patch-eval.ts). The
 *   clean crops on the same photos give the photo's clean accuracy, and the same images' digital
 *   success (the run manifest) is shown beside.
 * - Full frame: for each photo of a patch-alone sheet, the whole photo (the scene) and the
 *   rectified page, each resized to the model input, are classified; a targeted patch succeeds
 *   when the prediction is its target. There is no true class, so an untargeted patch gets its
 *   most frequent prediction instead.
 *
 * Every accepted photo counts, repeat shots under a condition included. Rates carry counts and
 * 95 % Wilson intervals.
 */
import { readFile } from 'node:fs/promises';
import { decodeImage, readImage8, toChannels } from '../images';
import { predict } from '../inference';
import { rateOf, type Rate } from '../metrics';
import type { LoadedClassifier } from '../model';
import { CapturesLogSchema, type CaptureEntry } from '../registration/captures-log';
import { conditionKey } from '../registration/protocol';
import { cropResize } from '../registration/unregistered';
import type { Image8 } from '../shared';
import { listRuns, readRunManifest, resolveInExperiment, type RunManifest } from '../workspace';
import { CAPTURES_FILE } from './captures';

export const PATCH_PHOTOS_FILE = 'results/patch-photos.json';

export interface PatchPerImageGroup {
  condition: string;
  /** Run folder, e.g. 'adversarial/patch-eps255'. */
  run: string;
  target: number | 'untargeted';
  targetName: string;
  photos: number;
  /** Photographed patched crops that reached the goal, among eligible crops. */
  success: Rate;
  /** The same crops' images, digitally (the manifest's 8-bit predictions). */
  digital: Rate;
  /** Clean crops on the same photos classified as their label. */
  cleanAccuracy: Rate;
  /** Patch cells whose patch registration located in the photo (captures log `patches`). */
  located: number;
}

export interface PatchFullFrameGroup {
  condition: string;
  /** The patch file printed (patches/<name>.png). */
  patch: string;
  target: number | 'untargeted';
  targetName: string;
  /** 'frame': the whole photo; 'page': the rectified sheet. */
  view: 'frame' | 'page';
  /** Predictions equal to the target among the photos (targeted); for untargeted, the share of the most frequent prediction. */
  success: Rate;
  /** The most frequent prediction and its name. */
  mode: { label: number; name: string };
}

export interface PatchCropResult {
  photo: string;
  cell: number;
  condition: string;
  run: string;
  relPath: string;
  label: number;
  /** The registered crop (captures/<photo>/cell-<k>.png). */
  file: string;
  prediction: number;
  eligible: boolean;
  success: boolean;
}

export interface PatchPhotoResults {
  schemaVersion: 1;
  counts: string;
  perImage: PatchPerImageGroup[];
  fullFrame: PatchFullFrameGroup[];
  crops: PatchCropResult[];
}

interface PatchRun {
  manifest: RunManifest;
  target: number | 'untargeted';
  targetName: string;
  patch: string;
}

async function patchRuns(dir: string): Promise<Map<string, PatchRun>> {
  const out = new Map<string, PatchRun>();
  for (const run of await listRuns(dir)) {
    if (run.method !== 'patch' || run.status !== 'complete') continue;
    const manifest = await readRunManifest(dir, run);
    const p = manifest.params as { target?: number | 'untargeted'; targetName?: string; patch?: string };
    out.set(run.dir, { manifest, target: p.target ?? 'untargeted', targetName: p.targetName ?? String(p.target), patch: p.patch ?? '' });
  }
  return out;
}

/** The results, or null when no accepted photo holds a patch cell. Needs the experiment's model. */
export async function evaluatePatchPhotos(dir: string, model: LoadedClassifier): Promise<PatchPhotoResults | null> {
  let photos: CaptureEntry[];
  try {
    photos = CapturesLogSchema.parse(JSON.parse(await readFile(resolveInExperiment(dir, CAPTURES_FILE), 'utf8'))).photos;
  } catch {
    return null;
  }
  const runs = await patchRuns(dir);
  const alone = new Map<string, { target: number | 'untargeted'; targetName: string }>();
  for (const r of runs.values()) alone.set(r.patch, { target: r.target, targetName: r.targetName });
  const { width, height, channels } = model.inputSpec;
  const top1 = async (imgs: Image8[]) => (imgs.length ? (await predict(model, imgs, { top: 1 })).map((p) => p.top[0].label) : []);
  const read = (file: string) => readImage8(resolveInExperiment(dir, file), { channels, width, height });
  const crops: PatchCropResult[] = [];
  const groups = new Map<string, { condition: string; run: string; photos: Set<string>; clean: boolean[]; located: number }>();
  const frames = new Map<string, { condition: string; patch: string; view: 'frame' | 'page'; preds: number[] }>();
  for (const p of photos.filter((x) => x.status === 'accepted')) {
    const condition = conditionKey(p.condition);
    const patched = p.crops.filter((c) => c.role === 'adversarial' && c.run && runs.has(c.run));
    if (patched.length) {
      const preds = await top1(await Promise.all(patched.map((c) => read(c.file))));
      const cleans = p.crops.filter((c) => c.role === 'clean' && patched.some((d) => d.pair === c.pair));
      const cleanPreds = await top1(await Promise.all(cleans.map((c) => read(c.file))));
      for (const [k, c] of patched.entries()) {
        const r = runs.get(c.run!)!;
        const row = r.manifest.images.find((im) => im.relPath === c.relPath);
        const eligible = r.target === 'untargeted' ? row?.cleanTop5[0]?.label === c.label : c.label !== r.target;
        const success = r.target === 'untargeted' ? preds[k] !== c.label : preds[k] === r.target;
        crops.push({ photo: p.id, cell: c.cell, condition, run: c.run!, relPath: c.relPath, label: c.label, file: c.file, prediction: preds[k], eligible, success });
        const key = `${condition}\u0000${c.run}`;
        const g = groups.get(key) ?? { condition, run: c.run!, photos: new Set<string>(), clean: [], located: 0 };
        g.photos.add(p.id);
        if (p.patches?.some((q) => q.cell === c.cell)) g.located++;
        const j = cleans.findIndex((d) => d.pair === c.pair);
        if (j >= 0) g.clean.push(cleanPreds[j] === cleans[j].label);
        groups.set(key, g);
      }
    }
    const aloneCell = p.crops.find((c) => c.relPath.startsWith('patch-alone/'));
    if (aloneCell && p.original) {
      const photo = await decodeImage(await readFile(resolveInExperiment(dir, p.original)), { channels: 3 }, p.id).catch(() => null);
      const frame = photo ? toChannels(cropResize(photo, { x0: 0, y0: 0, x1: photo.width, y1: photo.height }, width, height), channels) : null;
      const page = p.rectified ? await read(p.rectified).catch(() => null) : null;
      const views = [['frame', frame], ['page', page]] as const;
      const labels = await top1(views.flatMap(([, img]) => (img ? [img] : [])));
      let k = 0;
      for (const [view, img] of views) {
        if (!img) continue;
        const key = `${condition}\u0000${aloneCell.source}\u0000${view}`;
        const f = frames.get(key) ?? { condition, patch: aloneCell.source, view, preds: [] };
        f.preds.push(labels[k++]);
        frames.set(key, f);
      }
    }
  }
  if (!crops.length && !frames.size) return null;
  // A patch printed alone that no run pasted: its target from the record beside its PNG.
  for (const f of frames.values()) {
    if (alone.has(f.patch)) continue;
    const rec = await readFile(resolveInExperiment(dir, f.patch.replace(/\.png$/i, '.json')), 'utf8').then((t) => JSON.parse(t) as { target?: { index: number | null; name: string } }, () => null);
    if (rec?.target) alone.set(f.patch, { target: rec.target.index ?? 'untargeted', targetName: rec.target.name });
  }
  const name = (l: number) => model.labels[l] ?? String(l);
  const perImage: PatchPerImageGroup[] = [...groups.values()].map((g) => {
    const r = runs.get(g.run)!;
    const mine = crops.filter((c) => c.condition === g.condition && c.run === g.run && c.eligible);
    const digitalRows = mine.map((c) => r.manifest.images.find((im) => im.relPath === c.relPath)).filter((im) => im !== undefined);
    return {
      condition: g.condition, run: g.run, target: r.target, targetName: r.targetName, photos: g.photos.size,
      success: rateOf(mine.filter((c) => c.success).length, mine.length),
      digital: rateOf(digitalRows.filter((im) => im.success).length, digitalRows.length),
      cleanAccuracy: rateOf(g.clean.filter(Boolean).length, g.clean.length),
      located: g.located,
    };
  });
  const fullFrame: PatchFullFrameGroup[] = [...frames.values()].map((f) => {
    const t = alone.get(f.patch) ?? { target: 'untargeted' as const, targetName: 'untargeted' };
    const counts = new Map<number, number>();
    for (const l of f.preds) counts.set(l, (counts.get(l) ?? 0) + 1);
    const [mode, modeCount] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    const hits = t.target === 'untargeted' ? modeCount : f.preds.filter((l) => l === t.target).length;
    return { condition: f.condition, patch: f.patch, target: t.target, targetName: t.targetName, view: f.view, success: rateOf(hits, f.preds.length), mode: { label: mode, name: name(mode) } };
  });
  return {
    schemaVersion: 1,
    counts: 'per image: crops predicted as the target among crops of images not of the target class (targeted), or predicted other than the label among images the model got right digitally (untargeted); full frame: photos predicted as the target',
    perImage,
    fullFrame,
    crops,
  };
}
