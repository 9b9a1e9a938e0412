/**
 * Engine handlers for the model, image folders and the attack/transform catalogues. Form
 * descriptors for the UI are the JSON Schema of each descriptor's zod parameter schema, so the
 * form, the CLI and the engine validate against one definition.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ContractError, ModelSummaryDto, type FolderRef, type ImageDto, type ModelInfo, type RankedClassDto } from '../../contract';
import { attackRegistry } from '../../attacks';
import { encodePng, UnreadableImagesError } from '../../images';
import { currentBackend, DEFAULT_MODEL_DIR, loadClassifierFromMemory, type LoadedClassifier } from '../../model/node';
import { classifyImages } from '../../services/classify';
import { imagesDir, openImages, openModel } from '../../services/sources';
import { log } from '../../shared';
import { confine } from '../../shared/node/confine';
import { listTransforms } from '../../transforms';
import type { EngineContext, EngineHandlers } from './engine';
import type { CachedDataset, EngineState, LoadedModel } from './state';

type ModelChannels = 'model:info' | 'model:load' | 'model:setCard' | 'images:list' | 'images:classify' | 'attack:list' | 'transform:list';

export function requireModel(state: EngineState): LoadedModel {
  if (!state.model) throw new ContractError('no-model', 'no model is loaded', 'load the bundled model or a TF.js model folder first (Model view)');
  return state.model;
}

function refSpec(ref: FolderRef, bundled: string): string {
  if (ref.kind === 'bundled') return bundled;
  if (ref.kind === 'path') return ref.path;
  // The host turns 'dialog' into a path before the call reaches the engine.
  throw new ContractError('bad-request', 'a dialog reference must be resolved by the host');
}

export async function modelInfo(m: LoadedModel): Promise<ModelInfo> {
  const c = m.classifier;
  const backend = await currentBackend();
  return {
    name: c.card.name,
    ...(c.card.description ? { description: c.card.description } : {}),
    source: m.source,
    dir: m.dir,
    format: c.format,
    fingerprint: c.fingerprint,
    labels: [...c.labels],
    input: { ...c.inputSpec },
    range: c.card.range,
    ...(c.card.mean ? { mean: c.card.mean } : {}),
    ...(c.card.std ? { std: c.card.std } : {}),
    assumptions: [...c.assumptions],
    cardEdited: m.cardEdited,
    backend: backend
      ? { name: backend.name, reason: backend.reason, ...(backend.simd !== undefined ? { simd: backend.simd } : {}), ...(backend.threads !== undefined ? { threads: backend.threads } : {}) }
      : { name: 'none', reason: 'not selected yet' },
    ...(await summaryOf(c)),
  };
}

/** The architecture summary (computed once per model); a model it cannot describe still loads. */
async function summaryOf(c: LoadedClassifier): Promise<{ summary?: ModelSummaryDto }> {
  try {
    return { summary: ModelSummaryDto.parse(await c.describe()) };
  } catch (e) {
    log.warn(`engine: no architecture summary for ${c.card.name} (${(e as Error).message})`);
    return {};
  }
}

function assertIdle(state: EngineState, what: string): void {
  if (state.jobs.size > 0) throw new ContractError('busy', `cannot ${what} while a job is running`, 'wait for it to finish or cancel it');
}

export function replaceModel(state: EngineState, next: LoadedModel): void {
  state.model?.classifier.dispose();
  state.model = next;
  state.dataset = undefined;
}

