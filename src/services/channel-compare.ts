/**
 * `printshot channel compare`: how far to trust simulation for this printer and camera
 * (issue 17 §3). For every accepted photo in the capture log, the same sheet is photographed
 * twice more in simulation, through the fitted channel profile and through the default
 * print-and-camera channel, each from the registered photo's own homography (the same pose;
 * the simulator's seeded pose draw only when a photo has none). Every cell is cropped from the
 * simulated photos with that homography, exactly as registration cropped the real one, and the
 * three sets of crops give three top-1 destruction rates (Kurakin Eq. 1, digital clean and
 * adversarial from the printed images) per run, with Wilson intervals and the gaps in points.
 *
 * Writes EXP/channel/compare.json (src/reports/channel-compare.ts), which the report shows.
 * Simulation is seeded by (seed, photo id, channel), so the result is reproducible.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { runDisplayName } from '../attacks/names';
import { CHANNEL_PROFILE_FILE } from '../calibration';
import { decodeImage, encodePng, readImage8 } from '../images';
import { predict } from '../inference';
import { destructionRate, type DestructionRate } from '../metrics';
import type { LoadedClassifier } from '../model';
import { selectBackend } from '../model/backend';
import { cropCell } from '../registration/rectify';
import { CAPTURES_LOG, readCapturesLog } from '../registration/node/captures-log';
import { CHANNEL_COMPARE_FILE, ChannelComparisonSchema, gapPoints, type ChannelCompareRow, type ChannelComparison } from '../reports/channel-compare';
import { readSheetLayouts } from '../sheets/node/layout-file';
import type { SheetLayout } from '../sheets/types';
import { createRng, log as say, PrintshotError, throwIfAborted, type Image8 } from '../shared';
import { simulateOptions, simulatePhoto } from '../simulate';
import { DEFAULT_PROFILE_SIMULATE, simulateProfilePhoto } from '../simulate/profile-adapter';
import { atomicWriteJson, listRuns, mergeHint, openExperiment, readRunShard, resolveInExperiment, sha256, shardStateText, type RunShard } from '../workspace';
import { readChannelProfile } from './channel-fit';
import { cellLoader } from './simulate-job';
import { openExperimentModel } from './sources';

export interface ChannelCompareOptions {
  experiment: string;
  /** The profile to simulate through (default EXP/channel/profile.json). */
  profile?: string;
  /** The experiment's model, already loaded (the demo); else the one the experiment records. */
  model?: LoadedClassifier;
  seed?: number | string;
  /** Only these runs (folder names, with or without 'adversarial/'); all photographed runs by default. */
  runs?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ChannelCompareResult {
  file: string;
  comparison: ChannelComparison;
}

interface Obs {
  cleanRight: boolean;
  advRight: boolean;
  photo: boolean;
  profile: boolean;
  default: boolean;
}

