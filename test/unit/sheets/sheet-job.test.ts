/**
 * `printshot sheet` end to end on a small fixture experiment (28×28 gray images, one FGSM-like
 * run written through the workspace API) and on plain folders.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerSheetCommand } from '../../../src/cli/commands/sheet';
import { decodePng, encodePng } from '../../../src/images/encode';
import { folderExperimentId, runSheetJob } from '../../../src/services/sheet-job';
import type { SheetLayout } from '../../../src/sheets/types';
import { PrintshotError, type LabeledImage } from '../../../src/shared';
import {
  completeRun,
  createExperiment,
  resolveInExperiment,
  sha256,
  startRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
  type RunImage,
} from '../../../src/workspace';
import { extractImages, readQrCodes, rasterise, testImage, tmp } from './helpers';

const root = tmp('sheet-job');
const exp = join(root, 'exp');
const N = 18;
const now = new Date('2025-03-04T05:06:07.000Z');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function addRun(method: string, eps: number, complete = true): Promise<string> {
  const run = await startRun(exp, { method, eps });
  const rows: RunImage[] = [];
  for (let i = 0; i < N; i++) {
    const relPath = `c${i % 3}/${i}.png`;
    const { file, sha256: sha } = await writeAdversarialImage(exp, run, relPath, testImage(500 + i + eps));
    const top5 = [{ label: i % 3, prob: 0.6 }];
    rows.push({ relPath, label: i % 3, file, sha256: sha, cleanTop5: top5, advTop5: top5, success: i % 2 === 0, linf: eps, l2: 10, steps: 1 });
  }
  await writeRunManifest(exp, run, {
    schemaVersion: 1, runId: run.id, method, params: { eps }, seed: 0, modelFingerprint: 'f'.repeat(64), backend: 'cpu',
    startedAt: now.toISOString(), ...(complete ? { finishedAt: now.toISOString() } : {}), images: rows,
  });
  if (complete) await completeRun(exp, run.id);
  return run.dir;
}

let expId: string;
beforeAll(async () => {
  const created = await createExperiment(exp, {
    model: { name: 'fashion-cnn', fingerprint: 'f'.repeat(64), card: { labels: ['Shirt', 'Bag', 'Boot'] }, source: 'default' },
    imagesSource: '/data/fashion',
  });
  expId = created.id;
  const clean: LabeledImage[] = Array.from({ length: N }, (_, i) => ({ relPath: `c${i % 3}/${i}.png`, label: i % 3, image: testImage(i) }));
  await writeCleanImages(exp, clean);
  await addRun('fgsm', 16);
});

describe('runSheetJob on an experiment', () => {
  let result: Awaited<ReturnType<typeof runSheetJob>>;
  beforeAll(async () => {
    result = await runSheetJob({ experiment: exp, now });
  });

  it('writes sheets/<run>.pdf and its layout, pairing each clean image with its adversarial one', async () => {
    expect(result.pdf).toBe(join(exp, 'sheets', 'fgsm-eps16.pdf'));
    expect(result.layoutFile).toBe(join(exp, 'sheets', 'fgsm-eps16.layout.json'));
    expect(result.run).toBe('adversarial/fgsm-eps16');
    expect(result.experimentId).toBe(expId);
    const layouts = JSON.parse(readFileSync(result.layoutFile, 'utf8')) as SheetLayout[];
    expect(layouts).toEqual(result.layouts);
    const cells = layouts.flatMap((l) => l.cells);
    expect(cells).toHaveLength(2 * N);
    for (let i = 0; i < cells.length; i += 2) {
      const [c, a] = [cells[i], cells[i + 1]];
      expect(c).toMatchObject({ role: 'clean', file: `clean/${c.relPath}` });
      expect(a).toMatchObject({ role: 'adversarial', relPath: c.relPath, label: c.label, run: 'adversarial/fgsm-eps16', file: `adversarial/fgsm-eps16/${c.relPath}` });
      for (const cell of [c, a]) expect(cell.sha256).toBe(sha256(readFileSync(resolveInExperiment(exp, cell.file))));
    }
    expect(layouts[0].createdAt).toBe(now.toISOString());
    expect(layouts[0].header.join(' ')).toMatch(/exp \([0-9a-f]{8}\).*sheet 1\/\d+ · fgsm eps=16.*2025-03-04/);
  });

  it('prints exactly the experiment PNGs, and markers that name the experiment', async () => {
    const cells = result.layouts.flatMap((l) => l.cells);
    const files = extractImages(result.pdf);
    expect(files).toHaveLength(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const src = await decodePng(readFileSync(resolveInExperiment(exp, cells[i].file)), { channels: 3 });
      const got = await decodePng(files[i], { channels: 3 });
      expect(Buffer.from(got.data).equals(Buffer.from(src.data))).toBe(true);
    }
    const [page] = await rasterise(result.pdf, 150);
    const texts = (await readQrCodes(page.png)).map((f) => f.text);
    expect(texts).toHaveLength(4);
    for (const t of texts) expect(t.startsWith(`PS1:${expId.replace(/-/g, '').slice(0, 12).toUpperCase()}:${result.layouts[0].sheetId}:1/`)).toBe(true);
  });

  it('is reproducible: the same job gives the same PDF and layout bytes', async () => {
    const again = await runSheetJob({ experiment: exp, now, out: join(root, 'again.pdf') });
    expect(again.pdfSha256).toBe(result.pdfSha256);
    expect(readFileSync(again.layoutFile, 'utf8')).toBe(readFileSync(result.layoutFile, 'utf8'));
  });

  it('sizes cells by dpi × dots per pixel on request', async () => {
    const r = await runSheetJob({ experiment: exp, now, out: join(root, 'dpi.pdf'), dpi: 600, dotsPerPixel: 16, paper: 'letter', landscape: true, calibration: false });
    expect(r.layouts[0]).toMatchObject({ dpi: 600, dotsPerPixel: 16, paper: { name: 'letter', orientation: 'landscape' } });
    expect(r.layouts[0].calibration).toBeUndefined();
    expect(r.layouts[0].cells[0].widthMm).toBeCloseTo((28 * 16 * 25.4) / 600, 9);
  });

  it('refuses a source file that no longer matches its recorded hash', async () => {
    const victim = resolveInExperiment(exp, 'clean/c0/0.png');
    const original = readFileSync(victim);
    writeFileSync(victim, await encodePng(testImage(999)));
    try {
      await expect(runSheetJob({ experiment: exp, now, out: join(root, 'tampered.pdf') })).rejects.toThrow(/^clean image clean\/c0\/0\.png was modified after it was recorded: sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…$/);
    } finally {
      writeFileSync(victim, original);
    }
  });
});

describe('run selection', () => {
  beforeAll(async () => {
    await addRun('bim', 4);
    await addRun('bim', 8, false);
  });

  it('needs a choice once there are several runs, and names them', async () => {
    await expect(runSheetJob({ experiment: exp, now, out: join(root, 'x.pdf') })).rejects.toThrow(/3 runs match: .*fgsm-eps16.*bim-eps4/);
    // Two bim runs, one of them unfinished: only complete runs are printed, so the filter means the complete one.
    expect((await runSheetJob({ experiment: exp, now, method: 'bim', out: join(root, 'x.pdf') })).run).toBe('adversarial/bim-eps4');
    await expect(runSheetJob({ experiment: exp, now, method: 'pgd', out: join(root, 'x.pdf') })).rejects.toThrow(/no run/);
  });

  it('accepts --run as the run folder, its name, a path to it, or --method/--eps', async () => {
    for (const run of ['adversarial/bim-eps4', 'bim-eps4', join(exp, 'adversarial', 'bim-eps4') + '/']) {
      expect((await runSheetJob({ experiment: exp, now, run, out: join(root, 'r.pdf') })).run).toBe('adversarial/bim-eps4');
    }
    expect((await runSheetJob({ experiment: exp, now, method: 'bim', eps: 4, out: join(root, 'r.pdf') })).run).toBe('adversarial/bim-eps4');
  });

  it('refuses an unfinished run', async () => {
    const err = await runSheetJob({ experiment: exp, now, run: 'bim-eps8', out: join(root, 'r.pdf') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrintshotError);
    expect((err as Error).message).toMatch(/^run adversarial\/bim-eps8 is (running|interrupted)\b.*: only complete runs are printed$/);
  });
});

describe('runSheetJob on plain folders', () => {
  const clean = join(root, 'folders', 'clean');
  const adv = join(root, 'folders', 'adv');
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      mkdirSync(join(clean, 'x'), { recursive: true });
      mkdirSync(join(adv, 'x'), { recursive: true });
      writeFileSync(join(clean, 'x', `${i}.png`), await encodePng(testImage(i, { channels: 3 })));
      if (i < 4) writeFileSync(join(adv, 'x', `${i}.png`), await encodePng(testImage(100 + i, { channels: 3 })));
    }
    writeFileSync(join(adv, 'extra.png'), await encodePng(testImage(7)));
  });

  it('pairs by relative path, reports the unpaired, and records paths relative to the layout', async () => {
    const out = join(root, 'out', 'pairs.pdf');
    const r = await runSheetJob({ images: clean, pairsWith: adv, out, now });
    expect(r.unpaired).toBe(2);
    expect(r.cells).toBe(8);
    expect(r.experimentId).toBe(folderExperimentId(clean, adv));
    expect(r.experimentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const cell of r.layouts[0].cells) {
      expect(cell.file.startsWith('../folders/')).toBe(true);
      expect(sha256(readFileSync(resolve(root, 'out', cell.file)))).toBe(cell.sha256);
      expect(cell.label).toBe(-1);
    }
  });

  it('lays out single images without --pairs-with, and needs --out', async () => {
    const r = await runSheetJob({ images: clean, out: join(root, 'out', 'single.pdf'), now });
    expect(r.layouts[0].cells.map((c) => c.role)).toEqual(Array(5).fill('image'));
    await expect(runSheetJob({ images: clean, now })).rejects.toThrow(/--out/);
    await expect(runSheetJob({ images: clean, experiment: exp, now })).rejects.toThrow(/either/);
    await expect(runSheetJob({ images: clean, out: join(root, 'x.png'), now })).rejects.toThrow(/\.pdf/);
  });
});

describe('printshot sheet (command)', () => {
  async function run(args: string[]): Promise<string> {
    const program = new Command('printshot').exitOverride().configureOutput({ writeErr: () => undefined });
    registerSheetCommand(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined }));
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(['node', 'printshot', 'sheet', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it('prints a summary, or JSON without the layouts', async () => {
    const pdf = join(root, 'cli', 'sheet.pdf');
    const text = await run(['--experiment', exp, '--run', 'fgsm-eps16', '--paper', 'letter', '--cell-mm', '20', '--no-calibration', '--out', pdf]);
    expect(text).toMatch(/wrote .*sheet\.pdf and .*sheet\.layout\.json/);
    expect(text).toMatch(/actual size/);
    const json = JSON.parse(await run(['--experiment', exp, '--method', 'fgsm', '--eps', '16', '--dpi', '300', '--dots-per-pixel', '4', '--landscape', '--out', pdf, '--json']));
    expect(json).toMatchObject({ pdf, sheets: 1, cells: 2 * N, run: 'adversarial/fgsm-eps16' });
    expect(json.layouts).toBeUndefined();
    const layouts = JSON.parse(readFileSync(json.layoutFile, 'utf8')) as SheetLayout[];
    expect(layouts[0]).toMatchObject({ dpi: 300, dotsPerPixel: 4, paper: { name: 'a4', orientation: 'landscape' } });
  });

  it('rejects a bad paper name as a usage error', async () => {
    await expect(run(['--experiment', exp, '--paper', 'a3'])).rejects.toThrow(/a3/);
  });
});
