#!/usr/bin/env node
// Prints the dependency graph between src/ modules (module -> modules, with import counts) and exits 1 on a
// runtime cycle. Type-only imports are erased by the compiler, so they cannot form a load-order cycle and are
// listed apart; dynamic import() is a runtime edge. The parsing and resolution live here so the architecture
// tests walk the same graph this script prints.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTS = ['.ts', '.mts', '.vue', '.js', '.mjs'];

/** Source text a module's imports are read from: for a .vue file, its <script> blocks. */
function scriptText(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function allTypeOnly(clause) {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const b = clause.namedBindings;
  // `import { type A, type B } from` erases entirely; a default or namespace binding keeps it.
  return !clause.name && !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

/** Every import of a file: { spec, typeOnly, dynamic }. */
export function parseImports(file) {
  const sf = ts.createSourceFile(file, scriptText(file), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: allTypeOnly(node.importClause), dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.exportClause;
      const typeOnly = node.isTypeOnly || (!!c && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly));
      out.push({ spec: node.moduleSpecifier.text, typeOnly, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ spec: arg.text, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The file a relative specifier names (extension or /index optional), or null for a package or a missing file. */
export function resolveRelative(fromFile, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), spec);
  const stripped = base.replace(/\.(m?js)$/, '');
  const candidates = [base, ...EXTS.map((e) => stripped + e), ...EXTS.map((e) => path.join(base, 'index' + e))];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

export function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (/\.(ts|mts|vue)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The src module a file belongs to (its first folder under src/), or null outside src/. */
export function moduleOf(file, root = ROOT) {
  const rel = path.relative(path.join(root, 'src'), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const [first] = rel.split(path.sep);
  return first.includes('.') ? null : first;
}

/** Module graph of src/: Map<module, Map<target, { runtime, typeOnly }>> counting import statements. */
export function moduleGraph(root = ROOT) {
  const graph = new Map();
  for (const file of listFiles(path.join(root, 'src'))) {
    const from = moduleOf(file, root);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const imp of parseImports(file)) {
      const target = resolveRelative(file, imp.spec);
      const to = target && moduleOf(target, root);
      if (!to || to === from) continue;
      const edges = graph.get(from);
      const e = edges.get(to) ?? { runtime: 0, typeOnly: 0 };
      if (imp.typeOnly) e.typeOnly += 1;
      else e.runtime += 1;
      edges.set(to, e);
    }
  }
  return graph;
}

/** Strongly connected components of the runtime edges with more than one module: each one is a cycle. */
export function runtimeCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const strong = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const [w, e] of graph.get(v) ?? []) {
      if (e.runtime === 0) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return cycles;
}

function main() {
  const graph = moduleGraph();
  for (const from of [...graph.keys()].sort()) {
    const edges = [...graph.get(from)].sort(([a], [b]) => a.localeCompare(b));
    const runtime = edges.filter(([, e]) => e.runtime > 0).map(([to, e]) => `${to} (${e.runtime})`);
    const typeOnly = edges.filter(([, e]) => e.runtime === 0).map(([to, e]) => `${to} (${e.typeOnly})`);
    const tail = typeOnly.length ? `   types only: ${typeOnly.join(', ')}` : '';
    console.log(`${from.padEnd(13)}-> ${runtime.join(', ') || '(none)'}${tail}`);
  }
  const cycles = runtimeCycles(graph);
  if (cycles.length === 0) {
    console.log(`\n${graph.size} modules, no runtime cycles.`);
    return;
  }
  for (const c of cycles) console.error(`runtime cycle between modules: ${c.join(' <-> ')}`);
  console.error('Fix: move the shared piece into the lower module, or make the back edge `import type`.');
  process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
