/**
 * Keras layers and activations that tfjs-layers 4.22 lacks but converted keras.applications models
 * contain, registered with tf.serialization before a Layers model is deserialized
 * (registerKerasCompat(), called by load.ts; idempotent). The compiled layer plan recognises
 * these by className and getConfig(), so getConfig() returns the Keras JSON fields unchanged.
 *
 * Config fields relied on (Keras 2.4–2.15 JSON, as tensorflowjs_converter writes it):
 *
 * - TFOpLambda (a TF op called on a KerasTensor, e.g. MobileNetV3's `x + 3.0` and `x * (1/6)`):
 *   config.function: the TF symbol minus "tf.", e.g. "__operators__.add", "math.multiply",
 *   "math.truediv", "nn.relu6". The scalar or constant second operand is not in the config but in
 *   the inbound node's call kwargs: inbound_nodes [[["re_lu", 0, 0, {"y": 3.0, "name": null}]]].
 *   tfjs-layers passes those kwargs to apply() while rebuilding the graph, not when it runs the
 *   model, so the layer keeps y from that first apply(). y may be a nested list (EfficientNet's
 *   per-channel [[[[a, b, c]]]]). The converter writes these inbound_nodes one list level short,
 *   which keras-compat-topology.ts repairs before loading. An unknown function, or a second operand
 *   that is another layer's output, is a one-line bad-model error naming the layer.
 * - Normalization (keras.layers.Normalization, EfficientNet's preprocessing): config.axis (int or
 *   list; only the channel axis is supported), config.mean / config.variance (numbers or lists, or
 *   null when adapted: then weights "mean" [C], "variance" [C] and "count" [] int32 (int64 in
 *   Keras; the converter writes int32)), config.invert (default false). y = (x − mean) /
 *   max(√variance, 1e-7), or x·max(√variance, 1e-7) + mean when inverted.
 * - GlobalAveragePooling2D / GlobalMaxPooling2D with config.keepdims (Keras ≥ 2.6; MobileNetV3's
 *   squeeze-excite and head keep [N, 1, 1, C]); tfjs-layers ignores keepdims, so these replace its
 *   classes of the same names, identical when keepdims is false. config.data_format as tfjs-layers.
 * - activations "hard_swish" / "hard_silu" (x·relu6(x+3)/6) and "silu" (x·sigmoid(x), Keras' name
 *   for swish). "hard_sigmoid" keeps tfjs-layers' meaning, Keras 2's clip(0.2x + 0.5, 0, 1):
 *   the files tfjs-layers reads come from Keras 2, whose hard_sigmoid that is.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PrintshotError } from '../shared';

type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type Unary = (a: tf.Tensor) => tf.Tensor;

/** Keras' TF symbol (without "tf.") → the op. Binary ops take y from the call kwargs. */
const BINARY: Record<string, Binary> = {
  '__operators__.add': tf.add,
  'math.add': tf.add,
  'math.subtract': tf.sub,
  'math.multiply': tf.mul,
  'math.truediv': tf.div,
  'math.divide': tf.div,
  'math.maximum': tf.maximum,
  'math.minimum': tf.minimum,
};
const UNARY: Record<string, Unary> = {
  'nn.relu': tf.relu,
  'nn.relu6': tf.relu6,
  'math.sigmoid': tf.sigmoid,
  'nn.silu': (x) => tf.mul(x, tf.sigmoid(x)),
  'nn.swish': (x) => tf.mul(x, tf.sigmoid(x)),
  'math.tanh': tf.tanh,
  'math.negative': tf.neg,
};

/**
 * tfjs-layers camel-cases config strings on load ("__operators__.add" → "Operators__.add") and its
 * own save writes a leading underscore as "private_": compare without case, underscores or that prefix.
 */
const canonical = (s: string) => s.replace(/_/g, '').toLowerCase().replace(/^private/, '');
const KERAS_NAME = new Map([...Object.keys(BINARY), ...Object.keys(UNARY)].map((k) => [canonical(k), k]));

export const TFOP_LAMBDA_FUNCTIONS: readonly string[] = [...Object.keys(BINARY), ...Object.keys(UNARY)];

interface TFOpLambdaArgs {
  name?: string;
  function: string;
  trainable?: boolean;
  dtype?: string;
}

export class TFOpLambda extends tfl.layers.Layer {
  static readonly className = 'TFOpLambda';
  /** The Keras symbol, e.g. "__operators__.add" (also what getConfig() returns). */
  readonly fn: string;
  /** The constant second operand of a binary op, from the inbound node's kwargs. */
  operand: Constant | undefined;

  constructor(args: TFOpLambdaArgs) {
    super({ name: args.name, trainable: args.trainable, dtype: args.dtype as tf.DataType | undefined });
    const fn = KERAS_NAME.get(canonical(String(args.function)));
    if (!fn) {
      throw new PrintshotError('bad-model', `layer ${this.name}: TFOpLambda function '${args.function}' is not supported (supported: ${TFOP_LAMBDA_FUNCTIONS.join(', ')})`);
    }
    this.fn = fn;
  }

  get binary(): boolean {
    return this.fn in BINARY;
  }

  override apply(inputs: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[], kwargs?: Record<string, unknown>) {
    if (kwargs && kwargs.y !== undefined) this.operand = checkOperand(this.name, kwargs.y);
    return super.apply(inputs, kwargs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!this.binary) return UNARY[this.fn](x);
      if (this.operand === undefined) throw new PrintshotError('bad-model', `layer ${this.name}: TFOpLambda ${this.fn} has no second operand (inbound node kwargs "y")`);
      return BINARY[this.fn](x, tf.tensor(this.operand as number[], undefined, 'float32'));
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    // Broadcasting against a scalar or a per-channel constant keeps the input's shape.
    return Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[])[0] : inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), function: this.fn };
  }
}

