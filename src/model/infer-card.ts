/**
 * Reading model-card.json, and guessing one from the model when it is missing. Every guess is
 * recorded as a plain-language assumption so the UI and CLI can show what Printshot took for
 * granted (a wrong pixel range silently wrecks accuracy, so it must never be invisible).
 */
import { ModelCardSchema, type ModelCard } from './card';
import type { InputSpec } from './classifier';
import { PrintshotError } from '../shared';

/** Parses and validates model-card.json; errors are one line naming the offending field. */
export function parseCard(text: string | Uint8Array, label: string): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text));
  } catch (e) {
    throw new PrintshotError('bad-model', `${label} is not valid JSON: ${(e as Error).message}`);
  }
  return validateCard(json, label);
}

export function validateCard(json: unknown, label: string): ModelCard {
  const result = ModelCardSchema.safeParse(json);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const field = first.path.length > 0 ? first.path.join('.') : '(root)';
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  // Zod's union message is just "Invalid input"; the offending value makes it actionable.
  const got = first.code === 'invalid_union' ? ` (got ${JSON.stringify(valueAt(json, first.path))})` : '';
  throw new PrintshotError('bad-model', `${label}: ${field}: ${first.message}${got}${more}`, 'see docs/model-card.md for the format');
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), json);
}

/** [batch, height, width, channels] as the model declares it; null where unknown. */
export type ModelInputShape = readonly (number | null)[];

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

/** Rejects non-image inputs; returns H, W, C (null where the model leaves them open). */
function imageDims(shape: ModelInputShape, label: string): [number | null, number | null, number | null] {
  if (shape.length !== 4) {
    throw new PrintshotError('bad-model', `${label}: model input must be an image [batch, height, width, channels]; got ${formatShape(shape)}`);
  }
  return [shape[1], shape[2], shape[3]];
}

/** Card input vs. the model's declared input, dimension by dimension where the model fixes it. */
export function checkInputShape(input: InputSpec, shape: ModelInputShape, label: string): void {
  const dims = imageDims(shape, label);
  const want = [input.height, input.width, input.channels];
  if (dims.some((d, i) => d !== null && d !== want[i])) {
    throw new PrintshotError(
      'bad-model',
      `input shape mismatch: model-card.json says ${want.join('x')} but the model takes ${dims.map((d) => d ?? '?').join('x')} (height x width x channels)`,
    );
  }
}

/** Input size from the model when there is no card. */
export function inferInput(shape: ModelInputShape, label: string, assumptions: string[]): InputSpec {
  const [h, w, c] = imageDims(shape, label);
  if (h === null || w === null || c === null) {
    throw new PrintshotError(
      'bad-model',
      `cannot infer the input size: the model's input shape is ${formatShape(shape)}`,
      'add a model-card.json with input.height, input.width and input.channels',
    );
  }
  if (c !== 1 && c !== 3) {
    throw new PrintshotError('bad-model', `model takes ${c}-channel images; Printshot supports 1 (grayscale) or 3 (RGB)`);
  }
  assumptions.push(`input ${h}x${w}x${c} taken from the model's input shape`);
  return { height: h, width: w, channels: c };
}

export interface InferredCardParts {
  name: string;
  input: InputSpec;
  classes: number;
  outputs: 'logits' | 'probabilities';
  /** Why `outputs` was decided, e.g. "last layer dense_2 has softmax activation". */
  outputsWhy: string;
}

/** Completes a card for a model without one. Pushes the remaining assumptions. */
export function inferCard(parts: InferredCardParts, assumptions: string[]): ModelCard {
  const labels = Array.from({ length: parts.classes }, (_, i) => `class_${i}`);
  assumptions.push(`labels class_0..class_${parts.classes - 1} (no class names known)`);
  assumptions.push('pixel range 0-1 with no mean/std normalisation');
  assumptions.push(
    parts.outputs === 'probabilities' ? `outputs are probabilities (${parts.outputsWhy}); logits are taken from before the softmax` : `outputs are logits (${parts.outputsWhy})`,
  );
  return validateCard(
    {
      schemaVersion: 1,
      name: parts.name,
      description: 'inferred by Printshot: no model-card.json was found',
      labels,
      input: parts.input,
      range: '0-1',
      outputs: parts.outputs,
    },
    'inferred model card',
  );
}
