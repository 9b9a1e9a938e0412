/**
 * Path confinement (src/shared/node/confine.ts), caller by caller: every route and IPC handler that
 * reads a file gets a symlink planted in its root that points at a secret outside it, and must
 * refuse it without returning the secret; the same call on a real file inside the root works.
 */
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Routes } from '../../../src/contract';
import { appUrlToFile, handleAppScheme } from '../../../electron/main/app-protocol';
import { electronPlatform } from '../../../electron/main/platform';
import { createRoutes, PathGrants, type EngineHost, type Platform } from '../../../src/engine';
import { captureHandlers } from '../../../src/engine/runtime/capture-handlers';
import { experimentHandlers } from '../../../src/engine/runtime/experiment-handlers';
import { modelHandlers } from '../../../src/engine/runtime/model-handlers';
import type { EngineState } from '../../../src/engine/runtime/state';
import { readModelDir } from '../../../src/model/node';
import { startServer } from '../../../src/serve';
import { confine, confineSync } from '../../../src/shared/node/confine';
import { completeRun, createExperiment, startRun, writeAdversarialImage, writeCleanImages, writeRunManifest, type RunManifest } from '../../../src/workspace';
import { images, init } from '../../fixtures/images/experiment';
import { pattern, tempDir } from '../../fixtures/images/make';

const SECRET = 'TOP-SECRET-outside-every-root';
const MODEL = path.resolve(import.meta.dirname, '../../../assets/models/fashion-cnn');

let base: string;
let cleanup: () => Promise<void>;
let outside: string;
let exp: string;
let runId: string;
let runDir: string;
let routes: Routes;
const platform = { openPath: vi.fn(async () => true), saveAs: vi.fn(async () => '/saved') } as unknown as Platform;

/** A symlink at `link` (parents created) to the secret file outside. */
async function plant(link: string, target = path.join(outside, 'secret.txt')): Promise<void> {
  await mkdir(path.dirname(link), { recursive: true });
  await symlink(target, link);
}

/** The outcome of a call that should be refused: its error, or what it returned (which must not hold the secret). */
async function attempt(fn: () => Promise<unknown>): Promise<{ error?: { code?: string; message: string }; leaked: boolean }> {
  try {
    const value = await fn();
    const text = value instanceof Response ? await value.text() : JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString() : v));
    return { leaked: text.includes(SECRET), error: value instanceof Response && value.status >= 400 ? { message: `HTTP ${value.status}` } : undefined };
  } catch (e) {
    return { error: e as { code?: string; message: string }, leaked: false };
  }
}

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('ps-confine-'));
  outside = path.join(base, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), SECRET);
  exp = path.join(base, 'experiment');
  await createExperiment(exp, init());
  await writeCleanImages(exp, images());
  const run = await startRun(exp, { method: 'fgsm', eps: 8 });
  runId = run.id;
  runDir = path.join(exp, run.dir);
  const rows = [];
  for (const { relPath, label } of images()) {
    const { file, sha256 } = await writeAdversarialImage(exp, run, relPath, pattern(8, 8, 1, 9));
    rows.push({ relPath, label, file, sha256, cleanTop5: [{ label, prob: 1 }], advTop5: [{ label, prob: 1 }], success: false, linf: 0, l2: 0, steps: 1 });
  }
  const manifest: RunManifest = {
    schemaVersion: 1, runId: run.id, method: 'fgsm', params: { eps: 8 }, seed: 0, modelFingerprint: init().model.fingerprint,
    backend: 'cpu', startedAt: run.createdAt, finishedAt: new Date().toISOString(), images: rows,
  };
  await writeRunManifest(exp, run, manifest);
  await completeRun(exp, run.id);
  await writeFile(path.join(exp, 'reports', 'ok.pdf'), '%PDF-1.4 fine');
  await plant(path.join(exp, 'results', 'leak.json'));
  await plant(path.join(exp, 'reports', 'leak.pdf'));
  routes = createRoutes({ experimentDir: exp } as unknown as EngineHost, platform);
});
afterAll(() => cleanup());

const engineState = (over: Partial<EngineState>) => ({ state: { jobs: new Map(), ...over } as unknown as EngineState }) as never;