/** The model's own files with an edited card: same weights (same fingerprint), new preprocessing. */
async function reloadWithCard(m: LoadedModel, card: Record<string, unknown>): Promise<LoadedClassifier> {
  const inModel = (rel: string) => confine(m.dir, rel, { what: rel, rootName: `the model folder ${m.dir}` });
  const modelJSON = JSON.parse(await readFile(await inModel('model.json'), 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
  const weights: Record<string, Uint8Array> = {};
  for (const group of modelJSON.weightsManifest ?? []) {
    for (const rel of group.paths ?? []) {
      // assembleModel rejects shard paths that leave the folder; read only plain relative names.
      if (rel.includes('..') || path.isAbsolute(rel)) throw new ContractError('bad-model', `unsafe shard path ${rel}`);
      weights[rel] = await readFile(await inModel(rel));
    }
  }
  return loadClassifierFromMemory({ modelJSON, weights, card, name: String(card.name ?? m.classifier.card.name) });
}

/**
 * An image folder converted to the model's input, cached across pages. A folder with unreadable
 * files fails every use ('fail') until the user agrees to go on with the readable ones
 * ('accept', images:list's skipUnreadable); 'report' returns it as it is, for the listing to ask.
 */
export async function loadFolder(state: EngineState, ref: FolderRef, unreadable: 'fail' | 'report' | 'accept' = 'fail'): Promise<CachedDataset> {
  const model = requireModel(state);
  const spec = refSpec(ref, 'samples');
  const key = `${spec}\u0000${model.classifier.fingerprint}\u0000${JSON.stringify(model.classifier.inputSpec)}`;
  if (state.dataset?.key !== key) {
    state.dataset = undefined; // a folder that fails leaves no stale listing behind
    try {
      const data = await openImages(spec, model.classifier);
      state.dataset = { key, root: data.root, items: data.items };
    } catch (e) {
      if (!(e instanceof UnreadableImagesError) || e.readable.items.length === 0) throw e;
      state.dataset = { key, root: imagesDir(spec), items: e.readable.items, unreadable: { error: e, accepted: false } };
    }
  }
  const bad = state.dataset.unreadable;
  if (bad && unreadable === 'accept') bad.accepted = true;
  if (bad && !bad.accepted && unreadable === 'fail') throw bad.error;
  return state.dataset;
}

export function rankedDto(labels: readonly string[], top: readonly { label: number; prob: number }[]): RankedClassDto[] {
  return top.map((t) => ({ label: t.label, name: labels[t.label] ?? String(t.label), prob: t.prob }));
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function defaults(schema: z.ZodType): Record<string, unknown> {
  const r = schema.safeParse({});
  return r.success && r.data && typeof r.data === 'object' ? (r.data as Record<string, unknown>) : {};
}

export const modelHandlers: Pick<EngineHandlers, ModelChannels> = {
  async 'model:info'(_req, ctx: EngineContext) {
    return ctx.state.model ? modelInfo(ctx.state.model) : null;
  },

  async 'model:load'(req, { state }) {
    assertIdle(state, 'change the model');
    const spec = refSpec(req.source, 'default');
    const classifier = await openModel(spec);
    replaceModel(state, {
      classifier,
      source: req.source.kind === 'bundled' ? 'bundled' : 'folder',
      spec: req.source.kind === 'bundled' ? 'default' : classifier.dir,
      dir: req.source.kind === 'bundled' ? DEFAULT_MODEL_DIR : classifier.dir,
      cardEdited: false,
    });
    return modelInfo(state.model!);
  },

  async 'model:setCard'(req, { state }) {
    const m = requireModel(state);
    assertIdle(state, 'edit the model card');
    const { input, ...rest } = req.card;
    const card = { ...m.classifier.card, ...rest, ...(input ? { input } : {}) } as Record<string, unknown>;
    const classifier = await reloadWithCard(m, card);
    replaceModel(state, { ...m, classifier, cardEdited: true });
    return modelInfo(state.model!);
  },

  async 'images:list'(req, { state }) {
    const data = await loadFolder(state, req.source, req.skipUnreadable ? 'accept' : 'report');
    const labels = requireModel(state).classifier.labels;
    const unreadable = data.unreadable?.error.unreadable ?? [];
    // Unreadable files found and not agreed to: list them and load nothing; `total` is what agreeing would load.
    if (unreadable.length > 0 && !data.unreadable?.accepted) return { root: data.root, total: data.items.length, labels: [...labels], items: [], unreadable };
    const { offset, limit } = req.page ?? { offset: 0, limit: 100 };
    const items: ImageDto[] = [];
    for (const it of data.items.slice(offset, offset + limit)) {
      items.push({
        relPath: it.relPath,
        label: it.label,
        labelName: labels[it.label] ?? String(it.label),
        width: it.image.width,
        height: it.image.height,
        png: await encodePng(it.image),
      });
    }
    return { root: data.root, total: data.items.length, labels: [...labels], items, ...(unreadable.length ? { unreadable } : {}) };
  },

  async 'images:classify'(req, { state }) {
    const data = await loadFolder(state, req.source);
    const model = requireModel(state).classifier;
    const { offset, limit } = req.page ?? { offset: 0, limit: 100 };
    const r = await classifyImages(model, data.items.slice(offset, offset + limit), 5);
    return {
      total: data.items.length,
      top1: r.top1,
      top5: r.top5,
      items: r.images.map((i) => ({ ...i, top: rankedDto(model.labels, i.top) })),
    };
  },

  async 'attack:list'() {
    return attackRegistry.map((a) => ({
      id: a.id,
      title: a.title,
      paper: a.paper,
      norm: a.norm,
      summary: a.summary,
      params: jsonSchema(a.params),
      defaults: defaults(a.params),
    }));
  },

  async 'transform:list'() {
    return listTransforms().map((t) => ({
      id: t.id,
      title: t.title,
      sweepParam: t.sweepParam,
      paperRange: t.paperRange,
      sweep: [...t.sweep],
      ...(t.presets ? { presets: t.presets } : {}),
      differentiable: t.differentiable,
      params: jsonSchema(t.params),
      defaults: defaults(t.params) as Record<string, number>,
    }));
  },
};
