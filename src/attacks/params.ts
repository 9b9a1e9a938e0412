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
    ? `unknown parameter(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; accepted: ${paramNames(attack).join(', ')}`
    : issue.message;
  throw new PrintshotError('bad-argument', `${attack.id}: ${where}${message}`);
}

/** The parameter names an attack's schema accepts (every descriptor's schema is a strict object). */
export function paramNames(attack: AttackDescriptor): string[] {
  const shape = (attack.params as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** The CLI's attack-independent budget: optimiser steps, and values of the trade-off constant c. */
export interface AttackBudget {
  /** Steps per search stage (C&W, L-BFGS: maxIterations) or in all (iterative attacks: iterations). */
  readonly steps?: number;
  /** Values of c searched: binarySteps (C&W-L2, L-BFGS), or the c schedule's length (C&W-L0/L∞). */
  readonly binarySteps?: number;
}

/**
 * Writes a budget into an attack's own parameters, so `--steps 5 --binary-steps 2` means the same
 * thing for every method and the manifest records the attack's real parameter names. C&W-L0 and
 * L∞ grow c geometrically (×constFactor from initialConst up to largestConst) instead of a binary
 * search; there N values of c is largestConst = initialConst·constFactor^(N−1).
 */
export function applyBudget(attack: AttackDescriptor, raw: Record<string, unknown>, budget: AttackBudget): Record<string, unknown> {
  const names = paramNames(attack);
  const out = { ...raw };
  // `--iterations` on an attack whose steps are per stage is what a user means by --steps.
  if (out.iterations !== undefined && !names.includes('iterations') && names.includes('maxIterations')) {
    budget = { ...budget, steps: budget.steps ?? Number(out.iterations) };
    delete out.iterations;
  }
  const set = (key: string, value: number, flag: string) => {
    if (out[key] !== undefined && out[key] !== value) {
      throw new PrintshotError('bad-argument', `${attack.id}: ${flag} ${value} contradicts ${key} ${String(out[key])}`);
    }
    out[key] = value;
  };
  if (budget.steps !== undefined) {
    const key = names.includes('maxIterations') ? 'maxIterations' : names.includes('iterations') ? 'iterations' : undefined;
    if (!key) throw new PrintshotError('bad-argument', `${attack.id}: --steps does not apply (a single-step attack); accepted: ${names.join(', ')}`);
    set(key, budget.steps, '--steps');
  }
  if (budget.binarySteps !== undefined) {
    const n = budget.binarySteps;
    if (!Number.isInteger(n) || n < 1) throw new PrintshotError('bad-argument', `${attack.id}: --binary-steps must be a whole number ≥ 1`);
    if (names.includes('binarySteps')) set('binarySteps', n, '--binary-steps');
    else if (names.includes('largestConst') && names.includes('constFactor')) {
      const p = parseAttackParams(attack, out) as { initialConst: number; constFactor: number };
      // The slack keeps the N-th value, reached by repeated multiplication, at or under the cap.
      set('largestConst', p.initialConst * p.constFactor ** (n - 1) * (1 + 1e-9), '--binary-steps');
    } else {
      throw new PrintshotError('bad-argument', `${attack.id}: --binary-steps does not apply (no search over c); accepted: ${names.join(', ')}`);
    }
  }
  return out;
}

/** Values of c a geometric schedule visits: initialConst·constFactor^k ≤ largestConst, k = 0, 1, … */
export function constStages(p: { initialConst: number; constFactor: number; largestConst: number }): number {
  return Math.floor(Math.log(p.largestConst / p.initialConst) / Math.log(p.constFactor) + 1e-9) + 1;
}

/**
 * Kurakin et al. p.4: iterations = min(eps + 4, 1.25·eps). The formula is fractional for
 * eps = 2 (2.5) and the paper gives no rounding rule; we round UP (2.5 → 3) so the iterate
 * always has at least the paper's budget to reach the ball boundary. eps 4 → 5, 8 → 10, 16 → 20.
 */
export function bimIterations(eps: number): number {
  return Math.ceil(Math.min(eps + 4, 1.25 * eps) - 1e-9);
}
