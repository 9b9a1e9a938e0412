/**
 * Folder kinds (src/shared/node/folder-kind.ts) and the wrong-kind suggestions they drive: the
 * bundled assets are recognised for what they are, and the model loader and the image lister,
 * pointed at the other kind, say what the folder is and where to open it (a Fix line), while a
 * plain folder keeps the loader's own error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrongKindSuggestion } from '../../../src/shared/folder-kinds';
import { folderKind } from '../../../src/shared/node/folder-kind';
import { loadClassifier } from '../../../src/model/node';
import { openImages } from '../../../src/services/sources';
import { tempDir } from '../../fixtures/images/make';

const ASSETS = path.resolve(import.meta.dirname, '../../../assets');
const MODEL = path.join(ASSETS, 'models', 'fashion-cnn-hardened');
const SAMPLES = path.join(ASSETS, 'samples');
const CARD = { labels: ['a', 'b'], inputSpec: { height: 28, width: 28, channels: 1 as const } };

let base: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('printshot-kind-'));
  await mkdir(path.join(base, 'exp', 'clean'), { recursive: true });
  await writeFile(path.join(base, 'exp', 'experiment.json'), '{}');
  await mkdir(path.join(base, 'csv'), { recursive: true });
  await writeFile(path.join(base, 'csv', 'labels.csv'), 'file,label\n');
  await mkdir(path.join(base, 'flat'), { recursive: true });
  await writeFile(path.join(base, 'flat', 'IMG_0001.JPG'), 'x');
  await mkdir(path.join(base, 'plain', 'notes'), { recursive: true });
  await writeFile(path.join(base, 'plain', 'notes', 'readme.txt'), 'x');
});
afterAll(() => cleanup());

describe('folderKind', () => {
  it('knows the bundled model, the samples, a class folder, an experiment, labels.csv and a plain folder', async () => {
    expect(await folderKind(MODEL)).toBe('model');
    expect(await folderKind(SAMPLES)).toBe('images');
    expect(await folderKind(path.join(SAMPLES, 'Coat'))).toBe('photos');
    expect(await folderKind(path.join(base, 'exp'))).toBe('experiment');
    expect(await folderKind(path.join(base, 'csv'))).toBe('images');
    expect(await folderKind(path.join(base, 'flat'))).toBe('photos');
    expect(await folderKind(path.join(base, 'plain'))).toBe('folder');
    expect(await folderKind(path.join(base, 'missing'))).toBe('folder');
  });
});

describe('wrongKindSuggestion', () => {
  it('points each kind at its own view, and says nothing for a match or a plain folder', () => {
    expect(wrongKindSuggestion('/x', 'images', 'model')).toEqual({ message: '/x is an image folder, not a model folder', hint: 'open it in Images', open: 'images' });
    expect(wrongKindSuggestion('/x', 'model', 'images')).toMatchObject({ hint: 'open it in Model', open: 'model' });
    expect(wrongKindSuggestion('/x', 'experiment', 'model')?.open).toBe('experiment');
    expect(wrongKindSuggestion('/x', 'experiment', 'images')?.hint).toContain('clean/');
    expect(wrongKindSuggestion('/x', 'photos', 'images')?.open).toBeUndefined();
    expect(wrongKindSuggestion('/x', 'model', 'model')).toBeUndefined();
    expect(wrongKindSuggestion('/x', 'folder', 'model')).toBeUndefined();
  });
});

describe('loaders name the wrong kind', () => {
  it('model load on the sample images: "this is an image folder", Fix: open it in Images', async () => {
    await expect(loadClassifier(SAMPLES)).rejects.toMatchObject({
      code: 'bad-model',
      message: `no model.json in ${SAMPLES}: this is an image folder`,
      hint: 'open it in Images',
    });
  });

  it('model load on a plain folder keeps the exporter hint', async () => {
    await expect(loadClassifier(path.join(base, 'plain'))).rejects.toMatchObject({ code: 'bad-model', hint: expect.stringContaining('tensorflowjs_converter') });
  });

  it('image listing on a model folder: "is a model folder", Fix: open it in Model', async () => {
    await expect(openImages(MODEL, CARD)).rejects.toMatchObject({ code: 'bad-dataset', message: `${MODEL} is a model folder, not an image folder`, hint: 'open it in Model' });
  });

  it('image listing on an experiment points at its clean/ folder', async () => {
    await expect(openImages(path.join(base, 'exp'), CARD)).rejects.toMatchObject({ message: expect.stringContaining('is an experiment folder'), hint: expect.stringContaining('clean/') });
  });
});
