/**
 * Results by capture condition (issue 17 §4): for every condition of the registered photos and
 * every photographed run, photo accuracy, Kurakin's destruction rate (Eq. 1) and RP2's
 * conditional success (src/metrics/conditional.ts), each with counts and a 95% Wilson interval,
 * on the registered (rectified) crops and, beside them, on unregistered crops (Lu et al. 2017:
 * the cell's bounding box in the photo with a margin, src/registration/unregistered.ts). For
 * single-image sheets the whole frame is classified too.
 *
 * Every accepted photo counts, repeat shots included (each its own observation); the Tables 1–3
 * keep the first photo of a pair, as before. Absent (null) when no photo carries a condition.
 */
import { readFile } from 'node:fs/promises';
import { decodeImage, readImage8, toChannels } from '../images';
import { predict } from '../inference';
import type { DestructionRate } from '../metrics';
import { proportion, resultsByCondition, type ConditionResult, type PairObservation } from '../metrics/conditional';
import type { LoadedClassifier } from '../model';
import { CapturesLogSchema, type CaptureEntry } from '../registration/captures-log';
import { conditionKey } from '../registration/protocol';
import { cropResize, unregisteredBox, UNREGISTERED_MARGIN } from '../registration/unregistered';
import { readSheetLayouts } from '../sheets/node/layout-file';
import type { SheetLayout } from '../sheets/types';
import { log, type Image8 } from '../shared';
import { resolveInExperiment } from '../workspace';
import { CAPTURES_FILE } from './captures';
import { cellText, ciText, countText, ratioCell } from './stats';

export interface ConditionRunRow {
  condition: string;
  run: string;
  /** Accepted photos of this condition holding cells of this run. */
  photos: number;
  registered: ConditionResult;
  /** The same measures on unregistered crops (bounding box + margin, no rectification). */
  unregistered: ConditionResult;
}

export interface WholeFrameRow {
  condition: string;
  /** Role of the sheet's one cell: clean, adversarial or image. */
  role: string;
  /** Top-1 accuracy of the whole frame resized to the model input. */
  accuracy: DestructionRate;
}

export interface ConditionsReport {
  /** Condition keys ('angle=15,distance=5ft'), in capture order; '' is a photo without one. */
  conditions: string[];
  protocols: string[];
  margin: number;
  rows: ConditionRunRow[];
  wholeFrame: WholeFrameRow[];
}

interface Preds {
  registered: number | null;
  unregistered: number | null;
}

export async function conditionsSection(dir: string, model: LoadedClassifier | null): Promise<ConditionsReport | null> {
  if (!model) return null;
  let photos: CaptureEntry[];
  try {
    photos = CapturesLogSchema.parse(JSON.parse(await readFile(resolveInExperiment(dir, CAPTURES_FILE), 'utf8'))).photos;
  } catch {
    return null; // no log, or one the capture section already reports as unreadable
  }
  const accepted = photos.filter((p) => p.status === 'accepted' && p.crops.length);
  if (!accepted.some((p) => p.condition)) return null;
  const { width, height, channels } = model.inputSpec;
  const top1 = async (imgs: Image8[]) => (await predict(model, imgs, { top: 1 })).map((p) => p.top[0].label);
  const digital = new Map<string, number | null>();
  const digitalOf = async (file: string) => {
    if (!digital.has(file)) {
      const img = await readImage8(resolveInExperiment(dir, file), { channels, width, height }).catch(() => null);
      digital.set(file, img ? (await top1([img]))[0] : null);
    }
    return digital.get(file)!;
  };
  const layouts = new Map<string, SheetLayout[]>();
  const byRun = new Map<string, { condition: string; photos: Set<string>; reg: PairObservation[]; unreg: PairObservation[] }>();
  const frames = new Map<string, { condition: string; role: string; correct: boolean[] }>();
  for (const p of accepted) {
    const condition = conditionKey(p.condition);
    const layout = await layoutOf(dir, p, layouts);
    const photo = p.original ? await decodeImage(await readFile(resolveInExperiment(dir, p.original)), { channels: 3 }, p.id).catch(() => null) : null;
    // Registered crops and unregistered boxes of every cell, classified in one batch each.
    const regImgs = await Promise.all(p.crops.map((c) => readImage8(resolveInExperiment(dir, c.file), { channels, width, height }).catch(() => null)));
    const unregImgs = p.crops.map((c) => {
      const cell = layout?.cells.find((x) => x.index === c.cell);
      const box = photo && cell && p.homography ? unregisteredBox(p.homography, cell, photo) : null;
      return box ? toChannels(cropResize(photo!, box, width, height), channels) : null;
    });
    const preds: Preds[] = p.crops.map(() => ({ registered: null, unregistered: null }));
    await fill(regImgs, top1, (i, l) => (preds[i].registered = l));
    await fill(unregImgs, top1, (i, l) => (preds[i].unregistered = l));
    for (const [i, c] of p.crops.entries()) {
      if (c.role !== 'adversarial' || !c.run) continue;
      const j = p.crops.findIndex((d) => d.role === 'clean' && d.pair !== undefined && d.pair === c.pair);
      const clean = j >= 0 ? p.crops[j] : null;
      const base = { condition, label: c.label, digitalClean: clean ? await digitalOf(clean.source) : null, digitalAdv: await digitalOf(c.source) };
      const key = `${condition}\u0000${c.run}`;
      const g = byRun.get(key) ?? { condition, photos: new Set<string>(), reg: [], unreg: [] };
      g.photos.add(p.id);
      g.reg.push({ ...base, photoClean: j >= 0 ? preds[j].registered : null, photoAdv: preds[i].registered });
      g.unreg.push({ ...base, photoClean: j >= 0 ? preds[j].unregistered : null, photoAdv: preds[i].unregistered });
      byRun.set(key, g);
    }
    // A cell with no true class (label −1: a patch printed alone) has no accuracy; patch-photos.ts reports it.
    if (photo && layout?.cells.length === 1 && layout.cells[0].label >= 0) {
      const cell = layout.cells[0];
      const [label] = await top1([toChannels(cropResize(photo, { x0: 0, y0: 0, x1: photo.width, y1: photo.height }, width, height), channels)]);
      const key = `${condition}\u0000${cell.role}`;
      const f = frames.get(key) ?? { condition, role: cell.role, correct: [] };
      f.correct.push(label === cell.label);
      frames.set(key, f);
    }
  }
  const rows: ConditionRunRow[] = [...byRun].map(([key, g]) => ({
    condition: g.condition,
    run: key.split('\u0000')[1],
    photos: g.photos.size,
    registered: resultsByCondition(g.reg)[0],
    unregistered: resultsByCondition(g.unreg)[0],
  }));
  const rate = (xs: boolean[]): DestructionRate => proportion(xs.filter(Boolean).length, xs.length);
  return {
    conditions: [...new Set(accepted.map((p) => conditionKey(p.condition)))],
    protocols: [...new Set(accepted.flatMap((p) => (p.protocol ? [p.protocol] : [])))],
    margin: UNREGISTERED_MARGIN,
    rows,
    wholeFrame: [...frames.values()].map((f) => ({ condition: f.condition, role: f.role, accuracy: rate(f.correct) })),
  };
}

