/**
 * Verified inputs through the real CLI (issue 14): with one adversarial PNG replaced by its clean
 * image, `report` (also with its per-run cache warm), `evaluate`, `sheet` and `robustness` fail
 * with one line naming the file and the `check` fix, instead of printing the old numbers; a
 * modified clean PNG makes `attack` fail instead of silently rewriting it, and `check --repair`
 * restores it from the source image; `register` exits 1 when every photo is rejected.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli as run, type CliResult } from './run-cli';

// The sources as they are (tsx), not a bundle another build may have left behind: this file tests
// behaviour, test/unit/cli/bundle.test.ts tests the bundle.
const runCli = (args: string[]) => run(args, { env: { PRINTSHOT_BUNDLE: 'off' } });

const tmp = mkdtempSync(join(tmpdir(), 'printshot-verified-'));
const images = join(tmp, 'images');
const exp = join(tmp, 'exp');
const RUN = 'adversarial/fgsm-eps16';
let tampered: string;

const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);
/** Exit 1 with one error line naming `file` as modified, and the check fix. */
function namesModified(r: CliResult, file: string, dir = exp): void {
  expect(r.code, r.stdout).toBe(1);
  const line = r.stderr.trim().split('\n').pop() ?? '';
  expect(line).toMatch(new RegExp(`^error: (adversarial|clean) image ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was modified after it was recorded: sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…`));
  expect(line).toContain(`check --experiment ${dir}`);
  expect(line).toContain('check --repair');
}

beforeAll(() => {
  // Two classes of two images: small enough that each CLI call is a few seconds.
  for (const cls of ['Bag', 'Coat']) {
    mkdirSync(join(images, cls), { recursive: true });
    for (const f of readdirSync(join(ROOT, 'assets/samples', cls)).slice(0, 2)) copyFileSync(join(ROOT, 'assets/samples', cls, f), join(images, cls, f));
  }
  ok(runCli(['attack', '--images', images, '--method', 'fgsm', '--eps', '16', '--out', exp]));
  ok(runCli(['sheet', '--experiment', exp]));
  ok(runCli(['simulate', '--sheets', join(exp, 'sheets'), '--count', '1', '--ideal', '--lossless', '--out', join(tmp, 'photos')]));
  // Report once, so that its per-run outcomes are cached before the file is replaced.
  ok(runCli(['report', '--experiment', exp, '--out', join(tmp, 'before.json'), '--no-sweeps']));
  expect(readdirSync(join(exp, 'results')).some((f) => /^report-fgsm-eps16-.*\.json$/.test(f))).toBe(true);
  // The case: an adversarial PNG replaced by its clean image.
  const first = readdirSync(join(exp, RUN, 'Bag'))[0];
  tampered = `${RUN}/Bag/${first}`;
  copyFileSync(join(exp, 'clean/Bag', first), join(exp, tampered));
}, 240_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a replaced adversarial PNG', () => {
  it('makes report fail even with a warm cache, naming the file', () => {
    namesModified(runCli(['report', '--experiment', exp, '--out', join(tmp, 'after.json'), '--no-sweeps']), tampered);
    expect(existsSync(join(tmp, 'after.json'))).toBe(false);
  });

  it('makes evaluate fail, on the run folder and on the photos', () => {
    namesModified(runCli(['evaluate', '--clean', join(exp, 'clean'), '--adversarial', join(exp, RUN)]), tampered);
    // Another model than the experiment's: the folders are still verified.
    namesModified(runCli(['evaluate', '--model', 'default', '--clean', join(exp, 'clean'), '--adversarial', join(exp, RUN)]), tampered);
    namesModified(runCli(['evaluate', '--experiment', exp, '--photos']), tampered);
  });

  it('makes sheet fail, naming the file', () => {
    namesModified(runCli(['sheet', '--experiment', exp, '--out', join(tmp, 'again.pdf')]), tampered);
  });

  it('stays an error after check --repair, which says it cannot rebuild it', () => {
    const r = runCli(['check', '--experiment', exp, '--repair']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`ERROR   ${tampered}: adversarial image was modified`);
    expect(r.stdout).toContain(`not repaired: ${tampered}: an adversarial image cannot be rebuilt without rerunning the attack`);
  });
});

describe('robustness', () => {
  it('fails on a rerun whose reused run has a replaced PNG', () => {
    const out = join(tmp, 'rob');
    const args = ['robustness', '--model', 'default', '--images', images, '--method', 'fgsm', '--eps', '16', '--out', out];
    ok(runCli(args));
    const modelDir = readdirSync(out).find((d) => existsSync(join(out, d, 'experiment.json')))!;
    const runDir = join(out, modelDir, RUN, 'Coat');
    const first = readdirSync(runDir)[0];
    copyFileSync(join(out, modelDir, 'clean/Coat', first), join(runDir, first));
    namesModified(runCli(args), `${RUN}/Coat/${first}`, join(out, modelDir));
  }, 240_000);
});

describe('a modified clean PNG', () => {
  it('makes attack fail instead of rewriting it; check --repair restores it from the source image', () => {
    const name = readdirSync(join(exp, 'clean/Coat'))[0];
    const file = join(exp, 'clean/Coat', name);
    const recorded = readFileSync(file);
    writeFileSync(file, readFileSync(join(exp, 'clean/Bag', readdirSync(join(exp, 'clean/Bag'))[0])));
    namesModified(runCli(['attack', '--images', images, '--method', 'fgsm', '--eps', '8', '--out', exp]), `clean/Coat/${name}`);
    expect(readFileSync(file).equals(recorded)).toBe(false); // not silently rewritten
    const r = runCli(['check', '--experiment', exp, '--repair']);
    expect(r.stdout).toContain(`repaired: restored clean/Coat/${name} from ${join(images, 'Coat', name)}`);
    expect(readFileSync(file).equals(recorded)).toBe(true);
  });
});

describe('register', () => {
  it('exits 1 with a summary when every photo is rejected', () => {
    const junk = join(tmp, 'junk');
    mkdirSync(junk);
    copyFileSync(join(exp, 'clean/Bag', readdirSync(join(exp, 'clean/Bag'))[0]), join(junk, 'not-a-sheet.png'));
    writeFileSync(join(junk, 'broken.jpg'), 'not an image');
    const r = runCli(['register', '--experiment', exp, '--photos', junk]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 photos, 0 accepted, 2 rejected');
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^error: no photo was registered: 2 of 2 rejected \((missing-marker 1, unreadable-file 1|unreadable-file 1, missing-marker 1)\)/);
    expect(r.stderr).toContain(join(exp, 'captures'));
    // A photo of the printed sheet is accepted: exit 0.
    const good = runCli(['register', '--experiment', exp, '--photos', join(tmp, 'photos')]);
    ok(good);
    expect(good.stdout).toMatch(/, 1 accepted, 2 rejected/);
  });
});
