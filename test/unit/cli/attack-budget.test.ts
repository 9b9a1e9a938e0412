/**
 * Budget flags for the optimisation attacks: `--steps` and `--binary-steps` map onto each
 * attack's own parameters (recorded under their real names), an unknown parameter lists the
 * accepted ones, and a run without a terminal prints progress lines.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBudget, constStages, cwL0, cwL2, cwLinf, fgsm, getAttack, parseAttackParams, type AttackDescriptor } from '../../../src/attacks';
import { ROOT, runCliAsync } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-budget-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two sample images in an ImageFolder tree. */
function twoImages(): string {
  const dir = join(tmp, 'images');
  for (const cls of ['Bag', 'Coat']) {
    const src = join(ROOT, 'assets/samples', cls);
    mkdirSync(join(dir, cls), { recursive: true });
    const first = readdirSync(src).sort()[0];
    cpSync(join(src, first), join(dir, cls, first));
  }
  return dir;
}

describe('applyBudget', () => {
  it('maps --steps/--binary-steps to maxIterations/binarySteps (C&W-L2, L-BFGS) and iterations (BIM)', () => {
    expect(applyBudget(cwL2, { eps: 255 }, { steps: 5, binarySteps: 2 })).toEqual({ eps: 255, maxIterations: 5, binarySteps: 2 });
    expect(applyBudget(getAttack('lbfgs'), {}, { steps: 7, binarySteps: 3 })).toEqual({ maxIterations: 7, binarySteps: 3 });
    expect(applyBudget(getAttack('bim'), { eps: 8 }, { steps: 4 })).toEqual({ eps: 8, iterations: 4 });
    // What the user typed first: --iterations on C&W is its step budget.
    expect(applyBudget(cwL2, { eps: 255, iterations: 9 }, {})).toEqual({ eps: 255, maxIterations: 9 });
  });

  it('C&W-L0/L∞: --binary-steps N caps the c schedule at exactly N values', () => {
    for (const attack of [cwL0, cwLinf] as AttackDescriptor[]) {
      for (const n of [1, 2, 5]) {
        const p = parseAttackParams(attack, applyBudget(attack, { constFactor: 3 }, { binarySteps: n })) as Parameters<typeof constStages>[0];
        expect(constStages(p)).toBe(n);
        // The schedule multiplies c step by step: the N-th value is still within the cap.
        let c = p.initialConst;
        for (let k = 1; k < n; k++) c *= p.constFactor;
        expect(c).toBeLessThanOrEqual(p.largestConst);
        expect(c * p.constFactor).toBeGreaterThan(p.largestConst);
      }
    }
    expect(constStages(parseAttackParams(cwL0, {}) as Parameters<typeof constStages>[0])).toBe(31);
  });

  it('refuses a budget that does not apply, or contradicts an explicit parameter', () => {
    expect(() => applyBudget(fgsm, {}, { steps: 3 })).toThrow(/fgsm: --steps does not apply .*accepted: eps, target/);
    expect(() => applyBudget(getAttack('bim'), {}, { binarySteps: 3 })).toThrow(/bim: --binary-steps does not apply/);
    expect(() => applyBudget(cwL2, { maxIterations: 10 }, { steps: 5 })).toThrow(/--steps 5 contradicts maxIterations 10/);
  });
});

describe('printshot attack with a budget', () => {
  it('cw-l2 --steps 5 --binary-steps 2 exits 0, records the parameters, and prints progress lines', async () => {
    const out = join(tmp, 'exp');
    const r = await runCliAsync(['attack', '--method', 'cw-l2', '--eps', '255', '--steps', '5', '--binary-steps', '2', '--images', twoImages(), '--workers', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { run } = JSON.parse(r.stdout) as { run: { manifest: string } };
    const manifest = JSON.parse(readFileSync(join(out, run.manifest), 'utf8')) as { params: Record<string, unknown>; images: { steps: number }[] };
    expect(manifest.params).toMatchObject({ maxIterations: 5, binarySteps: 2 });
    expect(manifest.images).toHaveLength(2);
    for (const im of manifest.images) expect(im.steps).toBeLessThanOrEqual(10);
    // stderr is a pipe here: progress comes as lines, ending at 100%.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('cw-l2 eps=255: '));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/^cw-l2 eps=255: 100% \d\/2 images \(\d+s elapsed\)$/);
  }, 120_000);

  it('an unknown parameter lists the accepted ones', async () => {
    const r = await runCliAsync(['attack', '--method', 'cw-l2', '--eps', '255', '--alpha', '1', '--out', join(tmp, 'never')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "error: cw-l2: unknown parameter(s) 'alpha'; accepted: eps, target, confidence, binarySteps, maxIterations, learningRate, initialConst, abortEarly, onFailure",
    );
  }, 60_000);
});
