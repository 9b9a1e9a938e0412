/**
 * `npm run demo` as a newcomer runs it with its output piped or logged: it writes the report
 * (reports/demo.pdf, .html, .csv, .json) into the demo folder, says where, and prints progress
 * lines on stdout because stdout is not a terminal. A small configuration: 4 images, no photos.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../cli/run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-demo-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run demo with stdout piped', () => {
  it('writes the PDF and HTML report, names them, and prints progress lines on stdout', async () => {
    const out = join(tmp, 'demo');
    const r = await runCliAsync(['demo', '--limit', '4', '--no-photos', '--out', out]);
    expect(r.code, r.stderr).toBe(0);

    // One line per stage at least (3 methods × 3 eps, attack and sweeps, then the report), each
    // with the elapsed time, before the tables.
    const progress = r.stdout.split('\n').filter((l) => /^demo: \d+% /.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(9);
    expect(progress[0]).toMatch(/^demo: 0% attack fgsm eps=4 \(\d+s elapsed\)$/);
    expect(progress.some((l) => / report/.test(l))).toBe(true);
    expect(r.stdout.indexOf(progress.at(-1)!)).toBeLessThan(r.stdout.indexOf('Printshot demo:'));
    // Not twice: stderr carries no progress when it went to stdout.
    expect(r.stderr).not.toMatch(/^demo: \d+%/m);

    const pdf = join(out, 'reports', 'demo.pdf');
    const html = join(out, 'reports', 'demo.html');
    for (const f of [pdf, html, join(out, 'reports', 'demo.csv'), join(out, 'reports', 'demo.json')]) expect(existsSync(f), f).toBe(true);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('Printshot demo: the bundled model and samples');
    expect(r.stdout).toContain(`Report:            ${pdf}, ${html}`);

    // The report is built on the demo's own experiment: its table JSON names the 9 runs.
    const json = JSON.parse(readFileSync(join(out, 'reports', 'demo.json'), 'utf8')) as { runs?: unknown[] };
    expect(json.runs).toHaveLength(9);
  }, 300_000);
});
