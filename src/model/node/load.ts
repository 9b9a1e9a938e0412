/**
 * Loads a model folder from disk: model.json, its shards and model-card.json, each confined to the
 * folder by real path and size-checked before it is read. The pure core (../load.ts) checks and
 * wraps the bytes; this file is the Node side of the model module.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PrintshotError } from '../../shared';
import { confine } from '../../shared/node/confine';
import { folderKind } from '../../shared/node/folder-kind';
import { KIND_NOUN, wrongKindSuggestion } from '../../shared/folder-kinds';
import { assetPath } from '../../shared/node/paths';
import { parseCard } from '../infer-card';
import { assembleModel, MAX_MODEL_JSON_BYTES, type ModelBundle } from '../io-handler';
import { buildClassifier, type LoadedClassifier, type LoadOptions } from '../load';

/** The bundled default model, resolved from this file so it works from any working directory. */
export const DEFAULT_MODEL_DIR = assetPath('models', 'fashion-cnn');

/** Loads `dir` (a model folder or its model.json), or the bundled model for 'default'. */
export async function loadClassifier(dirOrDefault: string, opts: LoadOptions = {}): Promise<LoadedClassifier> {
  const dir = await resolveModelDir(dirOrDefault);
  const bundle = await readModelDir(dir);
  const cardPath = path.join(dir, 'model-card.json');
  const cardBytes = await readFile(cardPath).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new PrintshotError('io', `cannot read ${cardPath}: ${e.message}`);
  });
  const card = cardBytes ? parseCard(cardBytes, cardPath) : undefined;
  return buildClassifier(bundle, { card, name: path.basename(dir), dir, label: path.join(dir, 'model.json') }, opts);
}

async function resolveModelDir(dirOrDefault: string): Promise<string> {
  let dir = dirOrDefault === 'default' ? DEFAULT_MODEL_DIR : path.resolve(dirOrDefault);
  const st = await stat(dir).catch(() => undefined);
  if (!st) {
    const hint = dirOrDefault === 'default' ? 'the bundled model is missing: run npm run train:default' : undefined;
    throw new PrintshotError('bad-model', `model directory not found: ${dir}`, hint);
  }
  // Accept a path to model.json itself, which is what people tend to copy.
  if (st.isFile() && path.basename(dir) === 'model.json') dir = path.dirname(dir);
  else if (!st.isDirectory()) throw new PrintshotError('bad-model', `not a model directory: ${dir}`);
  return dir;
}

/**
 * Reads model.json and its shards from a directory on disk. Every file is confined to the folder
 * by its real path (a shard symlinked elsewhere is refused) and size-checked before it is read.
 */
export async function readModelDir(dir: string): Promise<ModelBundle> {
  const jsonPath = path.join(dir, 'model.json');
  const inside = (rel: string) => confine(dir, rel, { what: rel, rootName: `the model folder ${dir}`, hint: 'copy the file into the model folder' });
  const size = async (rel: string) => (await stat(await inside(rel)).catch(() => undefined))?.size;
  const jsonSize = await size('model.json');
  if (jsonSize === undefined) {
    // Say what the folder is instead, when it is recognisably something else (an image folder, an experiment).
    const kind = await folderKind(dir);
    const other = wrongKindSuggestion(dir, kind, 'model');
    if (other) throw new PrintshotError('bad-model', `no model.json in ${dir}: this is ${KIND_NOUN[kind]}`, other.hint);
    throw new PrintshotError('bad-model', `no model.json in ${dir}`, 'point at a folder exported by tensorflowjs_converter or model.save()');
  }
  if (jsonSize > MAX_MODEL_JSON_BYTES) throw new PrintshotError('bad-model', `${jsonPath} is ${jsonSize} bytes, over the ${MAX_MODEL_JSON_BYTES}-byte limit for a model.json`);
  const jsonBytes = await readIfExists(await inside('model.json'));
  if (!jsonBytes) throw new PrintshotError('bad-model', `no model.json in ${dir}`);
  return assembleModel(jsonBytes, async (rel) => readIfExists(await inside(rel)), jsonPath, size);
}


async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PrintshotError('io', `cannot read ${file}: ${(e as Error).message}`);
  }
}