describe('symlink escapes are refused by every file-reading route and IPC channel', () => {
  const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ['file:read', () => routes['file:read']({ path: 'results/leak.json' }), () => routes['file:read']({ path: 'reports/ok.pdf' })],
    ['file:export', () => routes['file:export']({ path: 'results/leak.json' }), () => routes['file:export']({ path: 'reports/ok.pdf' })],
    ['file:open', () => routes['file:open']({ path: 'reports/leak.pdf' }), () => routes['file:open']({ path: 'reports/ok.pdf' })],
    [
      'run:images (an adversarial PNG replaced by a symlink)',
      async () => {
        const png = path.join(runDir, 'b', '2.png');
        await cp(png, `${png}.orig`);
        await rm(png);
        await plant(png);
        try {
          return await experimentHandlers['run:images']({ runId }, engineState({ experimentDir: exp, model: { classifier: { labels: ['a', 'b'] } } as never }));
        } finally {
          await rm(png);
          await cp(`${png}.orig`, png);
        }
      },
      () => experimentHandlers['run:images']({ runId }, engineState({ experimentDir: exp, model: { classifier: { labels: ['a', 'b'] } } as never })),
    ],
    [
      'capture:photos (captures.json symlinked out of the experiment)',
      async () => {
        const log = path.join(exp, 'captures', 'captures.json');
        await mkdir(path.dirname(log), { recursive: true });
        await plant(log);
        try {
          return await captureHandlers['capture:photos']({ predict: false }, engineState({ experimentDir: exp, model: undefined }));
        } finally {
          await rm(log);
        }
      },
      () => captureHandlers['capture:photos']({ predict: false }, engineState({ experimentDir: exp, model: undefined })),
    ],
    [
      'model:load (readModelDir: a weight shard symlinked out of the model folder)',
      async () => {
        const dir = path.join(base, 'model-shard');
        await cp(MODEL, dir, { recursive: true });
        const shard = (await readdir(dir)).find((f) => f.endsWith('.bin'))!;
        await rm(path.join(dir, shard));
        await plant(path.join(dir, shard));
        return readModelDir(dir);
      },
      () => readModelDir(MODEL),
    ],
    [
      'model:load (readModelDir: model.json symlinked out)',
      async () => {
        const dir = path.join(base, 'model-json');
        await mkdir(dir);
        await writeFile(path.join(outside, 'model.json'), JSON.stringify({ modelTopology: { class_name: 'Sequential', secret: SECRET }, weightsManifest: [] }));
        await plant(path.join(dir, 'model.json'), path.join(outside, 'model.json'));
        return readModelDir(dir);
      },
      () => readModelDir(MODEL),
    ],
    [
      'model:setCard (rereads the loaded model folder)',
      async () => {
        const dir = path.join(base, 'model-card');
        await mkdir(dir);
        await plant(path.join(dir, 'model.json'));
        return modelHandlers['model:setCard']({ card: { name: 'x' } }, engineState({ model: { dir, classifier: { card: { name: 'm' } } } as never }));
      },
      async () => undefined,
    ],
    [
      'Electron PathGrants.allow (model:load, images:*, experiment:open, robustness:*)',
      async () => {
        const grants = new PathGrants();
        grants.grant(exp);
        await plant(path.join(exp, 'captures', 'elsewhere'), outside);
        return grants.allow(path.join(exp, 'captures', 'elsewhere', 'secret.txt'));
      },
      async () => {
        const grants = new PathGrants();
        grants.grant(exp);
        return grants.allow(path.join(exp, 'sheets'));
      },
    ],
    [
      'serve mode static files',
      async () => {
        const renderer = path.join(base, 'renderer');
        await mkdir(renderer, { recursive: true });
        await writeFile(path.join(renderer, 'index.html'), '<title>ok</title>');
        await plant(path.join(renderer, 'leak.js'));
        const srv = await startServer({ routes, rendererDir: renderer });
        try {
          return await fetch(`http://127.0.0.1:${srv.port}/leak.js`);
        } finally {
          await srv.close();
        }
      },
      async () => {
        const srv = await startServer({ routes, rendererDir: path.join(base, 'renderer') });
        try {
          const res = await fetch(`http://127.0.0.1:${srv.port}/index.html`);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return res.text();
        } finally {
          await srv.close();
        }
      },
    ],
    [
      'Electron app:// protocol',
      async () => {
        const renderer = path.join(base, 'app-renderer');
        await mkdir(renderer, { recursive: true });
        await writeFile(path.join(renderer, 'index.html'), '<title>ok</title>');
        await plant(path.join(renderer, 'leak.js'));
        let handler: ((r: Request) => Promise<Response>) | undefined;
        handleAppScheme({ handle: (_s: string, h: (r: Request) => Promise<Response>) => void (handler = h) } as never, renderer, async (url) => new Response(await readFile(new URL(url))));
        expect(appUrlToFile(renderer, 'app://printshot/leak.js')).toBe(path.join(renderer, 'leak.js'));
        return handler!(new Request('app://printshot/leak.js'));
      },
      async () => {
        let handler: ((r: Request) => Promise<Response>) | undefined;
        handleAppScheme({ handle: (_s: string, h: (r: Request) => Promise<Response>) => void (handler = h) } as never, path.join(base, 'app-renderer'), async (url) => new Response(await readFile(new URL(url))));
        const res = await handler!(new Request('app://printshot/index.html'));
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        return res.text();
      },
    ],
  ];

  it.each(cases)('%s', async (name, escape, legit) => {
    const got = await attempt(escape);
    expect(got.leaked).toBe(false);
    // Refused by the confinement check itself, not by a later failure (bad JSON, wrong size).
    const expected = name.startsWith('serve') ? 'HTTP 403' : name.startsWith('Electron app') ? 'HTTP 404' : 'forbidden';
    expect(got.error?.code ?? got.error?.message, 'the escape must be refused').toBe(expected);
    // The same caller on a file inside its root works, so the refusal is about the symlink.
    await expect(legit()).resolves.not.toThrow();
  });

  it('experiment listings skip a folder symlinked out of the experiment', async () => {
    const { experimentDto } = await import('../../../src/engine/runtime/experiment-handlers');
    const before = (await experimentDto(exp)).files;
    expect(before).toContain('reports/ok.pdf');
    await mkdir(path.join(outside, 'sheets'), { recursive: true });
    await writeFile(path.join(outside, 'sheets', 'foreign.pdf'), SECRET);
    const sheets = path.join(exp, 'sheets');
    await rm(sheets, { recursive: true, force: true });
    await symlink(path.join(outside, 'sheets'), sheets);
    try {
      expect((await experimentDto(exp)).files.filter((f) => f.startsWith('sheets/'))).toEqual([]);
    } finally {
      await rm(sheets);
      await mkdir(sheets);
    }
  });

  it('file:read names the escape as forbidden, in one line', async () => {
    await expect(routes['file:read']({ path: 'results/leak.json' })).rejects.toMatchObject({ code: 'forbidden', message: 'results/leak.json leads outside the experiment folder' });
  });
});

