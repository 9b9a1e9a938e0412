/**
 * Writes a tfjs-layers model as a TF.js Layers model folder (model.json + one weight shard +
 * model-card.json), the format loadClassifier reads, so worker threads can load the benchmark's
 * random MobileNetV2 exactly like a user's model. tfjs-core alone has no file:// saver (that is
 * tfjs-node's), so the artifacts are written here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelCard } from '../../src/model/card';

export async function saveLayersModel(model: LayersModel, card: ModelCard, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData;
      if (!weights || !artifacts.weightSpecs) throw new Error('model.save produced no weights');
      const bytes = new Uint8Array(Array.isArray(weights) ? tf.io.concatenateArrayBuffers(weights) : weights);
      writeFileSync(join(dir, 'weights.bin'), bytes);
      const modelJSON = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJSON));
      writeFileSync(join(dir, 'model-card.json'), JSON.stringify(card, null, 1));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    }),
  );
}

/** A fresh temporary folder for a saved benchmark model. */
export function tempModelDir(name: string): string {
  return mkdtempSync(join(os.tmpdir(), `printshot-bench-${name}-`));
}
