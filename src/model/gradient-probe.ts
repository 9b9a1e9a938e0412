/**
 * Load-time gradient probe: every gradient attack needs d(loss)/d(pixels), so a model that cannot
 * give it should fail once, at load, with one line naming the layer (or graph node) to blame,
 * rather than as an internal error halfway through an attack.
 *
 * The probe takes the input gradient of a cross-entropy on one deterministic image, against the
 * uniform distribution: its logit gradient p − 1/C vanishes only when every logit is equal, never
 * because the model is confident, so a zero input gradient means the pixels really do not reach
 * the loss (a rounding or argmax step). It needs no label, so it costs one forward and one
 * backward pass. It fails on: an op with no registered gradient, a layer that cuts the tape
 * (reads values back and makes a new tensor), an error inside a gradient function, and a
 * gradient that is NaN/Infinity or exactly zero everywhere.
 *
 * To name the culprit in a Layers model, each layer's call() is wrapped for the probe's forward
 * pass and the tape nodes it records are kept: the kernel tfjs names in "gradient function not
 * found for X" is then traced to the innermost layer that ran X. Graph models name the nodes
 * whose op is X. The wrappers are removed before the probe returns.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PrintshotError } from '../shared';
import type { InputSpec } from './classifier';

/** Where ops come from, for naming the culprit. */
export type ProbeSite =
  | { kind: 'layers'; model: tfl.LayersModel; compiled: boolean }
  | { kind: 'graph'; nodes: readonly { name: string; op: string }[] }
  | { kind: 'none' };

/** Kernels whose gradient is zero almost everywhere: a model built on them cannot be attacked by gradients. */
const ZERO_GRADIENT_KERNELS = new Set(['Round', 'Floor', 'Ceil', 'Sign', 'Step', 'ArgMax', 'ArgMin', 'FloorDiv']);

type AnyLayer = tfl.LayersModel['layers'][number];

interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
}

/** What one layer call put on the tape, in call-completion order (inner layers first). */
export interface LayerTrace {
  layer: AnyLayer;
  kernels: string[];
  /** Whether some output of the call is reachable from its inputs through recorded ops. */
  connected: boolean;
}

/** A deterministic, non-constant image in [0.1, 0.9] (golden-ratio sequence): zeros can leave every ReLU dead. */
export function probeImage(input: InputSpec): tf.Tensor4D {
  const n = input.height * input.width * input.channels;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = 0.1 + 0.8 * ((i * 0.6180339887498949 + 0.25) % 1);
  return tf.tensor4d(v, [1, input.height, input.width, input.channels]);
}

/**
 * Throws PrintshotError('bad-model') when the input gradient of `logits` cannot be computed or is
 * useless. Costs one forward and one backward pass on one image.
 */
export function probeGradient(logits: (x: tf.Tensor4D) => tf.Tensor2D, input: InputSpec, site: ProbeSite): void {
  const x = probeImage(input);
  const traces: LayerTrace[] = [];
  const unwrap = site.kind === 'layers' && !site.compiled ? traceLayerCalls(site.model, traces) : () => {};
  try {
    let grad: Float32Array | Int32Array | Uint8Array;
    try {
      const g = tf.tidy(() => {
        // Cross-entropy against the uniform distribution: logsumexp(z) − mean(z).
        const loss = (xi: tf.Tensor) => {
          const z = logits(xi as tf.Tensor4D);
          return tf.sum(tf.sub(tf.logSumExp(z, 1), tf.mean(z, 1)));
        };
        return tf.grad(loss)(x);
      });
      grad = g.dataSync();
      g.dispose();
    } catch (e) {
      dropStaleTape();
      if (e instanceof PrintshotError) throw e;
      throw new PrintshotError('bad-model', explainFailure(e, site, traces), 'attacks need the gradient with respect to the pixels: replace that step, or apply it to the images before Printshot');
    }
    if (!grad.every(Number.isFinite)) {
      throw new PrintshotError('bad-model', 'the input gradient is NaN or Infinity on a probe image: some layer has an undefined gradient there (e.g. sqrt or log at 0)');
    }
    if (grad.every((g) => g === 0)) throw new PrintshotError('bad-model', explainZero(site, traces));
  } finally {
    unwrap();
    x.dispose();
  }
}

interface EngineState {
  activeTape: (TapeNode & { saved?: tf.Tensor[] })[] | null;
  gradientDepth: number;
}
const engineState = (): EngineState => (tf.engine() as unknown as { state: EngineState }).state;

/** A backprop that throws leaves its tape, and the tensors saved for it, behind: free them. */
function dropStaleTape(): void {
  const st = engineState();
  if (st.gradientDepth !== 0 || !st.activeTape) return;
  for (const n of st.activeTape) tf.dispose(n.saved ?? []);
  st.activeTape = null;
}

