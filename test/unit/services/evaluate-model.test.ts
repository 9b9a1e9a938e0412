/**
 * `evaluate --clean EXP/clean` without --model uses the model the experiment recorded (its folder
 * and sha256 fingerprint), not the bundled one; a recorded model that moved or changed is one
 * error line naming the model and how to pass --model. Also the --fit mode an attack used is
 * recorded in experiment.json.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runEvaluateJob } from '../../../src/services/evaluate-job';
import { experimentOf, openImages, SAMPLES_DIR } from '../../../src/services/sources';
import { openExperiment } from '../../../src/workspace';
import { ROOT } from '../cli/run-cli';

vi.setConfig({ testTimeout: 120_000 });

const tmp = mkdtempSync(join(tmpdir(), 'printshot-evalmodel-'));
const modelDir = join(tmp, 'my-model');
const exp = join(tmp, 'exp');
let runDir: string;
let model: LoadedClassifier;

/** The bundled model's copy under another name and fingerprint (model.json bytes differ). */
function copyModel(): void {
  cpSync(join(ROOT, 'assets/models/fashion-cnn'), modelDir, { recursive: true });
  const card = JSON.parse(readFileSync(join(modelDir, 'model-card.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(modelDir, 'model-card.json'), JSON.stringify({ ...card, name: 'my-cnn' }));
  writeFileSync(join(modelDir, 'model.json'), `${readFileSync(join(modelDir, 'model.json'), 'utf8')}\n`);
}

beforeAll(async () => {
  await selectBackend();
  copyModel();
  model = await loadClassifier(modelDir);
  const data = await openImages('samples', model, { fit: 'crop' });
  const items = [0, 40, 80].map((i) => data.items[i]);
  const r = await attackIntoExperiment(model, items, SAMPLES_DIR, { method: 'fgsm', params: { eps: 16, target: 'untargeted' }, seed: 0, fit: 'crop', out: exp });
  runDir = join(exp, r.run.dir);
});
afterAll(() => {
  model?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('evaluate on an experiment without --model', () => {
  it('finds the experiment from --clean or --adversarial and uses its recorded model', async () => {
    expect(experimentOf(join(exp, 'clean'))).toBe(exp);
    expect(experimentOf(runDir)).toBe(exp);
    expect(experimentOf(SAMPLES_DIR)).toBeUndefined();
    const recorded = await runEvaluateJob({ clean: join(exp, 'clean'), adversarial: runDir, transforms: [] });
    expect(recorded.model).toBe('my-cnn');
    // Explicit --model still wins.
    const bundled = await runEvaluateJob({ model: 'default', clean: join(exp, 'clean'), adversarial: runDir, transforms: [] });
    expect(bundled.model).toBe('fashion-cnn');
  });

  it('records the attack fit mode in experiment.json', async () => {
    expect((await openExperiment(exp)).images.fit).toBe('crop');
  });

  it('a changed or missing recorded model is one clear error naming it and --model', async () => {
    const fp = (await openExperiment(exp)).model.fingerprint.slice(0, 12);
    writeFileSync(join(modelDir, 'model.json'), `${readFileSync(join(modelDir, 'model.json'), 'utf8')}\n`);
    const changed = runEvaluateJob({ clean: join(exp, 'clean'), adversarial: runDir, transforms: [] });
    await expect(changed).rejects.toThrow(
      new RegExp(`^${exp.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was made with model 'my-cnn' \\(sha256 ${fp}…, from .*my-model\\), but .*my-model now holds another model \\(sha256 [0-9a-f]{12}…\\); pass --model DIR with the model 'my-cnn' \\(sha256 ${fp}…\\)$`),
    );
    rmSync(modelDir, { recursive: true });
    const missing = runEvaluateJob({ clean: join(exp, 'clean'), adversarial: runDir, transforms: [] });
    await expect(missing).rejects.toThrow(/was made with model 'my-cnn' .*, which cannot be loaded \(.*\); pass --model DIR with the model 'my-cnn'/);
    await expect(missing).rejects.toMatchObject({ code: 'bad-experiment' });
  });

  it('an experiment made with the bundled model still finds it after the install moved', async () => {
    const bundledExp = join(tmp, 'bundled-exp');
    const bundled = await loadClassifier('default');
    try {
      const items = (await openImages('samples', bundled)).items.slice(0, 2);
      const r = await attackIntoExperiment(bundled, items, SAMPLES_DIR, { method: 'fgsm', params: { eps: 8, target: 'untargeted' }, seed: 0, out: bundledExp });
      const file = join(bundledExp, 'experiment.json');
      const json = JSON.parse(readFileSync(file, 'utf8')) as { model: { source: string } };
      writeFileSync(file, JSON.stringify({ ...json, model: { ...json.model, source: join(tmp, 'old-install/assets/models/fashion-cnn') } }));
      const report = await runEvaluateJob({ clean: join(bundledExp, 'clean'), adversarial: join(bundledExp, r.run.dir), transforms: [] });
      expect(report.model).toBe('fashion-cnn');
    } finally {
      bundled.dispose();
    }
  });
});
