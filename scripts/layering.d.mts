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
export const COMPUTE_DIR: string;
export const COMPUTE_SRC_MODULES: string[];
export const COMPUTE_PUBLIC: string[];
export function checkImport(args: { file: string; spec: string; typeOnly: boolean; root: string; exists: (file: string) => boolean }): string | null;
