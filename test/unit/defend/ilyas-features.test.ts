/**
 * `printshot reproduce ilyas-features` (src/services/ilyas-features.ts): the script's arguments,
 * the report's tables with counts and Wilson intervals, inputs refused before Python starts, and
 * a tiny real PyTorch run on the 200 bundled samples (--limit 20): cancelled in its D_R stage and
 * resumed by the same call, then rerun with every stage skipped; its exported D_R and D_det folders
 * load through src/images like any --images folder, D_det labelled (y+1) mod 10.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/images';
import { ilyasArgs, runIlyasFeatures, type IlyasEvent, type IlyasOptions, type IlyasResults } from '../../../src/services/ilyas-features';
import { ilyasChartSvg, ilyasCsv, ilyasHtml, ilyasTable, rateText } from '../../../src/services/ilyas-features-report';
import { PrintshotError } from '../../../src/shared';
import { removeTempDirs, tempDir, torchMissing, writeSampleIdx } from './fixtures';

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const missing = torchMissing();
let data = '';
let tmp = '';

beforeAll(async () => {
  tmp = await tempDir('printshot-ilyas-');
  data = await writeSampleIdx(join(tmp, 'data'));
});
afterAll(removeTempDirs);

const rate = (k: number, n: number, lo: number, hi: number) => ({ k, n, rate: k / n, lo, hi });
const RESULTS: IlyasResults = {
  paper: 'Ilyas et al.',
  settings: {},
  data: { dir: '/d', trainSha256: 'a'.repeat(64), train: 60000, test: 10000 },
  robustEval: { attack: 'PGD L-inf, random start', eps: 25, epsScale: '0..255', steps: 10, stepSize: 3.125, images: 500 },
  models: { standard: { label: 'standard', fingerprint: 'b'.repeat(64), dir: 'default' } },
  table: [
    { model: 'standard', label: 'standard, full D', fingerprint: 'b'.repeat(64), standardAccuracy: rate(9131, 10000, 0.9074, 0.9185), robustAccuracy: rate(0, 500, 0, 0.0076) },
    { model: 'std-D_R', label: 'standard training on D_R', fingerprint: 'c'.repeat(64), standardAccuracy: rate(6000, 10000, 0.5903, 0.6096), robustAccuracy: rate(60, 500, 0.0944, 0.1514) },
  ],
  transfer: [{ target: 'std-D_det', label: 'standard training on D_det', images: 400, transferError: rate(200, 400, 0.451, 0.549), cleanError: rate(40, 400, 0.0744, 0.1331) }],
  datasets: { D_R: { dir: '/x/D_R', images: 1000, distanceStart: 12.1, distanceEnd: 2.3 } },
  seconds: { robust: 100 },
  date: '2026-12-07',
};

describe('ilyas-features without PyTorch', () => {
  it('passes the options to the script as flags', () => {
    const args = ilyasArgs({ out: 'o', data: 'd', limit: 30, detLimit: 40, drSteps: 7, robustAlpha: 0, target: 'random', detNorm: 'linf', force: true });
    expect(args).toEqual(expect.arrayContaining(['--limit', '30', '--det-limit', '40', '--dr-steps', '7', '--robust-alpha', '0', '--target', 'random', '--det-norm', 'linf', '--force', '--standard-model', 'default']));
    expect(args[args.indexOf('--out') + 1]).toMatch(/^\/.*o$/); // absolute: the script runs in scripts/
  });

  it('shows every rate with its count and 95% Wilson interval', () => {
    expect(rateText(rate(60, 500, 0.0944, 0.1514))).toBe('12.0% (60/500, 9.4–15.1)');
    expect(rateText({ k: 0, n: 0, rate: null, lo: null, hi: null })).toBe('— (0/0)');
    const t = ilyasTable(RESULTS);
    expect(t.head[2]).toContain('eps 25/255');
    expect(t.rows[1]).toEqual(['standard training on D_R', '60.0% (6000/10000, 59.0–61.0)', '12.0% (60/500, 9.4–15.1)']);
    const csv = ilyasCsv(RESULTS).trim().split('\n');
    expect(csv[0]).toBe('table,model,label,measure,k,n,rate,ci_low,ci_high');
    expect(csv).toContain('accuracy,std-D_R,standard training on D_R,robust_accuracy_pgd_eps25,60,500,0.12,0.0944,0.1514');
    expect(csv).toContain('transfer,std-D_det,standard training on D_det,error_on_standard_model_adversarial,200,400,0.5,0.451,0.549');
    const svg = ilyasChartSvg(RESULTS);
    expect(svg.match(/<rect /g)?.length).toBe(2 * 2 + 2); // two bars per model, two legend swatches
    const html = ilyasHtml(RESULTS, ['printshot', 'reproduce', 'ilyas-features', '--out', 'o']);
    expect(html).toContain('Fig. 2 / Table 1');
    expect(html).toContain('printshot reproduce ilyas-features --out o');
  });

  it('refuses bad inputs before starting Python', async () => {
    const fail = (o: Partial<IlyasOptions>) => runIlyasFeatures({ out: join(tmp, 'never'), data, python: '/nonexistent/python', ...o }).catch((e: unknown) => e as PrintshotError);
    expect(await fail({ data: join(tmp, 'nope') })).toMatchObject({ code: 'bad-dataset' });
    expect(await fail({ robustModel: tmp })).toMatchObject({ code: 'bad-model' });
    expect(await fail({ target: 'sideways' as never })).toMatchObject({ code: 'bad-argument' });
  });
});

// A few seconds of CPU, but importing torch and training are slow on a loaded machine.
describe.skipIf(missing !== undefined)(`ilyas-features with PyTorch${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 600_000 }, () => {
  const tiny = (out: string): IlyasOptions => ({
    data, out, limit: 20, detLimit: 20, robustTrain: 40, robustPgdSteps: 1, drSteps: 8, detSteps: 5, epochs: 1, evalN: 20, evalSteps: 2, genBatch: 10,
  });

  it('is cancelled in its D_R stage, resumes, skips finished stages, and exports folders src/images reads', async () => {
    const out = join(tmp, 'exp');
    const controller = new AbortController();
    const first: IlyasEvent[] = [];
    const err = await runIlyasFeatures({ ...tiny(out), signal: controller.signal, onEvent: (e) => {
      first.push(e);
      if (e.type === 'progress' && e.phase === 'd_r') controller.abort();
    } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrintshotError);
    expect((err as PrintshotError).code).toBe('cancelled');
    const stages = first.flatMap((e) => (e.type === 'stage' ? [e.name] : []));
    expect(stages.slice(0, 2)).toEqual(['robust', 'd_r']);
    expect(stages).not.toContain('eval');

    const second: IlyasEvent[] = [];
    const r = await runIlyasFeatures({ ...tiny(out), onEvent: (e) => second.push(e) });
    expect(r.resumed).toBe(true);
    // The robust model was finished before the cancel: it is not trained again.
    const drStarts = second.findIndex((e) => e.type === 'stage' && e.name === 'd_r');
    expect(drStarts).toBeGreaterThan(0);
    expect(second.slice(0, drStarts).filter((e) => e.type === 'epoch' || e.type === 'progress')).toEqual([]);
    expect(r.results.table.map((t) => t.model)).toEqual(['standard', 'robust', 'std-D', 'std-D_R', 'std-D_det', 'std-D_rand']);
    expect(r.reports.map((f) => f.slice(out.length + 1))).toEqual(['reports/ilyas-features.html', 'reports/ilyas-features.csv', 'reports/ilyas-features.json']);
    const csv = await readFile(join(out, 'reports', 'ilyas-features.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(1 + 6 * 2 + 5 * 2);

    const third: IlyasEvent[] = [];
    const again = await runIlyasFeatures({ ...tiny(out), onEvent: (e) => third.push(e) });
    expect(third.filter((e) => e.type === 'epoch' || (e.type === 'progress' && e.phase !== 'eval'))).toEqual([]);
    expect(again.results.table).toEqual(r.results.table);

    const trainLabels = Array.from(gunzipSync(await readFile(join(data, 'train-labels-idx1-ubyte.gz'))).subarray(8));
    for (const [name, label] of [['D_R', (y: number) => y], ['D_det', (y: number) => (y + 1) % 10]] as const) {
      const ds = await loadDataset(join(out, 'datasets', name), LABELS, { channels: 1, width: 28, height: 28 });
      expect(ds.items).toHaveLength(20);
      expect(new Set(ds.items.map((i) => i.label)).size).toBeGreaterThan(1);
      for (const item of ds.items) {
        const src = Number(/train-(\d+)\.png$/.exec(item.relPath)![1]);
        expect(item.label).toBe(label(trainLabels[src]));
      }
    }
  });
});
