/**
 * Parameter schema pieces shared by the attack descriptors, and the one place that turns a zod
 * failure into a one-line PrintshotError ("bim: eps: must be at most 255").
 */
import { z } from 'zod';
import { PrintshotError } from '../shared';
import type { AttackDescriptor, TargetMode } from './types';

export const epsSchema = z
  .number({ error: 'eps must be a number on the 0..255 scale' })
  .min(0, 'must be at least 0')
  .max(255, 'must be at most 255')
  .describe('L∞ radius on the 0..255 intensity scale');

export const stepSchema = z
  .number()
  .positive('must be greater than 0')
  .max(255, 'must be at most 255')
  .describe('step size on the 0..255 intensity scale');

export const iterationsSchema = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be at least 0')
  .max(10_000, 'must be at most 10000')
  .describe('number of gradient steps');

export const targetSchema = z
  .union([z.enum(['untargeted', 'least-likely', 'random']), z.number().int().min(0)])
  .default('untargeted')
  .describe("'untargeted', 'least-likely', 'random' or a class index") as z.ZodType<TargetMode>;

export function parseAttackParams<P>(attack: AttackDescriptor<P>, raw: unknown): P {
  const result = attack.params.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  const message = issue.code === 'unrecognized_keys'
    ? `unknown parameter(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    : issue.message;
  throw new PrintshotError('bad-argument', `${attack.id}: ${where}${message}`);
}

/**
 * Kurakin et al. p.4: iterations = min(eps + 4, 1.25·eps). The formula is fractional for
 * eps = 2 (2.5) and the paper gives no rounding rule; we round UP (2.5 → 3) so the iterate
 * always has at least the paper's budget to reach the ball boundary. eps 4 → 5, 8 → 10, 16 → 20.
 */
export function bimIterations(eps: number): number {
  return Math.ceil(Math.min(eps + 4, 1.25 * eps) - 1e-9);
}
