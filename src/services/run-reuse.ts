/**
 * Reusing finished attack runs: a rerun into the same experiment (reproduce, the robustness
 * comparison) skips a run that is complete with the same method, parameters, seed and image
 * count, so a killed or repeated job never redoes finished work.
 */
import { join } from 'node:path';
import { getAttack, parseAttackParams, type AttackImageResult } from '../attacks';
import { readImage8 } from '../images';
import type { Image8 } from '../shared';
import { listRuns, readRunManifest } from '../workspace';

export interface ReusableRun {
  run: { id: string; dir: string };
  /** Adversarial PNGs relative to the experiment, in manifest order. */
  files: string[];
  /** The manifest rows as attack results (adversarial images left empty: read `files`). */
  rows: Omit<AttackImageResult, 'adversarial'>[];
}

const sameParams = (method: string, a: unknown, b: unknown): boolean => {
  const attack = getAttack(method);
  try {
    return JSON.stringify(parseAttackParams(attack, a)) === JSON.stringify(parseAttackParams(attack, b));
  } catch {
    return false;
  }
};

/** A complete run of this method/params/seed over exactly `images` images, or null. */
export async function findCompleteRun(dir: string, method: string, params: Record<string, unknown>, seed: number | string, images: number): Promise<ReusableRun | null> {
  const runs = await listRuns(dir).catch(() => []);
  for (const r of runs) {
    if (r.status !== 'complete' || r.method !== method || r.eps !== Number(params.eps ?? 0)) continue;
    const m = await readRunManifest(dir, r).catch(() => null);
    if (!m || String(m.seed) !== String(seed) || m.images.length !== images || !sameParams(method, m.params, params)) continue;
    return {
      run: { id: r.id, dir: r.dir },
      files: m.images.map((im) => im.file),
      rows: m.images.map((im) => ({ relPath: im.relPath, label: im.label, cleanTop: im.cleanTop5, advTop: im.advTop5, success: im.success, linf: im.linf, l2: im.l2, steps: im.steps })),
    };
  }
  return null;
}

/** Reads back saved PNGs, so evaluation sees exactly the files that would be printed. */
export function loadRunImages(dir: string, files: readonly string[]): Promise<Image8[]> {
  return Promise.all(files.map((f) => readImage8(join(dir, f))));
}
