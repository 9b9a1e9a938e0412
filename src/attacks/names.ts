/**
 * The one display name of an attack run: its method id, as typed after `--method`, and its eps
 * on the 0..255 scale, e.g. 'fgsm eps=16'. The CLI, the workbench, sheets' headers and the report
 * all show this, so a run reads the same wherever it appears (it was 'fgsm eps 16', 'fast eps=16'
 * and 'fgsm eps=16' before). The paper's method names ('fast', 'iter. basic') remain only as
 * legends of the paper's figures, where no eps is attached.
 *
 * Pure (no Node, no tfjs): the renderer imports it too.
 */

/**
 * Every attack id, closed: AttackDescriptor.id must be one, so an attack added to the registry
 * (src/attacks/registry.ts) is added here too. Kept in this import-free file so the renderer
 * can use the union.
 */
export const ATTACK_IDS = ['fgsm', 'bim', 'illc', 'pgd', 'mifgsm', 'cw-l2', 'cw-l0', 'cw-linf', 'lbfgs', 'eot-pgd', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'square', 'fab'] as const;
export type AttackId = (typeof ATTACK_IDS)[number];

/** An eps, or parameters that may carry one (the attack request's params). */
export type RunSetting = number | { readonly eps?: unknown } | null | undefined;

function epsOf(setting: RunSetting): number | undefined {
  const eps = typeof setting === 'object' && setting !== null ? setting.eps : setting;
  return typeof eps === 'number' && Number.isFinite(eps) ? eps : undefined;
}

/** 'fgsm eps=16'; just the method when the setting has no eps (an unbounded attack). */
export function runDisplayName(method: string, setting?: RunSetting): string {
  const eps = epsOf(setting);
  return eps === undefined ? method : `${method} eps=${eps}`;
}
