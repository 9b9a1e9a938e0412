/**
 * The full-size ImageNet architectures of bench/architectures.ts, built with tfjs-layers from the
 * Keras Applications fixtures (test/fixtures/architectures: exact Keras topologies, seeded random
 * weights) and saved as TF.js Layers folders with a model card, so that the CLI, the pool workers
 * and the leak check load them exactly like a user's converted Keras model.
 *
 * MobileNetV2 falls back to bench/mobilenetv2.ts (the same Keras topology) when the fixtures are
 * not there; InceptionV3 and ResNet50 have no fallback: the bench reports them as not built.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelCard } from '../../src/model/card';
import { createRng } from '../../src/shared';
import { buildMobileNetV2Model, randomizeWeights } from '../mobilenetv2';
import { firstLine } from './config';
import { layersMacs } from './flops';
import { ROOT } from './node-bench';
import { saveLayersModel } from './save-model';

export type ArchId = 'inceptionv3' | 'resnet50' | 'mobilenetv2';
export const ARCH_IDS: readonly ArchId[] = ['inceptionv3', 'resnet50', 'mobilenetv2'];
export const ARCH_TITLE: Record<ArchId, string> = { inceptionv3: 'InceptionV3', resnet50: 'ResNet50', mobilenetv2: 'MobileNetV2' };
export const ARCH_SIZE: Record<ArchId, number> = { inceptionv3: 299, resnet50: 224, mobilenetv2: 224 };

/** Helper A's fixture module and builder per architecture (test/fixtures/architectures). */
const FIXTURE: Record<ArchId, [file: string, builder: string]> = {
  inceptionv3: ['inception-v3.ts', 'buildInceptionV3'],
  resnet50: ['resnet50.ts', 'buildResNet50'],
  mobilenetv2: ['mobilenet-v2.ts', 'buildMobileNetV2'],
};
type Builder = (opts: { size?: number; seed?: number }) => LayersModel;

async function fixtureBuilder(id: ArchId): Promise<Builder | string> {
  const [file, name] = FIXTURE[id];
  const path = join(ROOT, 'test/fixtures/architectures', file);
  if (!existsSync(path)) return `test/fixtures/architectures/${file} does not exist`;
  try {
    // A computed specifier: the fixtures are written separately and may not exist at type-check time.
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const build = mod[name];
    return typeof build === 'function' ? (build as Builder) : `test/fixtures/architectures/${file} exports no ${name}`;
  } catch (e) {
    return `test/fixtures/architectures/${file} failed to load: ${firstLine(e)}`;
  }
}

export interface ArchModel {
  id: ArchId;
  dir: string;
  /** Where the topology came from. */
  source: string;
  params: number;
  /** Multiply-accumulates per image of the convolutions and dense layers (bench/lib/flops.ts). */
  macs: number;
  layers: number;
  card: ModelCard;
}

/**
 * The saved folder is kept in a cache under the temporary folder, keyed by the fixture sources and
 * the seed: building a full-size fixture calibrates its batch norms with forward passes (minutes
 * for InceptionV3 on 2 busy cores), which is set-up, not what the bench measures.
 */
function cacheDir(id: ArchId, seed: number): string {
  const h = createHash('sha256').update(`${id} ${seed}\n`);
  for (const f of [FIXTURE[id][0], 'common.ts']) {
    const path = join(ROOT, 'test/fixtures/architectures', f);
    h.update(existsSync(path) ? readFileSync(path) : 'absent');
  }
  h.update(readFileSync(join(ROOT, 'bench/mobilenetv2.ts')));
  return join(os.tmpdir(), 'printshot-bench-archs', `${id}-${h.digest('hex').slice(0, 16)}`);
}

/** The most recently saved folder of `id` in the cache, whatever fixture sources it was built from. */
function newestCached(id: ArchId): string | undefined {
  const root = join(os.tmpdir(), 'printshot-bench-archs');
  if (!existsSync(root)) return undefined;
  const dirs = readdirSync(root)
    .filter((d) => d.startsWith(`${id}-`) && existsSync(join(root, d, 'bench-model.json')))
    .map((d) => join(root, d));
  return dirs.sort((a, b) => statSync(join(b, 'bench-model.json')).mtimeMs - statSync(join(a, 'bench-model.json')).mtimeMs)[0];
}

/**
 * Builds the full-size model and saves it (or finds it in the cache; `fresh` rebuilds). The card
 * always says range '-1-1' with 1000 generated labels, whatever preprocessing the Keras original
 * expects, so that both sides feed the network x·2−1 (a negligible elementwise op either way).
 * cache 'any' takes the newest saved folder of the architecture even when the fixture sources
 * changed since (other work in the tree edits them; speed does not depend on such edits).
 */
export async function saveArch(id: ArchId, seed = 0, cache: 'fresh' | 'exact' | 'any' = 'exact'): Promise<ArchModel | { id: ArchId; error: string }> {
  let dir = cacheDir(id, seed);
  if (cache === 'any' && !existsSync(join(dir, 'bench-model.json'))) dir = newestCached(id) ?? dir;
  const info = join(dir, 'bench-model.json');
  if (cache !== 'fresh' && existsSync(info)) {
    const saved = JSON.parse(readFileSync(info, 'utf8')) as ArchModel;
    return { ...saved, dir, source: `${saved.source}; cached in ${dir}` };
  }
  const entry = await fixtureBuilder(id);
  let model: LayersModel;
  let source: string;
  try {
    if (typeof entry !== 'string') {
      model = entry({ size: ARCH_SIZE[id], seed });
      source = `test/fixtures/architectures/${FIXTURE[id][0]}`;
    } else if (id === 'mobilenetv2') {
      model = buildMobileNetV2Model({ relu6: 'keras' });
      randomizeWeights(model, createRng(seed));
      source = `bench/mobilenetv2.ts (${entry})`;
    } else {
      return { id, error: entry };
    }
  } catch (e) {
    return { id, error: `building ${id} failed: ${firstLine(e)}` };
  }
  const card: ModelCard = {
    schemaVersion: 1,
    name: `${id}-random`,
    description: `${source}, seed ${seed} (random weights, for throughput only)`,
    labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
    input: { height: ARCH_SIZE[id], width: ARCH_SIZE[id], channels: 3 },
    range: '-1-1',
    outputs: (model.layers[model.layers.length - 1].getConfig().activation as string | undefined) === 'softmax' ? 'probabilities' : 'logits',
  };
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await saveLayersModel(model, card, dir);
    const saved: ArchModel = { id, dir, source, params: model.countParams(), macs: layersMacs(model), layers: model.layers.length, card };
    writeFileSync(info, JSON.stringify(saved));
    return saved;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { id, error: `saving ${id} failed: ${firstLine(e)}` };
  } finally {
    model.dispose();
  }
}