type Constant = number | Constant[];
const isConstant = (y: unknown): y is Constant => typeof y === 'number' || (Array.isArray(y) && y.length > 0 && y.every(isConstant));

function checkOperand(layer: string, y: unknown): Constant {
  if (isConstant(y)) return y;
  throw new PrintshotError('bad-model', `layer ${layer}: TFOpLambda second operand ${JSON.stringify(y).slice(0, 60)} is not a constant (another layer's output is not supported)`);
}

interface NormalizationArgs {
  name?: string;
  axis?: number | number[] | null;
  mean?: number | number[] | null;
  variance?: number | number[] | null;
  invert?: boolean;
  trainable?: boolean;
  dtype?: string;
}

export class Normalization extends tfl.layers.Layer {
  static readonly className = 'Normalization';
  private readonly axis: number | number[] | null;
  private readonly invert: boolean;
  private readonly configMean: number | number[] | null;
  private readonly configVariance: number | number[] | null;
  private meanVar?: tfl.LayerVariable;
  private varianceVar?: tfl.LayerVariable;

  constructor(args: NormalizationArgs) {
    super({ name: args.name, trainable: args.trainable, dtype: args.dtype as tf.DataType | undefined });
    this.axis = args.axis === undefined ? -1 : args.axis;
    this.invert = args.invert ?? false;
    this.configMean = args.mean ?? null;
    this.configVariance = args.variance ?? null;
    if ((this.configMean === null) !== (this.configVariance === null)) {
      throw new PrintshotError('bad-model', `layer ${this.name}: Normalization needs both mean and variance in its config, or neither`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const rank = shape.length;
    const axes = (this.axis === null ? [] : Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a));
    if (axes.length !== 1 || axes[0] !== rank - 1) {
      throw new PrintshotError('bad-model', `layer ${this.name}: Normalization over axis ${JSON.stringify(this.axis)} is not supported (only the channel axis, ${rank - 1})`);
    }
    const channels = shape[rank - 1] as number;
    if (this.configMean === null) {
      this.meanVar = this.addWeight('mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
      this.varianceVar = this.addWeight('variance', [channels], 'float32', tfl.initializers.ones(), undefined, false);
      this.addWeight('count', [], 'int32', tfl.initializers.zeros(), undefined, false);
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [mean, variance] = this.statistics();
      const std = tf.maximum(tf.sqrt(variance), 1e-7);
      return this.invert ? tf.add(tf.mul(x, std), mean) : tf.div(tf.sub(x, mean), std);
    });
  }

  /** Mean and variance, broadcastable over the channel axis. */
  statistics(): [tf.Tensor, tf.Tensor] {
    if (this.meanVar && this.varianceVar) return [this.meanVar.read(), this.varianceVar.read()];
    return [tf.tensor(this.configMean as number | number[]), tf.tensor(this.configVariance as number | number[])];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis, mean: this.configMean, variance: this.configVariance, invert: this.invert };
  }
}

interface GlobalPoolingArgs {
  name?: string;
  keepdims?: boolean;
  dataFormat?: 'channelsFirst' | 'channelsLast';
  trainable?: boolean;
  dtype?: string;
}

/** Keras' GlobalPooling2D, keepdims included. */
abstract class GlobalPooling2D extends tfl.layers.Layer {
  readonly keepdims: boolean;
  readonly dataFormat: 'channelsFirst' | 'channelsLast';
  protected abstract reduce(x: tf.Tensor, axes: number[], keep: boolean): tf.Tensor;

  constructor(args: GlobalPoolingArgs = {}) {
    super({ name: args.name, trainable: args.trainable, dtype: args.dtype as tf.DataType | undefined });
    this.keepdims = args.keepdims ?? false;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.inputSpec = [new tfl.InputSpec({ ndim: 4 })];
  }

  private get axes(): number[] {
    return this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.keepdims) return s.map((d, i) => (this.axes.includes(i) ? 1 : d));
    return [s[0], this.dataFormat === 'channelsLast' ? s[3] : s[1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.reduce(Array.isArray(inputs) ? inputs[0] : inputs, this.axes, this.keepdims));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalAveragePooling2D';
  protected reduce(x: tf.Tensor, axes: number[], keep: boolean) {
    return tf.mean(x, axes, keep);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalMaxPooling2D';
  protected reduce(x: tf.Tensor, axes: number[], keep: boolean) {
    return tf.max(x, axes, keep);
  }
}

/** Activations registered under tfjs-layers' camel-cased names of the Keras ones. */
abstract class CompatActivation extends tf.serialization.Serializable {
  abstract apply(x: tf.Tensor): tf.Tensor;
  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
const hardSwish = (x: tf.Tensor) => tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)));
class HardSwish extends CompatActivation {
  static readonly className = 'hardSwish';
  apply = hardSwish;
}
class HardSilu extends CompatActivation {
  static readonly className = 'hardSilu';
  apply = hardSwish;
}
class Silu extends CompatActivation {
  static readonly className = 'silu';
  apply = (x: tf.Tensor) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

let registered = false;

/** Registers the classes above with tfjs' serialization map; safe to call any number of times. */
export function registerKerasCompat(): void {
  if (registered) return;
  registered = true;
  for (const cls of [TFOpLambda, Normalization, GlobalAveragePooling2D, GlobalMaxPooling2D, HardSwish, HardSilu, Silu]) {
    tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  }
}
