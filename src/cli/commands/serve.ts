/**
 * `printshot serve` (npm run serve): the browser workbench on 127.0.0.1 with a random token; and
 * startWorkbench() behind `printshot start` (npm start): the Electron app when its binary is
 * installed, otherwise the browser workbench, saying why in one line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { electronBinary } from '../../services/electron-binary';
import { DEFAULT_WORKSPACE, packageRoot } from '../../shared/node/paths';

export { electronBinary };

const ROOT = packageRoot();

export interface ServeCommandOptions {
  port?: number;
  workspace?: string;
  /** Also write the URL (with its token) to this file, mode 0600: for scripts and E2E tests. */
  urlFile?: string;
  /** Folders the workbench's folder browser may list besides the workspace and the bundled assets. */
  allow?: string[];
}

/** Runs serve mode until SIGINT/SIGTERM. */
export async function runServe(opts: ServeCommandOptions = {}): Promise<void> {
  const { RENDERER_DIR, startServe } = await import('../../serve');
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) await buildApp();
  const handle = await startServe({ port: opts.port, workspace: opts.workspace ?? DEFAULT_WORKSPACE, allow: opts.allow });
  if (opts.urlFile) {
    await writeFile(opts.urlFile, `${handle.url}\n`, { mode: 0o600 });
    await chmod(opts.urlFile, 0o600);
  }
  process.stdout.write(`Printshot workbench (browser mode): ${handle.url}\n`);
  process.stdout.write(`Open that URL in Chromium or Chrome; experiments go to ${opts.workspace ?? DEFAULT_WORKSPACE}. Ctrl+C stops.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void handle.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** electron-vite build: main, preload and renderer into out/ (works without the Electron binary). */
export function buildApp(): Promise<void> {
  process.stderr.write('printshot: building the app (electron-vite build)…\n');
  const cli = path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`electron-vite build failed (exit code ${code})`))));
  });
}

/** `npm start`: Electron when possible, else the browser workbench. */
export async function startWorkbench(opts: ServeCommandOptions = {}): Promise<void> {
  const electron = electronBinary();
  if ('path' in electron) {
    if (!existsSync(path.join(ROOT, 'out', 'main', 'index.js'))) await buildApp();
    // With package.json "main" pointing at out/main/index.js, `electron .` gives the app its
    // name and path; without it, Electron runs the script directly.
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { main?: string };
    const target = pkg.main ? ROOT : path.join(ROOT, 'out', 'main', 'index.js');
    const child = spawn(electron.path, [target], { cwd: ROOT, stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => {
        process.exitCode = code ?? 0;
        resolve();
      });
    });
    return;
  }
  process.stderr.write(`printshot: opening the browser workbench instead of the desktop app: ${electron.missing}.\n`);
  await runServe(opts);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the workbench to a local browser on 127.0.0.1 (random port and token)')
    .option('--port <n>', 'port to listen on (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port ${v}: expected 0..65535`);
      return n;
    })
    .option('--workspace <dir>', `where new experiments go (default ${DEFAULT_WORKSPACE})`)
    .option('--url-file <file>', 'also write the URL with its token to this file (mode 0600)')
    .option('--allow <dir>', "a folder the workbench's folder browser may list (repeatable; the workspace and the bundled assets always are)", (v: string, prev: string[] = []) => [...prev, v])
    .action(async (o: ServeCommandOptions) => runServe(o));
}