/** One line for an exception thrown while differentiating. */
export function explainFailure(e: unknown, site: ProbeSite, traces: readonly LayerTrace[]): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const missing = /gradient function not found for (\w+)/.exec(msg)?.[1];
  if (missing) return `cannot differentiate the model: ${whereKernel(missing, site, traces)} runs ${missing}, which has no gradient in TF.js`;
  if (/Cannot compute gradient of y=f\(x\)/.test(msg)) {
    const cut = traces.find((t) => !t.connected);
    const where = cut ? `layer ${layerLabel(cut.layer)} cuts the gradient path (its output does not depend on its input through TF.js ops)` : 'the output does not depend on the input through TF.js ops';
    return `cannot differentiate the model: ${where}`;
  }
  return `cannot differentiate the model: computing the input gradient failed: ${msg}`;
}

/** The layer or graph node that ran `kernel`, as a phrase ("layer crop (CenterCrop)"). */
export function whereKernel(kernel: string, site: ProbeSite, traces: readonly LayerTrace[]): string {
  if (site.kind === 'layers') {
    const hit = traces.find((t) => t.kernels.includes(kernel));
    if (hit) return `layer ${layerLabel(hit.layer)}`;
    const byClass = allLayers(site.model).find((l) => l.getClassName() === kernel);
    return byClass ? `layer ${layerLabel(byClass)}` : 'a layer of the model';
  }
  if (site.kind === 'graph') {
    const nodes = site.nodes.filter((n) => n.op === kernel || n.op === `_${kernel}`);
    if (nodes.length === 0) return 'an op of the graph';
    const names = nodes.slice(0, 3).map((n) => n.name).join(', ');
    return `graph node${nodes.length > 1 ? 's' : ''} ${names}${nodes.length > 3 ? ` (+${nodes.length - 3} more)` : ''}`;
  }
  return 'the model';
}

function explainZero(site: ProbeSite, traces: readonly LayerTrace[]): string {
  let where = '';
  if (site.kind === 'layers') {
    const hit = traces.find((t) => t.kernels.some((k) => ZERO_GRADIENT_KERNELS.has(k)));
    if (hit) where = `: layer ${layerLabel(hit.layer)} runs ${hit.kernels.find((k) => ZERO_GRADIENT_KERNELS.has(k))}, whose gradient is zero`;
  } else if (site.kind === 'graph') {
    const node = site.nodes.find((n) => ZERO_GRADIENT_KERNELS.has(n.op));
    if (node) where = `: graph node ${node.name} is a ${node.op}, whose gradient is zero`;
  }
  return `the input gradient is exactly zero on a probe image, so gradient attacks cannot move this model${where}`;
}

function layerLabel(layer: AnyLayer): string {
  const cls = layer.getClassName();
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  return `${layer.name} (${cls}${typeof act === 'string' && act !== 'linear' ? `, activation ${act}` : ''})`;
}

/** Every layer, nested models' layers included (a nested model is itself a layer and also listed). */
export function allLayers(model: { layers: AnyLayer[] }): AnyLayer[] {
  const out: AnyLayer[] = [];
  for (const l of model.layers) {
    out.push(l);
    const inner = (l as unknown as { layers?: AnyLayer[] }).layers;
    if (Array.isArray(inner)) out.push(...allLayers({ layers: inner }));
  }
  return out;
}

/**
 * Wraps each layer's call() so that, while a gradient tape is recording, the tape nodes the call
 * adds are attributed to it. Returns the function that restores the layers.
 */
export function traceLayerCalls(model: tfl.LayersModel, traces: LayerTrace[]): () => void {
  const restore: (() => void)[] = [];
  for (const layer of allLayers(model)) {
    const own = Object.getOwnPropertyDescriptor(layer, 'call');
    const original = layer.call;
    const wrapped = function (this: AnyLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
      // A tape is recording only while gradientDepth > 0 (a failed backprop can leave activeTape set).
      const st = engineState();
      const tape = st.gradientDepth > 0 ? st.activeTape : null;
      const start = tape?.length ?? 0;
      const out = original.call(this, inputs, kwargs);
      if (tape) traces.push({ layer, kernels: tape.slice(start).map((n) => n.kernelName), connected: connects(inputs, out, tape.slice(start)) });
      return out;
    };
    Object.defineProperty(layer, 'call', { value: wrapped, configurable: true, writable: true });
    restore.push(() => (own ? Object.defineProperty(layer, 'call', own) : delete (layer as { call?: unknown }).call));
  }
  return () => restore.forEach((r) => r());
}

function connects(inputs: tf.Tensor | tf.Tensor[], out: tf.Tensor | tf.Tensor[], nodes: readonly TapeNode[]): boolean {
  const reached = new Set((Array.isArray(inputs) ? inputs : [inputs]).map((t) => t.id));
  for (const n of nodes) {
    if (Object.values(n.inputs).some((t) => reached.has(t.id))) for (const o of n.outputs) reached.add(o.id);
  }
  return (Array.isArray(out) ? out : [out]).some((t) => reached.has(t.id));
}
