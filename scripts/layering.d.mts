// Types for scripts/layering.mjs, imported by test/unit/architecture/*.
export interface ModuleRule {
  allow: string[];
  types?: string[];
  nodeAllow?: string[];
}
export const PURE: Record<string, ModuleRule>;
export const EDGE: Record<string, ModuleRule>;
export const ORCHESTRATION: string[];
export const PURE_PACKAGES: string[];
export const RENDERER_SRC: string[];
export const PRELOAD_SRC: string[];
export function moduleRules(): Record<string, Required<ModuleRule>>;
export function isNodeBuiltin(spec: string): boolean;
