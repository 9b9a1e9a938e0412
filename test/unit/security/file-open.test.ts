/**
 * file:open hands only report formats to the OS (pdf, html, csv, json, png): a shared experiment
 * can carry `reports/Report.pdf.exe` or a `.desktop` launcher, which one click would run.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { electronPlatform } from '../../../electron/main/platform';
import { createRoutes, type EngineHost, type Platform } from '../../../src/engine';
import { tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
const openPath = vi.fn(async () => true);
let routes: ReturnType<typeof createRoutes>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ps-open-'));
  await mkdir(path.join(dir, 'reports'));
  for (const f of ['Report.pdf', 'report.HTML', 'table.csv', 'data.json', 'chart.png', 'Report.pdf.exe', 'run.desktop', 'run.sh', 'page.htm', 'noext']) {
    await writeFile(path.join(dir, 'reports', f), 'x');
  }
  // A report-looking name that is a symlink to a script inside the experiment.
  await symlink(path.join(dir, 'reports', 'run.sh'), path.join(dir, 'reports', 'linked.pdf'));
  routes = createRoutes({ experimentDir: dir } as unknown as EngineHost, { openPath, saveAs: async () => null } as unknown as Platform);
});
afterAll(() => cleanup());

describe('file:open', () => {
  it.each(['Report.pdf', 'report.HTML', 'table.csv', 'data.json', 'chart.png'])('opens the report format %s', async (f) => {
    openPath.mockClear();
    expect(await routes['file:open']({ path: `reports/${f}` })).toEqual({ opened: true });
    expect(openPath).toHaveBeenCalledWith(path.join(dir, 'reports', f));
  });

  it.each(['Report.pdf.exe', 'run.desktop', 'run.sh', 'page.htm', 'noext', 'linked.pdf'])('refuses %s with a message and never calls the OS', async (f) => {
    openPath.mockClear();
    await expect(routes['file:open']({ path: `reports/${f}` })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/only \.pdf, \.html, \.csv, \.json, \.png files are opened from the workbench$/),
    });
    expect(openPath).not.toHaveBeenCalled();
  });

  it('the Electron platform refuses other formats even when called directly', async () => {
    const shellOpen = vi.fn(async () => '');
    const p = await electronPlatform({ dialog: {} as never, shell: { openPath: shellOpen }, window: () => undefined, version: '1', dataDir: path.join(dir, 'data'), workspace: dir });
    await expect(p.openPath(path.join(dir, 'reports', 'run.desktop'))).rejects.toMatchObject({ code: 'forbidden' });
    expect(shellOpen).not.toHaveBeenCalled();
    expect(await p.openPath(path.join(dir, 'reports', 'Report.pdf'))).toBe(true);
  });
});