describe('confine', () => {
  it('accepts the root and paths below it, missing ones too, and refuses .. and sibling prefixes', async () => {
    expect(await confine(exp, 'sheets')).toBe(path.join(exp, 'sheets'));
    expect(await confine(exp, 'sheets/new/file.pdf')).toBe(path.join(exp, 'sheets', 'new', 'file.pdf'));
    expect(confineSync(exp, exp)).toBe(exp);
    await expect(confine(exp, '../outside/secret.txt')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(confine(exp, `${exp}-evil/x`)).rejects.toMatchObject({ code: 'forbidden' });
    expect(() => confineSync([], exp)).toThrow(/leads outside/);
  });

  it('a granted folder reached through a symlink is judged by its real path', async () => {
    const link = path.join(base, 'link-to-exp');
    await symlink(exp, link);
    const grants = new PathGrants();
    grants.grant(link);
    expect(grants.allow(path.join(link, 'sheets'))).toBe(path.join(exp, 'sheets'));
    const p = await electronPlatform({ dialog: {} as never, shell: { openPath: async () => '' }, window: () => undefined, version: '1', dataDir: path.join(base, 'data'), workspace: exp });
    expect(() => p.allowPath(path.join(exp, 'captures', 'elsewhere'), 'images')).toThrow(/not chosen in a dialog/);
  });
});
