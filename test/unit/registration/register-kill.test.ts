/**
 * A register run killed with SIGKILL (no chance to clean up) leaves a captures log that parses
 * and only complete files; the next run finishes the job without logging any photo twice.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodePng } from '../../../src/images';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { runRegisterJob } from '../../../src/services/register-job';
import { tempDir } from '../../fixtures/images/make';
import { buildRegisterFixture } from './fixtures';

let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let photos: string;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  ({ exp, photos } = await buildRegisterFixture(root));
});
afterAll(async () => cleanup());

it('a killed register run leaves a valid log and resumes', async () => {
  const runner = fileURLToPath(new URL('./register-runner.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', runner, exp, photos], { env: { ...process.env, PRINTSHOT_LOG: 'error' } });
  const logPath = join(exp, 'captures', 'captures.json');
  let killed = false;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (existsSync(logPath)) {
        clearInterval(timer);
        killed = child.kill('SIGKILL');
      }
    }, 5);
    child.on('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
  expect(killed).toBe(true);
  const partial = CapturesLogSchema.parse(JSON.parse(await readFile(logPath, 'utf8')));
  expect(partial.photos.length).toBeGreaterThan(0);
  expect(partial.photos.length).toBeLessThan(7);
  // Every crop that exists is a complete PNG (temp files aside, which are never read).
  for (const f of await readdir(join(exp, 'captures'), { recursive: true })) {
    if (f.endsWith('.png') && !f.startsWith('originals') && !f.includes('.tmp-')) await decodePng(await readFile(join(exp, 'captures', f)));
  }
  const res = await runRegisterJob({ experiment: exp, photos });
  expect(res.alreadyRegistered).toHaveLength(partial.photos.length);
  expect(res.counts).toMatchObject({ photos: 7, accepted: 2, rejected: 3, duplicate: 2 });
  const final = CapturesLogSchema.parse(JSON.parse(await readFile(logPath, 'utf8')));
  expect(new Set(final.photos.map((p) => p.id)).size).toBe(7);
});
