/**
 * Reusing finished attack runs: a rerun into the same experiment (reproduce, the robustness
 * comparison) skips a run that is complete with the same method, parameters, seed and image
 * count, so a killed or repeated job never redoes finished work. A rerun of an attack that was
 * cancelled or killed finds its run with the same matching (findResumableRun) and resumes it.
 */
import { getAttack, type AttackImageResult } from '../attacks';
import { mapLimit } from '../images/limit';
import { log, type Image8 } from '../shared';
import { effectiveStatus, listRuns, readRunManifest, readVerifiedImage, runShard, shardStateText, type RecordedFile, type RunRecord } from '../workspace';

export interface ReusableRun {
  run: { id: string; dir: string };
  /** Adversarial PNGs relative to the experiment, with their recorded sha256, in manifest order. */
  files: RecordedFile[];
  /** The manifest rows as attack results (adversarial images left empty: read `files`). */
  rows: Omit<AttackImageResult, 'adversarial'>[];
}

/** Same run settings: equal runKeys (id + parsed parameters); invalid recorded params never match. */
const sameParams = (method: string, a: unknown, b: unknown): boolean => {
  const attack = getAttack(method);
  try {
    return attack.runKey(a) === attack.runKey(b);
  } catch {
    return false;
  }
};

/** A complete, whole (not an unmerged shard) run of this method/params/seed over exactly `images` images, or null. */
export async function findCompleteRun(dir: string, method: string, params: Record<string, unknown>, seed: number | string, images: number): Promise<ReusableRun | null> {
  const runs = await listRuns(dir).catch(() => []);
  for (const r of runs) {
    if (r.status !== 'complete' || r.method !== method || r.eps !== getAttack(method).runEps(params)) continue;
    const m = await readRunManifest(dir, r).catch(() => null);
    if (!m || String(m.seed) !== String(seed) || m.images.length !== images || !sameParams(method, m.params, params)) continue;
    // An unmerged shard holds its own batches only, never the job asked for, even with as many images.
    const shard = runShard(m);
    if (shard) {
      log.info(`${r.dir}: not reused, it is ${shardStateText(shard)}`);
      continue;
    }
    return {
      run: { id: r.id, dir: r.dir },
      files: m.images.map((im) => ({ file: im.file, sha256: im.sha256 })),
      rows: m.images.map((im) => ({ relPath: im.relPath, label: im.label, cleanTop: im.cleanTop5, advTop: im.advTop5, success: im.success, linf: im.linf, l2: im.l2, steps: im.steps })),
    };
  }
  return null;
}

export interface ResumableWanted {
  method: string;
  /** Parsed parameters (compared after parsing both sides, so defaults spelled out or not match). */
  params: Record<string, unknown>;
  seed: number | string;
  modelFingerprint: string;
  /** The job's relPaths in job order. */
  inputs: readonly string[];
  /** The shard the job computes (`--shard i/N`); a shard run matches only the same shard, a whole run only a whole job. */
  shard?: { index: number; count: number };
}

/**
 * The newest cancelled or interrupted run that the same job started: same method, parsed
 * parameters, seed, model fingerprint and image set (its manifest's recorded inputs, in order).
 * Runs without recorded inputs (written before they were) never match. A rerun of the command
 * resumes this run in place (attack-job.ts) instead of starting another one.
 */
export async function findResumableRun(dir: string, want: ResumableWanted): Promise<RunRecord | null> {
  const runs = await listRuns(dir).catch(() => []);
  for (const r of [...runs].reverse()) {
    const status = effectiveStatus(r);
    if ((status !== 'cancelled' && status !== 'interrupted') || r.method !== want.method || r.eps !== getAttack(want.method).runEps(want.params)) continue;
    const m = await readRunManifest(dir, r).catch(() => null);
    if (!m?.inputs || String(m.seed) !== String(want.seed) || m.modelFingerprint !== want.modelFingerprint) continue;
    if (m.shard?.index !== want.shard?.index || m.shard?.count !== want.shard?.count) continue;
    if (m.inputs.length !== want.inputs.length || m.inputs.some((rel, i) => rel !== want.inputs[i]) || !sameParams(want.method, m.params, want.params)) continue;
    return r;
  }
  return null;
}

/**
 * Reads back saved PNGs, so evaluation sees exactly the files that would be printed; each must
 * still hash to its recorded sha256 (a replaced PNG is an error naming it).
 */
export function loadRunImages(dir: string, files: readonly RecordedFile[]): Promise<Image8[]> {
  return mapLimit(files, 16, (f) => readVerifiedImage(dir, f));
}
