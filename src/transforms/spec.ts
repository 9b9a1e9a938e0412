/**
 * Text specs for transforms, as typed on the command line:
 *   "gaussian-blur"                 -> defaults
 *   "gaussian-blur:sigma=1.5"       -> one setting
 *   "jpeg:quality=10,30,50"         -> a list
 *   "jpeg:quality=10..100:10"       -> an inclusive range with a step (the token after a range)
 *   "jpeg:sweep"                    -> the paper grid for the transform's sweep parameter
 * Several parameters are separated by ':' and combine as a cartesian product (first varies slowest).
 */
import { PrintshotError } from '../shared';
import { getTransform, parseTransformParams } from './registry';
import type { TransformSpec } from './types';

/** Most values a single spec may expand to, so a typo like 0..100:0.0001 fails fast. */
const MAX_VALUES = 10_000;

function bad(spec: string, why: string): PrintshotError {
  return new PrintshotError(
    'bad-argument',
    `bad transform spec '${spec}': ${why}`,
    "use id, id:name=value, id:name=a,b,c, id:name=from..to:step or id:sweep (e.g. 'jpeg:quality=10..100:10')",
  );
}

function num(spec: string, text: string): number {
  const t = text.trim();
  const v = Number(t);
  if (t === '' || !Number.isFinite(v)) throw bad(spec, `'${text}' is not a number`);
  return v;
}

/** from..to inclusive with step, without float drift (0.4..2:0.4 gives exactly 0.4, 0.8, ..., 2). */
export function rangeValues(from: number, to: number, step: number): number[] {
  if (!(step > 0)) throw new RangeError(`step must be > 0 (got ${step})`);
  if (from > to) throw new RangeError(`range start ${from} is above its end ${to}`);
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > MAX_VALUES) throw new RangeError(`range gives ${count} values (max ${MAX_VALUES})`);
  return Array.from({ length: count }, (_, i) => Math.round((from + i * step) * 1e10) / 1e10);
}

export function parseTransformSpec(spec: string): TransformSpec[] {
  const tokens = spec.trim().split(':');
  const desc = getTransform(tokens[0].trim());
  const values = new Map<string, number[]>();
  const set = (name: string, vs: number[]): void => {
    if (values.has(name)) throw bad(spec, `parameter '${name}' given twice`);
    values.set(name, vs);
  };
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i].trim();
    if (t === 'sweep') {
      set(desc.sweepParam, [...desc.sweep]);
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) throw bad(spec, `unexpected '${t}'`);
    const name = t.slice(0, eq).trim();
    const value = t.slice(eq + 1);
    if (value.includes('..')) {
      const [a, b, ...rest] = value.split('..');
      if (rest.length) throw bad(spec, `'${value}' is not a range`);
      const stepText = tokens[i + 1];
      if (stepText === undefined || stepText.includes('=') || stepText.trim() === 'sweep') {
        throw bad(spec, `range '${value}' needs a step, e.g. ${name}=${value}:<step>`);
      }
      i++;
      try {
        set(name, rangeValues(num(spec, a), num(spec, b), num(spec, stepText)));
      } catch (e) {
        if (e instanceof RangeError) throw bad(spec, e.message);
        throw e;
      }
    } else {
      set(name, value.split(',').map((v) => num(spec, v)));
    }
  }
  // Cartesian product, validated (and defaulted) one combination at a time.
  let combos: Record<string, number>[] = [{}];
  for (const [name, vs] of values) combos = combos.flatMap((c) => vs.map((v) => ({ ...c, [name]: v })));
  return combos.map((raw) => ({ id: desc.id, params: parseTransformParams(desc, raw) }));
}

/** Inverse of parseTransformSpec for one setting: "jpeg:quality=30". Stable key order. */
export function formatTransformSpec(t: TransformSpec): string {
  const parts = Object.keys(t.params)
    .sort()
    .map((k) => `${k}=${t.params[k]}`);
  return [t.id, ...parts].join(':');
}
