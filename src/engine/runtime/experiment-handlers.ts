/**
 * Engine handlers for experiment folders: create, open, describe, and page through a run's
 * clean/adversarial pairs. PNG bytes are sent as stored on disk (no re-encoding), so what the UI
 * shows is byte for byte what will be printed.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type AttackSummaryDto, type ExperimentDto, type RunDto } from '../../contract';
import { summarizeAttack } from '../../metrics/attack-summary';
import { confine } from '../../shared/node/confine';
import {
  createExperiment,
  EXPERIMENT_FILE,
  listRuns,
  cleanByRelPath,
  openExperiment,
  readRunManifest,
  runState,
  readVerified,
  type Experiment,
  type RunRecord,
} from '../../workspace';
import { withExperimentLock } from '../../workspace/lock';
import type { EngineHandlers } from './engine';
import { rankedDto, requireModel } from './model-handlers';
import type { EngineState } from './state';

type ExperimentChannels = 'experiment:new' | 'experiment:open' | 'experiment:current' | 'run:images';

/** Folders whose files the UI lists (PDFs to print, photos, results, reports). */
const LISTED_DIRS = ['sheets', 'captures', 'results', 'reports'];
const MAX_LISTED = 2000;

function locationPath(loc: { kind: string; path?: string }): string {
  if (loc.kind !== 'path' || !loc.path) throw new ContractError('bad-request', 'the host resolves dialog and scratch locations to a path');
  return path.resolve(loc.path);
}

export function requireExperiment(state: EngineState): string {
  if (!state.experimentDir) throw new ContractError('no-experiment', 'no experiment is open', 'create a new experiment or open one first');
  return state.experimentDir;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    if (out.length >= MAX_LISTED) return;
    // A listed folder symlinked out of the experiment lists nothing (file:read would refuse its files anyway).
    const inside = await confine(dir, rel).catch(() => undefined);
    const entries = inside ? await readdir(inside, { withFileTypes: true }).catch(() => []) : [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && out.length < MAX_LISTED) out.push(child);
    }
  }
  for (const d of LISTED_DIRS) await walk(d);
  return out;
}

async function runDto(dir: string, run: RunRecord, imagesTotal: number): Promise<RunDto> {
  // The effective status (a 'running' run whose writer is gone is 'interrupted'), why and how far.
  const state = await runState(dir, run, imagesTotal);
  let summary: AttackSummaryDto | undefined;
  if (run.status === 'complete') {
    const manifest = await readRunManifest(dir, run).catch(() => undefined);
    const s = manifest?.summary as AttackSummaryDto | undefined;
    // Manifests written before the honest rates existed: recompute them from the recorded images.
    if (s && typeof s.images === 'number') summary = s.attackSuccess ? s : { ...s, ...summarizeAttack(manifest?.images ?? []) };
  }
  return {
    id: run.id,
    method: run.method,
    eps: run.eps,
    dir: run.dir,
    status: state.status,
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
    counts: { done: state.done, total: state.total },
    createdAt: run.createdAt,
    ...(run.completedAt ? { completedAt: run.completedAt } : {}),
    ...(run.stoppedAt ? { stoppedAt: run.stoppedAt } : {}),
    ...(summary ? { summary } : {}),
    ...(state.shard ? { shard: state.shard } : {}),
  };
}

export async function experimentDto(dir: string): Promise<ExperimentDto> {
  const exists = await stat(path.join(dir, EXPERIMENT_FILE)).then((s) => s.isFile(), () => false);
  if (!exists) return { dir, exists: false, name: path.basename(dir), images: 0, runs: [], files: [] };
  const exp: Experiment = await openExperiment(dir);
  return {
    dir,
    exists: true,
    id: exp.id,
    name: exp.name,
    createdAt: exp.createdAt,
    model: { name: exp.model.name, fingerprint: exp.model.fingerprint },
    images: exp.images.count,
    runs: await Promise.all(exp.runs.map((r) => runDto(dir, r, exp.images.count))),
    files: await listFiles(dir),
  };
}

export async function findRun(dir: string, runId: string): Promise<RunRecord> {
  const run = (await listRuns(dir)).find((r) => r.id === runId);
  if (!run) throw new ContractError('bad-request', `the open experiment has no run ${runId}`);
  return run;
}

export const experimentHandlers: Pick<EngineHandlers, ExperimentChannels> = {
  async 'experiment:new'(req, { state }) {
    const dir = locationPath(req.location);
    const model = requireModel(state).classifier;
    await mkdir(dir, { recursive: true });
    // Created now, not at the first attack, so the name sticks and the folder shows as an experiment.
    // Under the lock: `printshot attack --out` on the same new folder must not create it at the same time.
    await withExperimentLock(dir, 'printshot workbench (new experiment)', () =>
      createExperiment(dir, {
        ...(req.name ? { name: req.name } : {}),
        model: { name: model.card.name, fingerprint: model.fingerprint, card: model.card, source: state.model!.spec },
        imagesSource: '',
      }),
    );
    state.experimentDir = dir;
    return experimentDto(dir);
  },

  async 'experiment:open'(req, { state }) {
    const dir = locationPath(req.location);
    await openExperiment(dir); // fails with a one-line 'bad-experiment' naming the problem
    state.experimentDir = dir;
    return experimentDto(dir);
  },

  async 'experiment:current'(_req, { state }) {
    return state.experimentDir ? experimentDto(state.experimentDir) : null;
  },

  async 'run:images'(req, { state }) {
    const dir = requireExperiment(state);
    const labels = requireModel(state).classifier.labels;
    const run = await findRun(dir, req.runId);
    const manifest = await readRunManifest(dir, run);
    const exp = await openExperiment(dir);
    const cleanByRel = cleanByRelPath(exp);
    const { offset, limit } = req.page ?? { offset: 0, limit: 100 };
    const items = [];
    for (const im of manifest.images.slice(offset, offset + limit)) {
      const cleanFile = cleanByRel.get(im.relPath);
      if (!cleanFile) throw new ContractError('bad-experiment', `${im.relPath}: no clean image recorded in experiment.json`);
      items.push({
        relPath: im.relPath,
        label: im.label,
        labelName: labels[im.label] ?? String(im.label),
        // The folder may have been shared: readVerified confines each path and checks its sha256.
        clean: await readVerified(dir, cleanFile),
        adversarial: await readVerified(dir, { file: im.file, sha256: im.sha256 }),
        cleanTop5: rankedDto(labels, im.cleanTop5),
        advTop5: rankedDto(labels, im.advTop5),
        success: im.success,
        linf: im.linf,
        l2: im.l2,
        steps: im.steps,
      });
    }
    return { total: manifest.images.length, labels: [...labels], items };
  },
};
