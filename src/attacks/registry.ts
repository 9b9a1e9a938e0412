/**
 * The attack registry: one descriptor per method. The CLI, the IPC contract and the UI form
 * generator all read from here, so adding an attack is adding one file and one line.
 */
import type { z } from 'zod';
import { PrintshotError } from '../shared';
import { apgdCe, apgdDlr } from './apgd';
import { apgdT } from './apgd-t';
import { bim } from './bim';
import { cwL0 } from './cw-l0';
import { cwL2 } from './cw-l2';
import { cwLinf } from './cw-linf';
import { eotPgd } from './eot';
import { fab } from './fab';
import { fgsm } from './fgsm';
import { illc } from './illc';
import { lbfgs } from './lbfgs';
import { mifgsm } from './mifgsm';
import { pgd } from './pgd';
import { square } from './square';
import { runDisplayName, type AttackId } from './names';
import { parseAttackParams } from './params';
import type { AttackDescriptor } from './types';

/** Each descriptor by its id: `satisfies` makes the registry cover exactly the AttackId union (a test checks each key is its descriptor's id). */
const descriptors = {
  fgsm,
  bim,
  illc,
  pgd,
  mifgsm,
  'cw-l2': cwL2,
  'cw-l0': cwL0,
  'cw-linf': cwLinf,
  lbfgs,
  'eot-pgd': eotPgd,
  'apgd-ce': apgdCe,
  'apgd-dlr': apgdDlr,
  'apgd-t': apgdT,
  square,
  fab,
} satisfies Record<AttackId, AttackDescriptor>;

/** The parsed parameters of attack `Id`, as its zod schema gives them (defaults filled in). */
export type AttackParams<Id extends AttackId> = z.infer<(typeof descriptors)[Id]['params']>;

/** A registered attack: its descriptor plus how its runs are identified and named. */
export interface RegisteredAttack<P = any> extends AttackDescriptor<P> {
  /**
   * The canonical string of a run's settings: the id and the parsed parameters (defaults spelled
   * out, in schema order). Two requests are the same run exactly when their keys are equal (run
   * reuse and resume match on it); throws the parameter error for invalid params.
   */
  runKey(params: unknown): string;
  /** The eps a run is indexed and its folder named by (runs/<method>-eps<eps>-…); 0 when absent. */
  runEps(params: unknown): number;
  /** The one display name, e.g. 'fgsm eps=16' (names.ts). */
  displayName(params: unknown): string;
}

function registered<P>(d: AttackDescriptor<P>): RegisteredAttack<P> {
  return {
    ...d,
    runKey: (params) => `${d.id} ${JSON.stringify(parseAttackParams(d, params))}`,
    runEps: (params) => Number((params as { eps?: unknown } | null | undefined)?.eps ?? 0),
    displayName: (params) => runDisplayName(d.id, params as { eps?: unknown } | null | undefined),
  };
}

export const attackRegistry: readonly RegisteredAttack[] = Object.values(descriptors).map((d) => registered(d as AttackDescriptor));

/** The paper's own names, accepted on the command line. */
const aliases: Record<string, string> = { fast: 'fgsm', 'iter-basic': 'bim', basic: 'bim', 'll-class': 'illc' };

export function getAttack(id: string): RegisteredAttack {
  const key = aliases[id] ?? id;
  const found = attackRegistry.find((a) => a.id === key);
  if (!found) {
    const known = attackRegistry.map((a) => a.id).join(', ');
    throw new PrintshotError('unknown-method', `unknown attack method '${id}'; known: ${known}`);
  }
  return found;
}
