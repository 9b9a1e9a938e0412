/**
 * What a reader needs to redo a report: software versions, the backend, the seeds and the exact
 * commands. Commands are rebuilt from the experiment (model source, image source, each run's
 * method, parameters and seed), or taken from results/reproduce.json when a reproduction
 * template made the experiment.
 */
import { readFile } from 'node:fs/promises';
import { cpus, platform, release, arch } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../shared/node/paths';
import { currentBackend, DEFAULT_MODEL_DIR } from '../model/node';
import { resolveInExperiment, type Experiment, type RunManifest } from '../workspace';
import { runDisplayName } from '../attacks/names';
import type { Environment, RunInfo } from './types';

const ROOT = pathToFileURL(`${packageRoot()}/`);
/** Same folder as services/sources.ts SAMPLES_DIR (not imported: reports must not depend on services). */
const SAMPLES_DIR = fileURLToPath(new URL('assets/samples', ROOT));
const PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'pdfkit', 'sharp', 'zod', 'zxing-wasm'];

async function packageVersion(name: string): Promise<string | null> {
  try {
    const json = JSON.parse(await readFile(fileURLToPath(new URL(`node_modules/${name}/package.json`, ROOT)), 'utf8')) as { version?: string };
    return json.version ?? null;
  } catch {
    return null; // not installed (tfjs-node is optional) or a packaged app without node_modules
  }
}

export async function environment(): Promise<Environment> {
  const versions: Record<string, string> = {};
  for (const p of PACKAGES) {
    const v = await packageVersion(p);
    if (v) versions[p] = v;
  }
  const backend = await currentBackend();
  const cpu = cpus();
  return {
    printshot: await ownVersion(),
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    backend: backend ? `${backend.name}${backend.simd ? ' (SIMD)' : ''}${backend.threads ? `, ${backend.threads} thread(s)` : ''}` : 'none selected',
    versions,
  };
}

async function ownVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(fileURLToPath(new URL('package.json', ROOT)), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * How the runs executed the model, one phrase per distinct path: "compiled, 5 fused ops on wasm
 * (fgsm eps=8, bim eps=8)". Runs recorded before manifests had `execution` say so.
 */
export function executionLine(runs: readonly Pick<RunInfo, 'method' | 'eps' | 'execution'>[]): string {
  const groups = new Map<string, string[]>();
  for (const r of runs) {
    const e = r.execution;
    const key = !e ? 'not recorded' : e.compiled ? `compiled, ${e.ops} fused ops on ${e.backend}` : `not compiled on ${e.backend}: ${e.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), runDisplayName(r.method, r.eps)]);
  }
  if (groups.size === 0) return '—';
  if (groups.size === 1) return [...groups.keys()][0];
  return [...groups].map(([k, rs]) => `${k} (${rs.join(', ')})`).join('; ');
}

/** Shell-quotes an argument only when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** 'default' / 'samples' for the bundled assets, so a command works on another checkout. */
export function displaySource(path: string, kind: 'model' | 'images'): string {
  if (kind === 'model' && (path === 'default' || path === DEFAULT_MODEL_DIR)) return 'default';
  if (kind === 'images' && (path === 'samples' || path === SAMPLES_DIR)) return 'samples';
  return path;
}

export interface ReproduceRecord {
  command: string[];
}

/** results/reproduce.json, written by `printshot reproduce`; null when absent or unreadable. */
export async function readReproduceRecord(dir: string): Promise<ReproduceRecord | null> {
  try {
    const json = JSON.parse(await readFile(resolveInExperiment(dir, 'results/reproduce.json'), 'utf8')) as ReproduceRecord;
    return Array.isArray(json.command) ? json : null;
  } catch {
    return null;
  }
}

export function attackCommand(exp: Experiment, dir: string, m: RunManifest): string {
  const args = ['printshot', 'attack', '--model', displaySource(exp.model.source, 'model'), '--images', displaySource(exp.images.source, 'images'), '--method', m.method];
  const p = m.params as Record<string, unknown>;
  const flags: [string, string][] = [['eps', '--eps'], ['alpha', '--alpha'], ['iterations', '--iterations'], ['decay', '--decay'], ['target', '--target']];
  for (const [k, flag] of flags) if (p[k] !== undefined) args.push(flag, String(p[k]));
  args.push('--seed', String(m.seed), '--out', dir);
  return args.map(shellQuote).join(' ');
}

export function reportCommand(dir: string, extra: string[]): string {
  return ['printshot', 'report', '--experiment', dir, ...extra].map(shellQuote).join(' ');
}
