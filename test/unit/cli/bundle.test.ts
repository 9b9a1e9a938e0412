/**
 * The esbuild bundle (scripts/build-cli.mjs) behind `printshot`: built here from the current
 * sources, then run with PRINTSHOT_BUNDLE=on (the bundle even if another session edits src/ in
 * between) against the same command run from src/ through tsx (PRINTSHOT_BUNDLE=off).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli';

const HEAVY = ['@tensorflow/', 'sharp', 'pdfkit', 'zxing-wasm', 'fflate', 'zod', 'qrcode'];

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** Packages an output loads at start: its static imports, transitively through chunks. */
function staticPackages(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of meta.outputs[file].imports) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) packages.add(i.path);
      else walk(i.path);
    }
  };
  walk(Object.keys(meta.outputs).find((k) => k.endsWith(`/${entry}`))!);
  return packages;
}

const bundled = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { PRINTSHOT_BUNDLE: 'on', ...env } });
const sources = (args: string[]) => runCli(args, { env: { PRINTSHOT_BUNDLE: 'off' } });

let work: string;

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
  work = await mkdtemp(path.join(tmpdir(), 'printshot-bundle-'));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the CLI bundle', () => {
  it('starts without loading tfjs, sharp, pdfkit or zxing: commands import them when they run', async () => {
    const meta = JSON.parse(await readFile(path.join(ROOT, 'bundle/meta.json'), 'utf8')) as Metafile;
    const atStart = [...staticPackages(meta, 'main.mjs')];
    expect(atStart).toContain('commander');
    expect(atStart.filter((p) => HEAVY.some((h) => p.startsWith(h)))).toEqual([]);
    // The worker does load tfjs at start: the check above is not vacuous.
    expect([...staticPackages(meta, 'worker.mjs')].some((p) => p.startsWith('@tensorflow/'))).toBe(true);
  });

  it('prints the same help as the sources, top level and per command', () => {
    for (const args of [['--help'], ['attack', '--help'], ['reproduce', '--help'], ['demo', '--help']]) {
      const a = bundled(args);
      const b = sources(args);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
    }
    expect(bundled(['reproduce', 'nope', '--out', work]).stderr).toMatch(/kurakin-table, kurakin-fig6/);
  });

  it('finds the bundled model, samples and wasm backend (doctor)', () => {
    const r = bundled(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { model: { ok: boolean }; samples: { ok: boolean; count: number }; backend: { name: string } };
    expect(report.model.ok).toBe(true);
    expect(report.samples).toMatchObject({ ok: true, count: 200 });
  });

  it('writes the same attack bytes as the sources, with bundled workers', async () => {
    const images = path.join(work, 'images');
    for (const cls of ['Bag', 'Coat', 'Sandal']) {
      await mkdir(path.join(images, cls), { recursive: true });
      for (const f of (await readdir(path.join(ROOT, 'assets/samples', cls))).slice(0, 2)) {
        await cp(path.join(ROOT, 'assets/samples', cls, f), path.join(images, cls, f));
      }
    }
    const job = (out: string, workers: string) => ['attack', '--method', 'pgd', '--eps', '8', '--iterations', '2', '--seed', 'b', '--images', images, '--batch', '2', '--workers', workers, '--out', out, '--json'];
    const a = bundled(job(path.join(work, 'a'), '2'), { PRINTSHOT_LOG: 'info' });
    const b = sources(job(path.join(work, 'b'), '1'));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/pgd: 6 images on 2 workers/);
    const rows = (stdout: string) => (JSON.parse(stdout) as { run: { manifest: string } }).run.manifest;
    const hashes = async (exp: string, manifest: string) =>
      ((JSON.parse(await readFile(path.join(exp, manifest), 'utf8')) as { images: { relPath: string; sha256: string }[] }).images).map((i) => `${i.relPath} ${i.sha256}`);
    const ha = await hashes(path.join(work, 'a'), rows(a.stdout));
    expect(ha).toHaveLength(6);
    expect(ha).toEqual(await hashes(path.join(work, 'b'), rows(b.stdout)));
    // Every dependency the bundle leaves external must resolve under plain Node ESM (deep imports
    // need their extension there, while tsx forgives it): sheet loads qrcode's encoder core.
    const pdf = path.join(work, 'a-sheet.pdf');
    const sheet = bundled(['sheet', '--experiment', path.join(work, 'a'), '--out', pdf]);
    expect(sheet.code, sheet.stderr).toBe(0);
    expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 180_000);

  it('runs from bin/printshot.mjs only while no source is newer than the bundle, else from src/ through tsx', async () => {
    // A copy of the package, so that touching a source cannot disturb other tests.
    const pkg = path.join(work, 'pkg');
    for (const p of ['bin', 'src', 'scripts/build-cli.mjs', 'package.json']) await cp(path.join(ROOT, p), path.join(pkg, p), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    const version = (env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [path.join(pkg, 'bin/printshot.mjs'), '--version'], { cwd: pkg, encoding: 'utf8', env: { ...process.env, PRINTSHOT_LOG: 'debug', ...env } });
    expect(version().stderr).toMatch(/running src\/ through tsx: no bundle/);
    expect(spawnSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: pkg }).status).toBe(0);
    const fresh = version();
    expect(fresh.stdout.trim()).toBe('0.1.0');
    expect(fresh.stderr).toBe('');
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(pkg, 'src/cli/main.ts'), later, later);
    expect(version().stderr).toMatch(/running src\/ through tsx: src\/cli\/main.ts changed after the build/);
    expect(version({ PRINTSHOT_BUNDLE: 'on' }).stderr).toBe('');
  }, 120_000);

  it('has an engine child that loads on its own', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bundle/engine-child.mjs')], { encoding: 'utf8' });
    // Without an IPC channel it refuses to run, after its whole module graph has loaded.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/start me with child_process.fork/);
  });
});
