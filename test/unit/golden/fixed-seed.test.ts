/**
 * Behaviour unchanged (issue 16): a fixed-seed FGSM and BIM attack on 8 sample images of the
 * bundled model, and a report's table CSV, give the same bytes as the committed golden file.
 * Runs the real CLI, as a user would, so that a refactor of any layer under it (services, engine,
 * backend install, parameter parsing) is covered.
 *
 * The golden was generated from the tree before the issue-16 refactors. A change that is meant to
 * change the bytes regenerates it with `PRINTSHOT_UPDATE_GOLDEN=1 npx vitest run
 * test/unit/golden/fixed-seed.test.ts` and says why in its commit; without that variable a missing
 * or different golden fails.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/run-cli';

const GOLDEN = join(ROOT, 'test/unit/golden/fixed-seed.golden.json');
const UPDATE = process.env.PRINTSHOT_UPDATE_GOLDEN === '1';
const CLASSES = ['Ankle boot', 'Bag', 'Coat', 'Dress', 'Pullover', 'Sandal', 'Shirt', 'Sneaker'];

type Golden = Record<string, Record<string, string>>;
const golden: Golden = existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden) : {};
const fresh: Golden = {};

const tmp = mkdtempSync(join(tmpdir(), 'printshot-golden-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (UPDATE) writeFileSync(GOLDEN, `${JSON.stringify({ ...golden, ...fresh }, null, 2)}\n`);
});

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** The first sample (by name) of 8 classes: a fixed, small image set that stays put in assets/. */
function sampleImages(): string {
  const dir = join(tmp, 'images');
  for (const c of CLASSES) {
    const first = readdirSync(join(ROOT, 'assets/samples', c)).filter((f) => f.endsWith('.png')).sort()[0]!;
    mkdirSync(join(dir, c), { recursive: true });
    cpSync(join(ROOT, 'assets/samples', c, first), join(dir, c, first));
  }
  return dir;
}

function pngHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, c)).sort()) out[`${c}/${f}`] = sha256(readFileSync(join(dir, c, f)));
  }
  return out;
}

/** Compares with the golden, or records the fresh value when regenerating. */
function expectGolden(key: string, actual: Record<string, string>): void {
  fresh[key] = actual;
  if (UPDATE) return;
  expect(golden[key], `no golden for ${key}: regenerate with PRINTSHOT_UPDATE_GOLDEN=1`).toBeDefined();
  expect(actual).toEqual(golden[key]);
}

function cli(args: string[]): void {
  const r = runCli(args);
  expect(r.code, r.stderr).toBe(0);
}

describe('fixed-seed attack and report bytes (golden)', () => {
  const images = sampleImages();
  const exp = join(tmp, 'exp');

  it('FGSM eps=16 seed 7: every adversarial PNG has the golden sha256', () => {
    cli(['attack', '--images', images, '--method', 'fgsm', '--eps', '16', '--seed', '7', '--workers', '1', '--out', exp]);
    const hashes = pngHashes(join(exp, 'adversarial/fgsm-eps16'));
    expect(Object.keys(hashes)).toHaveLength(8);
    expectGolden('fgsm-eps16', hashes);
  }, 180_000);

  it('BIM eps=16 alpha=1 10 iterations seed 7: every adversarial PNG has the golden sha256', () => {
    cli(['attack', '--images', images, '--method', 'bim', '--eps', '16', '--alpha', '1', '--iterations', '10', '--seed', '7', '--workers', '1', '--out', exp]);
    const hashes = pngHashes(join(exp, 'adversarial/bim-eps16'));
    expect(Object.keys(hashes)).toHaveLength(8);
    // The clean copies the runs were measured against are part of the behaviour too.
    expectGolden('bim-eps16', hashes);
    expectGolden('clean', pngHashes(join(exp, 'clean')));
  }, 180_000);

  it("the report's table CSV (run ids normalised) has the golden sha256", () => {
    const csv = join(tmp, 'tables.csv');
    cli(['report', '--experiment', exp, '--out', csv, '--no-sweeps', '--seed', '3']);
    // Run ids are random UUIDs; number them by first appearance so the bytes are reproducible.
    const ids = new Map<string, string>();
    const text = readFileSync(csv, 'utf8').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `run-${ids.size + 1}`);
      return ids.get(id)!;
    });
    expect(ids.size).toBe(2);
    expectGolden('report-csv', { [relative(tmp, csv)]: sha256(text) });
  }, 180_000);
});
