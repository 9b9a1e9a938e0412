/**
 * compute:prepare and compute:record in the engine (issue 21 part 2, docs/gpu.md): the workbench's
 * WebGL compute worker gets the loaded model's bytes and a job's clean images from here, and its
 * adversarial images come back here to be judged by the engine's own model and written as an
 * ordinary run (src/services/compute-run.ts). Both calls take the attack:start request, so the
 * clean images are derived here twice the same way (folder, limit, sample, seed) and the page's
 * copy of them is never trusted.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { COMPUTE_METHODS, ContractError, type ComputePrepareDto, type ParsedRequestOf } from '../../contract';
import { getAttack, parseAttackParams } from '../../attacks';
import { recordComputedRun } from '../../services/compute-run';
import type { EngineHandlers } from './engine';
import { DEFAULT_BATCH, requestItems } from './attack-resume';
import { requireExperiment } from './experiment-handlers';
import { requireModel } from './model-handlers';
import { lockedJob } from './scope';
import type { LoadedModel } from './state';

/** model.json and its shards from the loaded model's folder: the bytes the engine fingerprinted. */
export async function modelBytes(model: LoadedModel): Promise<ComputePrepareDto['model']> {
  const file = path.join(model.dir, 'model.json');
  if (!existsSync(file)) {
    throw new ContractError('bad-model', `${model.classifier.card.name}: ${file} is missing, so the compute context cannot load this model`, 'use Compute: CPU (wasm) for this model');
  }
  const modelJSON = await readFile(file, 'utf8');
  let manifest: { paths?: unknown }[];
  try {
    manifest = (JSON.parse(modelJSON) as { weightsManifest?: { paths?: unknown }[] }).weightsManifest ?? [];
  } catch (e) {
    throw new ContractError('bad-model', `${file} is not JSON: ${(e as Error).message}`);
  }
  const weights: Record<string, Uint8Array> = {};
  for (const group of manifest) {
    for (const p of Array.isArray(group.paths) ? group.paths : []) {
      if (typeof p !== 'string' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw new ContractError('bad-model', `${file}: weight path ${JSON.stringify(p)} leaves the model folder`);
      weights[p] = new Uint8Array(await readFile(path.join(model.dir, p)));
    }
  }
  return { modelJSON, weights, card: model.classifier.card, name: model.classifier.card.name, fingerprint: model.classifier.fingerprint };
}

/** The attack and parameters of a request, refused early when the compute context's runs are not recorded. */
function recordableAttack(req: ParsedRequestOf<'attack:start'>) {
  const attack = getAttack(req.method);
  if (!COMPUTE_METHODS.includes(attack.id)) {
    throw new ContractError('bad-argument', `${attack.id} does not run in the compute context (it runs ${COMPUTE_METHODS.join(', ')})`, 'use Compute: CPU (wasm) for this attack');
  }
  return { attack, params: parseAttackParams(attack, req.params) as Record<string, unknown> };
}

export const computeHandlers: Pick<EngineHandlers, 'compute:prepare' | 'compute:record'> = {
  async 'compute:prepare'(req, ctx) {
    const loaded = requireModel(ctx.state);
    const { attack, params } = recordableAttack(req);
    const { items } = await requestItems(ctx, req);
    if (items.length === 0) throw new ContractError('bad-dataset', 'the image folder has no images');
    return {
      model: await modelBytes(loaded),
      spec: { method: attack.id, params, seed: req.seed, batchSize: req.batchSize ?? DEFAULT_BATCH },
      images: items.map((it) => ({ relPath: it.relPath, label: it.label, width: it.image.width, height: it.image.height, channels: it.image.channels, data: it.image.data })),
    };
  },

  async 'compute:record'(req, ctx) {
    const loaded = requireModel(ctx.state);
    const dir = requireExperiment(ctx.state);
    const { attack, params } = recordableAttack(req.request);
    const { root, items } = await requestItems(ctx, req.request);
    const r = await lockedJob('attack', dir, () =>
      recordComputedRun({
        out: dir,
        model: loaded.classifier,
        modelFingerprint: req.modelFingerprint,
        imagesSource: root,
        items,
        method: attack.id,
        params,
        seed: req.request.seed,
        batchSize: req.request.batchSize ?? DEFAULT_BATCH,
        backend: req.backend,
        device: req.device,
        adversarial: req.adversarial.map((a) => ({ relPath: a.relPath, steps: a.steps, image: { width: a.width, height: a.height, channels: a.channels, data: a.data } })),
      }),
    )();
    return { kind: 'attack', experimentDir: dir, runId: r.run.id, runDir: r.run.dir, method: attack.id, eps: attack.runEps(params), summary: r.summary, backend: req.backend, device: req.device };
  },
};
