/**
 * Records an attack computed outside the engine (the workbench's WebGL compute worker,
 * docs/gpu.md) as an ordinary run of an experiment, so it is listed, evaluated and reported like
 * any other. The engine trusts only the 8-bit pixels it is given:
 *
 * - the compute context must have used the engine's model (same fingerprint);
 * - every clean image of the job gets exactly one adversarial image of the same shape, inside the
 *   attack's L∞ ball (eps on the 0..255 scale);
 * - top-5 before and after, and success, are judged here by the engine's own model on the rounded
 *   images, as every run is judged (src/attacks/execute.ts); the compute context's own verdicts are
 *   not used.
 *
 * The manifest says where it ran: `backend` (e.g. 'webgl') and `device` (the GL renderer string).
 * Only untargeted L∞ attacks are accepted, the ones whose success needs no per-image target.
 */
import { getAttack, parseAttackParams, type AttackImageResult } from '../attacks';
import { predict } from '../inference';
import type { LoadedClassifier } from '../model/node';
import { COMPUTE_METHODS } from '../contract';
import { PrintshotError, type Image8, type LabeledImage } from '../shared';
import { summarizeAttack, type AttackSummary } from '../metrics/attack-summary';
import { completeRun, openOrCreateExperiment, startRun, writeCleanImages, writeRunManifest, type RunManifest, type RunRecord } from '../workspace';
import { toRunImage } from './run-exec';

export interface ComputedRunSpec {
  out: string;
  /** The engine's model: it judges the images and names the run's model. */
  model: LoadedClassifier;
  /** The fingerprint of the model bytes the compute context ran. */
  modelFingerprint: string;
  imagesSource: string;
  /** The job's clean images, in job order. */
  items: readonly LabeledImage[];
  method: string;
  params: Record<string, unknown>;
  seed: number | string;
  batchSize: number;
  /** tfjs backend of the compute context ('webgl'). */
  backend: string;
  /** The device string the backend reported. */
  device: string;
  adversarial: readonly { relPath: string; image: Image8; steps: number }[];
}

export interface ComputedRun {
  run: RunRecord;
  manifest: RunManifest;
  summary: AttackSummary;
}

export async function recordComputedRun(spec: ComputedRunSpec): Promise<ComputedRun> {
  const { model } = spec;
  if (spec.modelFingerprint !== model.fingerprint) {
    throw new PrintshotError('bad-model', `the run was computed on model ${spec.modelFingerprint.slice(0, 12)}, not the engine's ${model.fingerprint.slice(0, 12)}`, 'load the same model in the engine and the compute context');
  }
  const attack = getAttack(spec.method);
  if (!COMPUTE_METHODS.includes(attack.id)) throw new PrintshotError('bad-argument', `${attack.id} runs from the compute context are not recorded (only ${COMPUTE_METHODS.join(', ')})`);
  const params = parseAttackParams(attack, spec.params) as { eps: number; target?: unknown };
  if (params.target !== undefined && params.target !== 'untargeted') throw new PrintshotError('bad-argument', 'only untargeted runs from the compute context are recorded');
  const byPath = new Map(spec.adversarial.map((a) => [a.relPath, a]));
  if (byPath.size !== spec.adversarial.length || spec.adversarial.length !== spec.items.length) {
    throw new PrintshotError('bad-argument', `${spec.adversarial.length} adversarial images (${byPath.size} distinct) for ${spec.items.length} clean ones`);
  }
  const pairs = spec.items.map((it) => {
    const adv = byPath.get(it.relPath);
    if (!adv) throw new PrintshotError('bad-argument', `no adversarial image for ${it.relPath}`);
    const { width, height, channels, data } = adv.image;
    if (width !== it.image.width || height !== it.image.height || channels !== it.image.channels || data.length !== it.image.data.length) {
      throw new PrintshotError('bad-image', `${it.relPath}: the adversarial image is ${width}x${height}x${channels}, the clean one ${it.image.width}x${it.image.height}x${it.image.channels}`);
    }
    let linf = 0;
    let sq = 0;
    for (let j = 0; j < data.length; j++) {
      const d = Math.abs(data[j] - it.image.data[j]);
      if (d > linf) linf = d;
      sq += d * d;
    }
    // Rounding to 8 bits may add at most half a level beyond eps; quantizeIntoBall keeps it inside.
    if (linf > Math.ceil(params.eps)) throw new PrintshotError('bad-image', `${it.relPath}: perturbation ${linf} levels exceeds eps ${params.eps}`);
    return { it, adv, linf, l2: Math.sqrt(sq) };
  });
  const [cleanPred, advPred] = await Promise.all([
    predict(model, spec.items.map((it) => it.image), { top: 5 }),
    predict(model, pairs.map((p) => p.adv.image), { top: 5 }),
  ]);
  const results: AttackImageResult[] = pairs.map((p, i) => ({
    relPath: p.it.relPath,
    label: p.it.label,
    adversarial: p.adv.image,
    cleanTop: cleanPred[i].top,
    advTop: advPred[i].top,
    success: advPred[i].top[0].label !== p.it.label,
    linf: p.linf,
    l2: p.l2,
    steps: p.adv.steps,
  }));

  await openOrCreateExperiment(spec.out, { model: { name: model.card.name, fingerprint: model.fingerprint, card: model.card, source: model.dir }, imagesSource: spec.imagesSource });
  await writeCleanImages(spec.out, spec.items);
  let manifest!: RunManifest;
  const run = await startRun(spec.out, {
    method: attack.id,
    eps: attack.runEps(spec.params),
    total: spec.items.length,
    manifest: (r) =>
      (manifest = {
        schemaVersion: 1,
        runId: r.id,
        method: attack.id,
        params: spec.params,
        seed: spec.seed,
        modelFingerprint: model.fingerprint,
        backend: spec.backend,
        device: spec.device,
        startedAt: new Date().toISOString(),
        images: [],
        batchSize: spec.batchSize,
        inputs: spec.items.map((it) => it.relPath),
      }),
  });
  const images = [];
  for (const r of results) images.push(await toRunImage(spec.out, run, r));
  const summary = summarizeAttack(images);
  const final: RunManifest = { ...manifest, images, finishedAt: new Date().toISOString(), summary: { ...summary } };
  await writeRunManifest(spec.out, run, final);
  return { run: await completeRun(spec.out, run.id), manifest: final, summary };
}
