/**
 * The attack registry: one descriptor per method. The CLI, the IPC contract and the UI form
 * generator all read from here, so adding an attack is adding one file and one line.
 */
import { PrintshotError } from '../shared';
import { apgdCe, apgdDlr } from './apgd';
import { apgdT } from './apgd-t';
import { bim } from './bim';
import { cwL0 } from './cw-l0';
import { cwL2 } from './cw-l2';
import { cwLinf } from './cw-linf';
import { eotPgd } from './eot';
import { fgsm } from './fgsm';
import { illc } from './illc';
import { lbfgs } from './lbfgs';
import { mifgsm } from './mifgsm';
import { pgd } from './pgd';
import { square } from './square';
import type { AttackDescriptor } from './types';

export const attackRegistry: readonly AttackDescriptor[] = [fgsm, bim, illc, pgd, mifgsm, cwL2, cwL0, cwLinf, lbfgs, eotPgd, apgdCe, apgdDlr, apgdT, square];

/** The paper's own names, accepted on the command line. */
const aliases: Record<string, string> = { fast: 'fgsm', 'iter-basic': 'bim', basic: 'bim', 'll-class': 'illc' };

export function getAttack(id: string): AttackDescriptor {
  const key = aliases[id] ?? id;
  const found = attackRegistry.find((a) => a.id === key);
  if (!found) {
    const known = attackRegistry.map((a) => a.id).join(', ');
    throw new PrintshotError('unknown-method', `unknown attack method '${id}'; known: ${known}`);
  }
  return found;
}
