/**
 * patch:preview: a trained patch pasted on a few images at random placements (Brown et al.'s
 * A(P, x, l), src/patches/paste.ts: the same placement distribution the patch was trained and
 * evaluated with), each with the loaded model's top-1 before and after. The renderer has no
 * tfjs, so the composites are made here and sent as lossless PNGs. No photometric or channel
 * draw: the preview shows where and how big the patch lands, the evaluation measures it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ContractError, type ParsedRequestOf, type PatchPreviewDto } from '../../contract';
import { encodePng, readImage8 } from '../../images';
import { pastePatch, placementTaps, samplePlacement } from '../../patches';
import { createRng } from '../../shared';
import { resolveInExperiment } from '../../workspace';
import { requireExperiment } from './experiment-handlers';
import { loadFolder, requireModel } from './model-handlers';
import type { EngineState } from './state';

interface PatchJson {
  png: string;
  target: { index: number | null; name: string };
  params: { size: number; scaleJitter: number; rotationDeg: number };
}

export async function previewPatch(req: ParsedRequestOf<'patch:preview'>, state: EngineState): Promise<PatchPreviewDto> {
  const { classifier } = requireModel(state);
  const dir = requireExperiment(state);
  const jsonFile = resolveInExperiment(dir, req.patch);
  let meta: PatchJson;
  try {
    meta = JSON.parse(await readFile(jsonFile, 'utf8')) as PatchJson;
  } catch (e) {
    throw new ContractError('io', `${req.patch}: cannot read the patch's JSON (${(e as Error).message})`, 'train the patch again in this experiment');
  }
  const { height: h, width: w, channels } = classifier.inputSpec;
  const img = await readImage8(path.join(path.dirname(jsonFile), meta.png), { channels: channels === 1 ? 1 : 3 });
  if (img.width !== img.height || img.channels !== channels) {
    throw new ContractError('bad-argument', `${meta.png} is a ${img.width}×${img.height}×${img.channels} patch; the loaded model takes ${channels} channel(s)`, 'load the model the patch was trained for');
  }
  const data = await loadFolder(state, req.images);
  const rng = createRng(`${req.seed}:preview`);
  // Distinct images, drawn with the seed (a partial Fisher–Yates shuffle).
  const order = data.items.map((_, i) => i);
  const n = Math.min(req.count, order.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(order.length - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const picked = order.slice(0, n).map((i) => data.items[i]);
  const placements = picked.map(() => samplePlacement(rng, h, w, meta.params));
  const taps = placementTaps(h, w, img.width, placements);
  const [patched, cleanP, patchedP] = tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Uint8Array.from(picked.flatMap((it) => Array.from(it.image.data))), [n, h, w, channels], 'int32'), 255) as tf.Tensor4D;
    const p = tf.div(tf.tensor4d(img.data, [1, img.width, img.width, channels], 'int32'), 255) as tf.Tensor4D;
    const y = pastePatch(x, p, taps);
    return [y, tf.softmax(classifier.logits(x)), tf.softmax(classifier.logits(y))];
  });
  const [pixels, pc, pp] = await Promise.all([patched.data(), cleanP.data(), patchedP.data()]);
  tf.dispose([patched, cleanP, patchedP]);
  const k = classifier.labels.length;
  const top = (probs: ArrayLike<number>, i: number) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    return { index: best, name: classifier.labels[best] ?? String(best), p: probs[i * k + best] };
  };
  const per = h * w * channels;
  const items = await Promise.all(
    picked.map(async (it, i) => {
      const clean = top(pc, i);
      const after = top(pp, i);
      const bytes = await encodePng({ width: w, height: h, channels, data: Uint8Array.from(pixels.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 255)) });
      const hit = meta.target.index === null ? after.index !== it.label : after.index === meta.target.index;
      return { bytes: new Uint8Array(bytes), label: classifier.labels[it.label] ?? String(it.label), clean: { name: clean.name, p: clean.p }, patched: { name: after.name, p: after.p }, hit };
    }),
  );
  return { target: meta.target, items };
}