async function fill(imgs: (Image8 | null)[], top1: (x: Image8[]) => Promise<number[]>, set: (i: number, label: number) => void): Promise<void> {
  const idx = imgs.flatMap((img, i) => (img ? [i] : []));
  if (!idx.length) return;
  const labels = await top1(idx.map((i) => imgs[i]!));
  idx.forEach((i, k) => set(i, labels[k]));
}

async function layoutOf(dir: string, p: CaptureEntry, cache: Map<string, SheetLayout[]>): Promise<SheetLayout | null> {
  if (!p.layoutFile) return null;
  if (!cache.has(p.layoutFile)) {
    cache.set(p.layoutFile, await readSheetLayouts(resolveInExperiment(dir, p.layoutFile)).catch((e: unknown) => {
      log.warn(`${p.layoutFile}: unreadable, unregistered crops of its photos are left out (${(e as Error).message})`);
      return [];
    }));
  }
  return cache.get(p.layoutFile)!.find((l) => l.sheetId === p.sheetId) ?? null;
}

/** The report's table by condition (HTML and PDF, in the capture section): registered beside unregistered. */
export function conditionsTable(c: ConditionsReport): { title: string; header: string[]; rows: string[][] } {
  const t = (r: DestructionRate) => {
    const cell = ratioCell(r.numerator, r.denominator);
    return `${cellText(cell)} (${countText(cell)}) ${ciText(cell)}`;
  };
  return {
    title: `By capture condition${c.protocols.length ? ` (protocol ${c.protocols.join(', ')})` : ''}: RP2 success counts only pairs whose clean photo is right; unregistered = the cell's box in the photo + ${Math.round(c.margin * 100)}% margin, not rectified.`,
    header: ['Condition', 'Run', 'Photos', 'Clean acc.', 'Adv. acc.', 'Destruction (Eq. 1)', 'RP2 success', 'Unreg. clean acc.', 'Unreg. adv. acc.', 'Unreg. RP2 success'],
    rows: [
      ...c.rows.map((x) => [x.condition || '(none)', x.run, String(x.photos), t(x.registered.cleanAccuracy), t(x.registered.advAccuracy), t(x.registered.destruction), t(x.registered.conditionalSuccess), t(x.unregistered.cleanAccuracy), t(x.unregistered.advAccuracy), t(x.unregistered.conditionalSuccess)]),
      ...c.wholeFrame.map((f) => [f.condition || '(none)', `whole frame (${f.role})`, String(f.accuracy.denominator), '', '', '', '', f.role === 'clean' ? t(f.accuracy) : '', f.role === 'clean' ? '' : t(f.accuracy), '']),
    ],
  };
}

