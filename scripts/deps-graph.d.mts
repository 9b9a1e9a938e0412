// Types for scripts/deps-graph.mjs, imported by test/unit/architecture/*.
export interface ImportRef {
  spec: string;
  typeOnly: boolean;
  dynamic: boolean;
}
export interface EdgeCount {
  runtime: number;
  typeOnly: number;
}
export function parseImports(file: string): ImportRef[];
export function resolveRelative(fromFile: string, spec: string): string | null;
export function listFiles(dir: string): string[];
export function moduleOf(file: string, root?: string): string | null;
export function moduleGraph(root?: string): Map<string, Map<string, EdgeCount>>;
export function runtimeCycles(graph: Map<string, Map<string, EdgeCount>>): string[][];