export async function runChannelCompare(opts: ChannelCompareOptions): Promise<ChannelCompareResult> {
  const dir = opts.experiment;
  const exp = await openExperiment(dir);
  const profileFile = opts.profile ?? resolveInExperiment(dir, CHANNEL_PROFILE_FILE);
  const profile = await readChannelProfile(profileFile);
  const capturesBytes = await readFile(resolveInExperiment(dir, CAPTURES_LOG)).catch(() => null);
  const log = await readCapturesLog(resolveInExperiment(dir, CAPTURES_LOG), exp.id);
  const strip = (r: string) => r.replace(/^adversarial\//, '').replace(/\/$/, '');
  const wanted = opts.runs && new Set(opts.runs.map(strip));
  // Photos of an unmerged shard's sheet (printed before sheet refused shards) measure a fraction of a job: left out, said in the log.
  const shards = new Map<string, RunShard>();
  for (const r of await listRuns(dir)) {
    const s = await readRunShard(dir, r);
    if (s) shards.set(strip(r.dir), s);
  }
  const inShard = (c: { run?: string }) => !!c.run && shards.has(strip(c.run));
  const counts = (c: { role: string; run?: string }) => c.role === 'adversarial' && !!c.run && !inShard(c) && (!wanted || wanted.has(strip(c.run)));
  const skipped = [...new Set(log.photos.filter((p) => p.status === 'accepted').flatMap((p) => p.crops.filter(inShard).map((c) => strip(c.run!))))];
  if (skipped.length) say.warn(`channel compare: photos of ${skipped.map((r) => `${r}, ${shardStateText(shards.get(r)!)}`).join('; ')} left out; ${mergeHint(shards.get(skipped[0])!)}`);
  const accepted = log.photos.filter((p) => p.status === 'accepted' && p.sheetId && p.layoutFile && p.crops.some(counts));
  if (!accepted.length) {
    throw new PrintshotError('bad-argument', `${dir}: no accepted photo of an attack run in ${CAPTURES_LOG} to compare against`, `register photos of a run's sheets first: printshot register --experiment ${dir} --photos PHOTOS/`);
  }
  await selectBackend();
  const model = opts.model ?? (await openExperimentModel(dir, exp));
  try {
    const { width, height, channels } = model.inputSpec;
    const top1 = async (imgs: Image8[]) => (imgs.length ? (await predict(model, imgs, { top: 1 })).map((p) => p.top[0].label) : []);
    const toInput = async (crop: Image8) => decodeImage(await encodePng(crop), { channels, width, height });
    const digital = new Map<string, number>();
    const layouts = new Map<string, SheetLayout[]>();
    const loadCell = cellLoader(dir);
    const seed = String(opts.seed ?? 0);
    const byRun = new Map<string, { photos: Set<string>; obs: Obs[] }>();
    const poses = { registered: 0, drawn: 0 };
    for (const [k, p] of accepted.entries()) {
      throwIfAborted(opts.signal);
      opts.onProgress?.(k, accepted.length);
      if (!layouts.has(p.layoutFile!)) layouts.set(p.layoutFile!, await readSheetLayouts(resolveInExperiment(dir, p.layoutFile!)));
      const layout = layouts.get(p.layoutFile!)!.find((l) => l.sheetId === p.sheetId);
      if (!layout) throw new PrintshotError('bad-experiment', `${p.layoutFile}: no sheet ${p.sheetId} (photo ${p.id})`, 'the sheet layouts changed since registration: register the photos again');
      const frame = await frameOf(dir, p);
      const rng = (channel: string) => createRng(`${seed}:${p.id}:${channel}`);
      const fromProfile = await simulateProfilePhoto(layout, loadCell, profile, { ...DEFAULT_PROFILE_SIMULATE, frame, ...(p.homography && { homography: p.homography }) }, rng('profile'));
      const fromDefault = await simulatePhoto(layout, loadCell, simulateOptions({ camera: { frame } }), rng('default'), p.homography);
      poses[p.homography ? 'registered' : 'drawn']++;
      const advs = p.crops.filter(counts);
      const cellOf = (index: number) => layout.cells.find((c) => c.index === index)!;
      const photoPreds = await top1(await Promise.all(advs.map((c) => readImage8(resolveInExperiment(dir, c.file), { channels, width, height }))));
      const simPreds = async (sim: { photo: Image8; truth: { homography: number[] } }) =>
        top1(await Promise.all(advs.map((c) => toInput(cropCell(sim.photo, sim.truth.homography, cellOf(c.cell))))));
      const profilePreds = await simPreds(fromProfile);
      const defaultPreds = await simPreds(fromDefault);
      for (const [i, c] of advs.entries()) {
        const clean = p.crops.find((d) => d.role === 'clean' && d.pair !== undefined && d.pair === c.pair);
        if (!clean) continue; // Eq. (1) needs the clean image the pair was made from
        const [cleanPred, advPred] = await digitalPreds(dir, [clean.source, c.source], digital, readImage8, { channels, width, height }, top1);
        const g = byRun.get(c.run!) ?? { photos: new Set<string>(), obs: [] };
        g.photos.add(p.id);
        g.obs.push({ cleanRight: cleanPred === c.label, advRight: advPred === c.label, photo: photoPreds[i] === c.label, profile: profilePreds[i] === c.label, default: defaultPreds[i] === c.label });
        byRun.set(c.run!, g);
      }
    }
    opts.onProgress?.(accepted.length, accepted.length);
    const runs = await listRuns(dir);
    const info = (run: string) => runs.find((r) => r.dir === run || r.dir === `adversarial/${run}` || r.dir.replace(/^adversarial\//, '') === run);
    const rows = [...byRun].map(([run, g]) => {
      const r = info(run);
      return row(run, r ? runDisplayName(r.method, r.eps) : run, g.photos.size, g.obs, r && { method: r.method, eps: r.eps });
    });
    const all = [...byRun.values()];
    const comparison = ChannelComparisonSchema.parse({
      schemaVersion: 1,
      computedAt: new Date().toISOString(),
      seed,
      profile: { file: inside(dir, profileFile), sha256: sha256(await readFile(profileFile)), photos: profile.provenance.photos.length },
      capturesSha256: capturesBytes ? sha256(capturesBytes) : null,
      poses,
      rows,
      total: row('all', 'all runs', accepted.length, all.flatMap((g) => g.obs)),
    } satisfies ChannelComparison);
    const file = resolveInExperiment(dir, CHANNEL_COMPARE_FILE);
    await atomicWriteJson(file, comparison);
    return { file, comparison };
  } finally {
    if (!opts.model) model.dispose();
  }
}

function rate(obs: readonly Obs[], key: 'photo' | 'profile' | 'default'): DestructionRate {
  return destructionRate({ cleanCorrect: obs.map((o) => o.cleanRight), advCorrect: obs.map((o) => o.advRight), transformedCorrect: obs.map((o) => o[key]) });
}

function row(run: string, label: string, photos: number, obs: readonly Obs[], meta?: { method: string; eps: number }): ChannelCompareRow {
  const photographed = rate(obs, 'photo');
  const profile = rate(obs, 'profile');
  const dflt = rate(obs, 'default');
  return { run, label, ...meta, photos, photographed, profile, default: dflt, gapProfile: gapPoints(profile, photographed), gapDefault: gapPoints(dflt, photographed) };
}

async function digitalPreds(
  dir: string,
  files: string[],
  cache: Map<string, number>,
  read: typeof readImage8,
  spec: { channels: 1 | 3; width: number; height: number },
  top1: (imgs: Image8[]) => Promise<number[]>,
): Promise<number[]> {
  const missing = files.filter((f) => !cache.has(f));
  if (missing.length) {
    const preds = await top1(await Promise.all(missing.map((f) => read(resolveInExperiment(dir, f), spec))));
    missing.forEach((f, i) => cache.set(f, preds[i]));
  }
  return files.map((f) => cache.get(f)!);
}

/** The photo's frame size: recorded at registration, else read from the original. */
async function frameOf(dir: string, p: { id: string; width?: number; height?: number; original: string | null }): Promise<{ width: number; height: number }> {
  if (p.width && p.height) return { width: p.width, height: p.height };
  if (!p.original) throw new PrintshotError('bad-experiment', `photo ${p.id}: no frame size and no original in the capture log`);
  const img = await decodeImage(await readFile(resolveInExperiment(dir, p.original)), {}, p.original);
  return { width: img.width, height: img.height };
}

function inside(dir: string, file: string): string {
  const rel = relative(dir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(file);
}
