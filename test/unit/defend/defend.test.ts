/**
 * `printshot harden` / `printshot distill` end to end with real (tiny) PyTorch runs on the 200
 * bundled samples: the output folder loads in the TF.js engine and agrees with PyTorch's own
 * measurement, the card records the training, and a cancelled run leaves no model but a
 * checkpoint from which the same command finishes with the same weights as an uninterrupted run.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR, loadClassifier } from '../../../src/model/node';
import { runDistill, runHarden, type DefendEvent, type HardenOptions } from '../../../src/services/defend';
import { PrintshotError } from '../../../src/shared';
import { runCliAsync, spawnCli } from '../cli/run-cli';
import { removeTempDirs, tempDir, torchMissing, writeSampleIdx } from './fixtures';

const missing = torchMissing();
let data = '';
let tmp = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await tempDir();
  data = await writeSampleIdx(join(tmp, 'data'));
});
afterAll(removeTempDirs);

/** The fixture's test split as [N,28,28,1] in [0,1] plus labels, read back from the IDX files. */
async function testSplit(): Promise<{ x: tf.Tensor4D; y: number[] }> {
  const img = gunzipSync(await readFile(join(data, 't10k-images-idx3-ubyte.gz')));
  const lab = gunzipSync(await readFile(join(data, 't10k-labels-idx1-ubyte.gz')));
  const n = img.readUInt32BE(4);
  return { x: tf.tensor4d(Float32Array.from(img.subarray(16), (v) => v / 255), [n, 28, 28, 1]), y: Array.from(lab.subarray(8)) };
}

const tiny = (out: string, extra: Partial<HardenOptions> = {}): HardenOptions => ({ data, out, epochs: 1, batchSize: 32, evalBimSteps: 2, ...extra });

// Each run is seconds of CPU, but importing torch and training are slow on a loaded machine.
describe.skipIf(missing !== undefined)(`training with PyTorch${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 240_000 }, () => {
  it('harden writes a model the engine loads, with the training in its card', async () => {
    const events: DefendEvent[] = [];
    const out = join(tmp, 'hardened');
    const r = await runHarden({ ...tiny(out), onEvent: (e) => events.push(e) });
    expect(r.out).toBe(out);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 7, total: 7 }); // 200 images / 32 per batch
    expect(events.at(-1)?.type).toBe('done');

    const model = await loadClassifier(out);
    const base = await loadClassifier('default');
    try {
      const p = model.card.provenance as Record<string, any>;
      expect(p).toMatchObject({ defence: 'adversarial-training', method: 'fgsm', eps: 25, alpha: 0.5, epochs: 1, seed: 0, trainingScript: 'scripts/defend_train.py' });
      // Python hashes the base model the way the TS loader does.
      expect(p.baseModel).toEqual({ name: 'fashion-cnn', dir: 'default', fingerprint: base.fingerprint });
      expect(p.robustness.trained).toEqual(r.report.trained);
      expect(model.card.outputs).toBe('probabilities');
      expect(model.labels).toEqual(base.labels);
      // The exported weights are the ones PyTorch measured: same clean accuracy on the test split.
      const { x, y } = await testSplit();
      const pred = tf.tidy(() => Array.from(model.logits(x).argMax(1).dataSync()));
      x.dispose();
      const acc = pred.filter((c, i) => c === y[i]).length / y.length;
      expect(acc).toBeCloseTo(r.report.trained.cleanAccuracy, 2);
      expect(r.report.trained.n).toBe(60);
    } finally {
      model.dispose();
      base.dispose();
    }
  });

  it('distill trains teacher then student at T and deploys the student at T = 1', async () => {
    const phases = new Set<string>();
    const out = join(tmp, 'distilled');
    const r = await runDistill({ data, out, epochs: 1, batchSize: 32, evalBimSteps: 2, temperature: 50, onEvent: (e) => e.type === 'epoch' && phases.add(e.phase) });
    expect([...phases]).toEqual(['teacher', 'student']);
    const model = await loadClassifier(out);
    try {
      expect(model.card.provenance).toMatchObject({ defence: 'defensive-distillation', temperature: 50, deployedTemperature: 1, teacherEpochs: 1, studentEpochs: 1 });
      expect(r.report.base.cleanAccuracy).toBeGreaterThan(0.8);
    } finally {
      model.dispose();
    }
  });

  it('a cancelled run leaves no model, only a checkpoint, and the same command resumes to the same weights', async () => {
    const opts = tiny('', { epochs: 2, batchSize: 10, checkpointEvery: 5, method: 'fgsm' }); // 40 steps, cancelled at the 10th
    const straight = join(tmp, 'straight');
    await runHarden({ ...opts, out: straight });

    const out = join(tmp, 'cancelled');
    const controller = new AbortController();
    const err = await runHarden({ ...opts, out, signal: controller.signal, onEvent: (e) => e.type === 'progress' && controller.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrintshotError);
    expect((err as PrintshotError).code).toBe('cancelled');
    expect((err as PrintshotError).message).toContain(`${out}.partial`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(`${out}.partial`, '.checkpoint', 'state.pt'))).toBe(true);

    const r = await runHarden({ ...opts, out });
    expect(r.resumed).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const shard = 'group1-shard1of1.bin';
    expect(Buffer.compare(await readFile(join(out, shard)), await readFile(join(straight, shard)))).toBe(0);
  });

  it('reports what the Python side finds wrong with the inputs', async () => {
    const junk = await tempDir();
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      await writeFile(join(junk, f), 'not gzip');
    }
    await expect(runHarden(tiny(join(tmp, 'x'), { data: junk }))).rejects.toMatchObject({ code: 'bad-dataset', message: expect.stringContaining('not a gzipped IDX file') });

    const bad = await tempDir();
    await cp(DEFAULT_MODEL_DIR, bad, { recursive: true });
    const mj = JSON.parse(await readFile(join(bad, 'model.json'), 'utf8'));
    mj.modelTopology.config.layers.splice(2, 0, { class_name: 'BatchNormalization', config: { name: 'bn' } });
    await writeFile(join(bad, 'model.json'), JSON.stringify(mj));
    await expect(runHarden(tiny(join(tmp, 'y'), { model: bad }))).rejects.toMatchObject({ code: 'bad-model', message: expect.stringContaining('unsupported layer BatchNormalization') });
  });

  it('the CLI runs a training and prints JSON', async () => {
    const out = join(tmp, 'cli-hardened');
    const r = await runCliAsync(['harden', '--data', data, '--out', out, '--epochs', '1', '--batch-size', '64', '--eps', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.out).toBe(out);
    expect(j.card.provenance).toMatchObject({ eps: 16, method: 'fgsm' });
    expect(j.report.trained.eps).toBe(25);
  });

  it('SIGINT to the CLI is forwarded: the run checkpoints and exits 130', async () => {
    const out = join(tmp, 'cli-interrupted');
    const child = spawnCli(['harden', '--data', data, '--out', out, '--epochs', '3', '--batch-size', '4', '--checkpoint-every', '2']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const state = join(`${out}.partial`, '.checkpoint', 'state.pt');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (!existsSync(state)) return;
        clearInterval(timer);
        child.kill('SIGINT'); // the node process only: it must pass the stop on to Python
        resolve();
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error(`finished before it could be interrupted: ${stderr}`));
      });
    });
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(stderr).toContain(`error: cancelled; the checkpoint is kept in ${out}.partial (run the same command again to resume)`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(state)).toBe(true);
  });
});
