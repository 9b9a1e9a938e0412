/**
 * Wraps a TF.js classifier (Layers or Graph format, already in memory) plus its model card in the
 * Classifier interface: [0,1] NHWC pixels in, logits out, preprocessing inside so gradients reach
 * the pixels. Every problem a user can cause is a one-line PrintshotError('bad-model'), checked at
 * load time (including a probe run) rather than halfway through an attack. Reading a model folder
 * from disk is Node's job: node/load.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfconv from '@tensorflow/tfjs-converter';
import { log, PrintshotError } from '../shared';
import { registerInputGradientsNow, selectBackend } from './backend';
import type { ModelCard } from './card';
import type { Classifier, InputSpec } from './classifier';
import { probeGradient, type ProbeSite } from './gradient-probe';
import { graphHead, layersHead, type ModelHead } from './head';
import { checkInputShape, formatShape, inferCard, inferInput, validateCard } from './infer-card';
import { registerKerasCompat } from './keras-compat';
import { repairKerasTopology } from './keras-compat-topology';
import { assembleModel, memoryHandler, type ModelBundle, type ModelFormat } from './io-handler';
import { checkTopology, manifestElements, withWeightBudget } from './topology-budget';
import { executionPath, graphKernels, graphNodes, summarizeModel, type ExecutionPath, type ModelSummary } from './summary';

export interface LoadedClassifier extends Classifier {
  /** What was guessed because model-card.json was missing (empty when a card was found). */
  readonly assumptions: string[];
  readonly format: ModelFormat;
  /** The model folder, or "(memory)" for loadClassifierFromMemory. */
  readonly dir: string;
  /** How logits are computed here: the compiled layer plan's fused ops, or the stock path and why. */
  readonly execution: ExecutionPath;
  /** Architecture summary (layers, parameters, FLOPs, preprocessing); computed on first call. */
  describe(): Promise<ModelSummary>;
  /** Runs the gradient probe: null when attacks can differentiate the model, else the one-line reason. */
  gradientProblem(): string | null;
}

export interface LoadOptions {
  /**
   * Check at load time that the input gradient exists and is usable (one forward and backward
   * pass on one image). Default true: attacks, robustness and the engine need it. Paths that only
   * classify pass false, so an undifferentiable model still classifies.
   */
  probeGradient?: boolean;
}

export interface InMemoryModel {
  /** model.json contents, parsed or as text. */
  modelJSON: object | string;
  /** Shard bytes keyed by the paths in weightsManifest. */
  weights: Record<string, Uint8Array | ArrayBuffer>;
  /** model-card.json contents; omitted to exercise inference. */
  card?: unknown;
  name?: string;
}

/** Same checks and wrapping as loadClassifier, for bytes already in memory (tests, downloads). */
export async function loadClassifierFromMemory(m: InMemoryModel, opts: LoadOptions = {}): Promise<LoadedClassifier> {
  const text = typeof m.modelJSON === 'string' ? m.modelJSON : JSON.stringify(m.modelJSON);
  const bundle = await assembleModel(
    new TextEncoder().encode(text),
    async (rel) => {
      const b = m.weights[rel];
      return b === undefined ? undefined : b instanceof Uint8Array ? b : new Uint8Array(b);
    },
    'model.json',
  );
  const card = m.card === undefined ? undefined : validateCard(m.card, 'model-card.json');
  return buildClassifier(bundle, { card, name: m.name ?? 'in-memory model', dir: '(memory)', label: 'model.json' }, opts);
}

/** Where a bundle came from, for messages and LoadedClassifier.dir. */
export interface Source {
  card: ModelCard | undefined;
  name: string;
  dir: string;
  label: string;
}

