/**
 * Zod building blocks for transform parameters. Every parameter is a finite number with a hard
 * validity range (wider than the paper's Fig. 6 axis, which is only the default sweep) and a
 * default, and every failure message names the parameter and its range so the CLI can print it
 * as is.
 */
import { z } from 'zod';

export interface RangedOptions {
  /** Reject non-integers (JPEG quality). */
  int?: boolean;
  /** Unit shown in messages, e.g. 'intensity levels (0..255 scale)'. */
  unit?: string;
}

export function rangedNumber(name: string, min: number, max: number, def: number, opts: RangedOptions = {}) {
  const unit = opts.unit ? ` ${opts.unit}` : '';
  const range = `${name} must be ${opts.int ? 'an integer ' : 'a number '}between ${min} and ${max}${unit}`;
  let n = z.number({ error: (iss) => `${range} (got ${JSON.stringify(iss.input) ?? String(iss.input)})` });
  if (opts.int) n = n.int({ error: (iss) => `${range} (got ${String(iss.input)})` });
  return n
    .min(min, { error: (iss) => `${range} (got ${String(iss.input)})` })
    .max(max, { error: (iss) => `${range} (got ${String(iss.input)})` })
    .default(def);
}
