/**
 * An experiment folder's content with what names one execution taken out, so that a merged
 * experiment (merge.ts) and the one-machine run of the same jobs can be compared byte for byte
 * (`printshot experiments digest`, test/unit/cli/shard-merge.test.ts).
 *
 * Left out, and only these: experiment.json's id, name, createdAt and the paths it was made from
 * (model.source, images.source: where, not what; the model's sha256 and every clean PNG's stay);
 * each run's id, times and writer; each manifest's runId and times. A run manifest's file name
 * holds its run id, so manifests are keyed by their run folder ('runs/bim-eps8.json'). Every other
 * byte counts: all PNGs as they are, all other JSON fields, in a fixed key order.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXPERIMENT_FILE, openExperiment, resolveInExperiment, sha256 } from '../workspace';

const EXPERIMENT_VOLATILE = ['id', 'name', 'createdAt'];
const RUN_VOLATILE = ['id', 'manifest', 'createdAt', 'completedAt', 'stoppedAt', 'writer'];
const MANIFEST_VOLATILE = ['runId', 'startedAt', 'finishedAt'];

/** JSON with sorted keys, 2-space indented. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

const omit = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Every file of the experiment (hidden files aside) under its canonical name, with its canonical bytes. */
export async function canonicalFiles(dir: string): Promise<Map<string, Buffer>> {
  const exp = await openExperiment(dir);
  const out = new Map<string, Buffer>();
  const manifests = new Map(exp.runs.map((r) => [r.manifest, `runs/${r.dir.slice('adversarial/'.length)}.json`]));
  for (const rel of await listFiles(dir)) {
    if (rel === EXPERIMENT_FILE) {
      const raw = JSON.parse(await readFile(path.join(dir, rel), 'utf8')) as Record<string, unknown> & { model: Record<string, unknown>; images: Record<string, unknown>; runs: Record<string, unknown>[] };
      const canon = { ...omit(raw, EXPERIMENT_VOLATILE), model: omit(raw.model, ['source']), images: omit(raw.images, ['source']), runs: raw.runs.map((r) => omit(r, RUN_VOLATILE)) };
      out.set(rel, Buffer.from(canonicalJson(canon)));
    } else if (manifests.has(rel)) {
      const raw = JSON.parse(await readFile(resolveInExperiment(dir, rel), 'utf8')) as Record<string, unknown>;
      out.set(manifests.get(rel)!, Buffer.from(canonicalJson(omit(raw, MANIFEST_VOLATILE))));
    } else {
      out.set(rel, await readFile(resolveInExperiment(dir, rel)));
    }
  }
  return out;
}

/** One sha256 over the canonical files (names and bytes, in name order), and how many there are. */
export async function experimentDigest(dir: string): Promise<{ sha256: string; files: number }> {
  const files = await canonicalFiles(dir);
  const lines = [...files.keys()].sort().map((k) => `${sha256(files.get(k)!)}  ${k}\n`);
  return { sha256: sha256(lines.join('')), files: files.size };
}

/** '/'-separated relative paths of the regular files under `dir`, hidden files and folders left out. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}