/** Wraps an assembled bundle as a checked LoadedClassifier; node/load.ts and loadClassifierFromMemory feed it. */
export async function buildClassifier(bundle: ModelBundle, src: Source, opts: LoadOptions): Promise<LoadedClassifier> {
  // Loading needs a backend; keep one chosen by the caller (tests pin cpu), else pick the best.
  if (tf.engine().backendName == null) await selectBackend();
  else {
    await tf.ready();
    // selectBackend() registers the input gradients; a caller's own backend needs them too.
    await registerInputGradientsNow();
  }
  const model = await loadModel(bundle, src.label);
  const disposables: tf.Tensor[] = [];
  let head: ModelHead | undefined;
  try {
    head = bundle.format === 'layers' ? layersHead(model as tfl.LayersModel) : graphHead(model as tfconv.GraphModel, bundle.modelJSON);
    if (head.inputDtype !== 'float32') throw new PrintshotError('bad-model', `unsupported input dtype ${head.inputDtype}: Printshot feeds float32 images`);
    const assumptions: string[] = [];
    const input = src.card ? src.card.input : inferInput(head.inputShape, src.label, assumptions);
    checkInputShape(input, head.inputShape, src.label);

    const prep = preprocessor(src.card, input, disposables);
    const { raw, outputs, outputsWhy } = chooseOutput(head, src.card);
    // Graph models exported with a fixed batch of 1 get one image at a time (slice and concat are
    // differentiable, so attacks still batch).
    const fixedBatch = head.inputShape[0] === 1;
    const expectedShape = [input.height, input.width, input.channels];
    const logits = (x: tf.Tensor4D): tf.Tensor2D => {
      if (x.rank !== 4 || x.shape.slice(1).some((d, i) => d !== expectedShape[i])) {
        throw new PrintshotError('bad-argument', `${src.name} expects images [N, ${expectedShape.join(', ')}], got ${formatShape(x.shape)}`);
      }
      return tf.tidy(() => {
        const z = prep(x);
        if (!fixedBatch || z.shape[0] === 1) return raw(z) as tf.Tensor2D;
        return tf.concat(tf.split(z, z.shape[0]).map((zi) => raw(zi))) as tf.Tensor2D;
      });
    };
    const classes = probe(logits, head, prep, input, outputs === 'probabilities');
    if (classes < 2) throw new PrintshotError('bad-model', `model output has ${classes} class(es); a classifier needs at least 2`);
    const card = src.card
      ? { ...src.card, outputs }
      : inferCard({ name: src.name, input, classes, outputs, outputsWhy }, assumptions);
    if (card.labels.length !== classes) {
      throw new PrintshotError('bad-model', `label count mismatch: model-card.json lists ${card.labels.length} labels but the model outputs ${classes} classes`);
    }
    const inputSpec: InputSpec = { height: input.height, width: input.width, channels: input.channels };
    const execution = executionPath(head, bundle.format);
    const site: ProbeSite = bundle.format === 'layers'
      ? { kind: 'layers', model: model as tfl.LayersModel, compiled: execution.compiled }
      : { kind: 'graph', nodes: graphNodes(bundle.modelJSON) };
    if (opts.probeGradient !== false) probeGradient(logits, inputSpec, site);
    if (assumptions.length > 0) log.warn(`${src.name}: no model-card.json, assuming: ${assumptions.join('; ')}`);
    log.info(`loaded ${bundle.format} model ${card.name} (${input.height}x${input.width}x${input.channels}, ${classes} classes, ${bundle.fingerprint.slice(0, 12)})`);
    if (head.execution) {
      log.debug('compiled' in head.execution
        ? `${card.name} runs as ${head.execution.compiled.length} fused ops: ${head.execution.compiled.join('; ')}`
        : `${card.name} runs through ${bundle.format === 'layers' ? 'tfjs-layers' : 'model.execute'} (not compiled: ${head.execution.notCompiled})`);
    }
    const ownedByHead = head;

    let disposed = false;
    let summary: ModelSummary | undefined;
    return {
      card,
      inputSpec,
      labels: card.labels,
      fingerprint: bundle.fingerprint,
      assumptions,
      format: bundle.format,
      dir: src.dir,
      execution,
      logits,
      describe: async () =>
        (summary ??= summarizeModel({
          name: card.name,
          format: bundle.format,
          fingerprint: bundle.fingerprint,
          input: inputSpec,
          card,
          outputsWhy,
          classes,
          execution,
          compiledOps: ownedByHead.execution && 'compiled' in ownedByHead.execution ? ownedByHead.execution.compiled : [],
          layersModel: bundle.format === 'layers' ? (model as tfl.LayersModel) : undefined,
          graph:
            bundle.format === 'graph'
              ? { nodes: graphNodes(bundle.modelJSON), weightSpecs: bundle.weightSpecs, kernels: await graphKernels(model as tfconv.GraphModel, prep, inputSpec) }
              : undefined,
        })),
      gradientProblem: () => {
        try {
          probeGradient(logits, inputSpec, site);
          return null;
        } catch (e) {
          if (e instanceof PrintshotError) return e.message;
          throw e;
        }
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        ownedByHead.dispose?.();
        model.dispose();
        tf.dispose(disposables);
      },
    };
  } catch (e) {
    head?.dispose?.();
    model.dispose();
    tf.dispose(disposables);
    throw e;
  }
}

