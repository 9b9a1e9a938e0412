/**
 * The set of known transforms, looked up by id. The order here is the order the paper's Fig. 6
 * panels use, and the order the CLI lists them in. registerTransform() adds one; the EOT
 * distribution's and the simulator's `transforms` stages (ranges.ts) iterate this list.
 */
import { z } from 'zod';
import { PrintshotError } from '../shared';
import { gaussianBlur } from './blur';
import { jpeg } from './jpeg';
import { gaussianNoise } from './noise';
import { brightness, contrast } from './photometric';
import type { TransformDescriptor } from './types';

// Zod schema types are invariant in their output, so a TransformDescriptor<{ delta: number }> is
// not structurally a TransformDescriptor<Record<string, number>>. Erasing P here is sound: every
// caller goes through parseTransformParams, which runs the descriptor's own schema first.
const all = [brightness, contrast, gaussianBlur, gaussianNoise, jpeg] as unknown as TransformDescriptor[];
const byId = new Map(all.map((d) => [d.id, d]));

/** Registered ids, in registry order (kept in step by registerTransform). */
export const transformIds: readonly string[] = all.map((d) => d.id);

/**
 * Adds a transform after the built-in ones. Returns a function that removes it again (tests).
 * An id already registered is a bug in the caller and throws.
 */
export function registerTransform<P extends Record<string, number>>(desc: TransformDescriptor<P>): () => void {
  if (byId.has(desc.id)) throw new Error(`transform '${desc.id}' is already registered`);
  const d = desc as unknown as TransformDescriptor;
  all.push(d);
  byId.set(d.id, d);
  (transformIds as string[]).push(d.id);
  return () => {
    if (byId.get(d.id) !== d) return;
    byId.delete(d.id);
    all.splice(all.indexOf(d), 1);
    (transformIds as string[]).splice(transformIds.indexOf(d.id), 1);
  };
}

export function listTransforms(): readonly TransformDescriptor[] {
  return all;
}

export function getTransform(id: string): TransformDescriptor {
  const d = byId.get(id);
  if (!d) {
    throw new PrintshotError(
      'unknown-transform',
      `unknown transform '${id}'; known: ${transformIds.join(', ')}`,
      'see docs/transforms-and-metrics.md for parameters and ranges',
    );
  }
  return d;
}

/**
 * Validate (and default) raw parameters for a transform. Unknown names and out-of-range values
 * fail with a PrintshotError('bad-argument') naming the transform and the allowed range.
 */
export function parseTransformParams<P extends Record<string, number>>(
  desc: TransformDescriptor<P>,
  raw: Record<string, unknown> = {},
): P {
  const r = desc.params.safeParse(raw);
  if (r.success) return r.data;
  const msgs = r.error.issues.map((iss) => {
    if (iss.code === 'unrecognized_keys') {
      const keys = iss.keys.map((k) => `'${k}'`).join(', ');
      return `unknown parameter ${keys}; ${desc.id} takes: ${paramNames(desc).join(', ')}`;
    }
    return iss.message;
  });
  throw new PrintshotError('bad-argument', `transform '${desc.id}': ${msgs.join('; ')}`);
}

/** Parameter names of a descriptor's zod object schema (all of ours are objects). */
export function paramNames<P extends Record<string, number>>(desc: TransformDescriptor<P>): string[] {
  const s = desc.params as unknown;
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [desc.sweepParam];
}
