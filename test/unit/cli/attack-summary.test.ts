/**
 * The attack command's summary (issue 14): success is counted among the images the model got
 * right before the attack, shown with its count and 95% Wilson interval beside adversarial
 * accuracy; images already misclassified are reported apart, never as fooled. Three of the eight
 * images are filed under a wrong class, so the model is wrong on them before any attack.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../src/metrics';
import { ROOT, runCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-attack-summary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const first = (cls: string) => readdirSync(join(ROOT, 'assets/samples', cls)).filter((f) => f.endsWith('.png')).sort()[0]!;

/** Five images in their own class folder, three (a Sandal, a Bag, a Dress) filed under another class. */
function images(): string {
  const dir = join(tmp, 'images');
  const put = (from: string, to: string, name: string) => {
    mkdirSync(join(dir, to), { recursive: true });
    cpSync(join(ROOT, 'assets/samples', from, first(from)), join(dir, to, name));
  };
  for (const cls of ['Ankle boot', 'Coat', 'Pullover', 'Shirt', 'Sneaker']) put(cls, cls, first(cls));
  put('Sandal', 'Trouser', 'sandal.png');
  put('Bag', 'T-shirt-top', 'bag.png');
  put('Dress', 'Sneaker', 'dress.png');
  return dir;
}

interface Row {
  label: number;
  success: boolean;
  cleanTop5: { label: number }[];
  advTop5: { label: number }[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ci = (k: number, n: number) => {
  const w = wilsonInterval(k, n)!;
  return `[${(w.low * 100).toFixed(0)}%, ${(w.high * 100).toFixed(0)}%]`;
};

describe('printshot attack summary', () => {
  const out = join(tmp, 'exp');
  const dir = images();

  it('prints success among originally correct images with its interval, beside adversarial accuracy', () => {
    const r = runCli(['attack', '--images', dir, '--method', 'fgsm', '--eps', '16', '--out', out, '--seed', '1']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const runs = readdirSync(join(out, 'runs'));
    const rows = (JSON.parse(readFileSync(join(out, 'runs', runs[0]!), 'utf8')) as { images: Row[] }).images;
    expect(rows).toHaveLength(8);
    // Recount from the manifest's rows, independently of the summary code.
    const correct = rows.filter((x) => x.cleanTop5[0]!.label === x.label);
    const fooled = correct.filter((x) => x.success).length;
    const advRight = rows.filter((x) => x.advTop5[0]!.label === x.label).length;
    const raw = rows.filter((x) => x.success).length;
    expect(correct.length).toBeLessThanOrEqual(5); // the three misfiled images are wrong before the attack
    expect(correct.length).toBeGreaterThan(0);
    expect(raw).toBeGreaterThan(fooled); // the raw count includes images the attack did nothing to

    expect(r.stdout).toMatch(/success \(of clean-correct\)\s+adv top-1 accuracy/);
    expect(r.stdout).toContain(`adversarial/fgsm-eps16 (fgsm eps=16)`);
    expect(r.stdout).toContain(`${pct(fooled / correct.length)} (${fooled}/${correct.length}) ${ci(fooled, correct.length)}`);
    expect(r.stdout).toContain(`${pct(advRight / 8)} (${advRight}/8) ${ci(advRight, 8)}`);
    expect(r.stdout).toContain(`${8 - correct.length} image(s) already misclassified before the attack are not counted as fooled (raw success over all images: ${raw}/8)`);
  });

  it('--json carries the same rates with counts and intervals, and the raw count under its own name', () => {
    const r = runCli(['attack', '--images', dir, '--method', 'fgsm', '--eps', '8', '--out', out, '--seed', '1', '--json']);
    expect(r.code).toBe(0);
    const { summary, run } = JSON.parse(r.stdout) as { summary: Record<string, { count: number; total: number; rate: number; ci: { low: number; high: number } }>; run: { manifest: string } };
    const rows = (JSON.parse(readFileSync(join(out, run.manifest), 'utf8')) as { images: Row[] }).images;
    const correct = rows.filter((x) => x.cleanTop5[0]!.label === x.label);
    const fooled = correct.filter((x) => x.success).length;
    expect(summary.attackSuccess).toEqual({ count: fooled, total: correct.length, rate: fooled / correct.length, ci: wilsonInterval(fooled, correct.length) });
    expect(summary.rawSuccess!.count).toBe(rows.filter((x) => x.success).length);
    expect(summary.adversarialAccuracy!.total).toBe(8);
    expect(summary.alreadyMisclassified).toBe(8 - correct.length);
  });
});