async function loadModel(bundle: ModelBundle, label: string): Promise<tfl.LayersModel | tfconv.GraphModel> {
  // Keras layers tfjs-layers lacks (TFOpLambda, Normalization, hard_swish…) must be known before deserializing.
  registerKerasCompat();
  try {
    if (bundle.format === 'graph') return await tfconv.loadGraphModel(memoryHandler(bundle));
    const modelJSON = repairKerasTopology(bundle.modelJSON);
    checkTopology(modelJSON.modelTopology, bundle.weightSpecs, label);
    return await withWeightBudget(manifestElements(bundle.weightSpecs), label, () => tfl.loadLayersModel(memoryHandler({ ...bundle, modelJSON }), { strict: true }));
  } catch (e) {
    if (e instanceof PrintshotError) throw e;
    throw new PrintshotError('bad-model', `${label}: could not build the ${bundle.format} model: ${firstLine(e)}`);
  }
}

/** [0,1] pixels → the model's input scale: range first, then optional per-channel (x-mean)/std. */
function preprocessor(card: ModelCard | undefined, input: InputSpec, keep: tf.Tensor[]): (x: tf.Tensor) => tf.Tensor {
  const range = card?.range ?? '0-1';
  const perChannel = (v: number[] | undefined, field: string): tf.Tensor | undefined => {
    if (!v) return undefined;
    if (v.length !== 1 && v.length !== input.channels) {
      throw new PrintshotError('bad-model', `model-card.json: ${field} has ${v.length} values but the model takes ${input.channels} channel(s)`);
    }
    const t = tf.tensor1d(v, 'float32');
    keep.push(t);
    return t;
  };
  const mean = perChannel(card?.mean, 'mean');
  const std = perChannel(card?.std, 'std');
  return (x) => {
    let y = range === '0-255' ? tf.mul(x, 255) : range === '-1-1' ? tf.sub(tf.mul(x, 2), 1) : x;
    if (mean) y = tf.sub(y, mean); // [C] broadcasts over NHWC's last axis
    if (std) y = tf.div(y, std);
    return y;
  };
}

function chooseOutput(head: ModelHead, card: ModelCard | undefined) {
  const declared = card?.outputs;
  if (declared === 'logits') {
    if (head.softmax) log.warn(`model-card.json says outputs are logits, but ${head.softmax}; using the model output as is`);
    return { raw: head.output, outputs: 'logits' as const, outputsWhy: 'declared in model-card.json' };
  }
  if (declared === 'probabilities' || head.softmax) {
    if (!head.softmax) {
      throw new PrintshotError('bad-model', 'model-card.json says outputs are probabilities, but no final softmax was found to take logits from');
    }
    if (!head.preSoftmax) throw new PrintshotError('bad-model', `cannot compute logits: ${head.preSoftmaxProblem ?? head.softmax}`);
    return { raw: head.preSoftmax, outputs: 'probabilities' as const, outputsWhy: head.softmax };
  }
  return { raw: head.output, outputs: 'logits' as const, outputsWhy: 'no final softmax found' };
}

/**
 * Runs an all-zeros image through the classifier: catches NaN/Inf outputs, non-[N, classes]
 * outputs, non-float outputs, unsupported ops and a wrong pre-softmax guess (softmax(logits) must
 * reproduce the model's own output). Returns the number of classes.
 */
function probe(
  logits: (x: tf.Tensor4D) => tf.Tensor2D,
  head: ModelHead,
  prep: (x: tf.Tensor) => tf.Tensor,
  input: InputSpec,
  checkSoftmax: boolean,
): number {
  return tf.tidy(() => {
    const zeros = tf.zeros([1, input.height, input.width, input.channels]) as tf.Tensor4D;
    let y: tf.Tensor;
    try {
      y = logits(zeros);
    } catch (e) {
      if (e instanceof PrintshotError) throw e;
      throw new PrintshotError('bad-model', `the model failed on a probe input: ${firstLine(e)}`);
    }
    if (y.rank !== 2 || y.shape[0] !== 1) throw new PrintshotError('bad-model', `model output must be [batch, classes]; got ${formatShape(y.shape)}`);
    if (y.dtype !== 'float32') throw new PrintshotError('bad-model', `unsupported output dtype ${y.dtype}: expected float32 scores`);
    const values = y.dataSync();
    if (!values.every(Number.isFinite)) throw new PrintshotError('bad-model', 'model output is not numeric (NaN or Infinity) on an all-zeros probe image');
    if (head.outputWidth !== null && head.outputWidth !== y.shape[1]) {
      throw new PrintshotError('bad-model', `model declares ${head.outputWidth} outputs but produced ${y.shape[1]}`);
    }
    if (checkSoftmax) {
      const probs = Array.from(tf.softmax(y).dataSync());
      const out = Array.from(head.output(prep(zeros)).dataSync());
      const diff = probs.reduce((m, p, i) => Math.max(m, Math.abs(p - out[i])), 0);
      if (out.length !== probs.length || !(diff < 1e-4)) {
        throw new PrintshotError('bad-model', `logits taken before the softmax do not reproduce the model output (max difference ${diff})`);
      }
    }
    return y.shape[1];
  }) as number;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
