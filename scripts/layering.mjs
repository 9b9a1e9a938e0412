// The module map of docs/architecture.md as data, and the ESLint rule that enforces it
// (printshot/layering, wired in eslint.config.js). scripts/deps-graph.mjs and
// test/unit/architecture/* read the same map, so the doc, the lint and the tests cannot drift.
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * Pure core modules: no Node, no DOM; compiled by tsconfig.pure.json. Their Node I/O lives in
 * node/ subfolders (src/<module>/node/**), which only Node code may import.
 * `allow`: modules a file may import; `types`: modules it may import only with `import type`;
 * `nodeAllow`: extra modules its node/ files may import.
 */
export const PURE = {
  shared: { allow: [] },
  contract: { allow: ['shared'] },
  kernels: { allow: [] },
  metrics: { allow: ['shared'] },
  transforms: { allow: ['shared'] },
  inference: { allow: ['shared'], types: ['model'] },
  model: { allow: ['inference', 'kernels', 'shared'] },
  sheets: { allow: ['shared'], nodeAllow: ['images'] },
  attacks: { allow: ['inference', 'kernels', 'shared', 'transforms'], types: ['model'] },
  registration: { allow: ['shared', 'sheets'] },
  simulate: { allow: ['registration', 'shared', 'sheets', 'transforms'] },
  calibration: { allow: ['registration', 'shared', 'sheets'], nodeAllow: ['images', 'workspace'] },
  patches: { allow: ['attacks', 'inference', 'kernels', 'metrics', 'shared', 'transforms'], types: ['model'] },
  // The GPU compute context's core (docs/gpu.md): runs in renderer/src/compute's Web Worker.
  compute: { allow: ['attacks', 'inference', 'kernels', 'model', 'shared', 'transforms'] },
};

/** Edge modules: Node code (files, processes, servers, sharp). */
export const EDGE = {
  images: { allow: ['shared'] },
  workspace: { allow: ['images', 'metrics', 'shared'] },
  zoo: { allow: ['shared', 'workspace'], types: ['model'] },
  parallel: { allow: ['attacks', 'model', 'shared', 'transforms'] },
  reports: { allow: ['attacks', 'images', 'inference', 'metrics', 'model', 'registration', 'shared', 'sheets', 'transforms', 'workspace'] },
};

/** The use-case and adapter layers, top to bottom: each may import everything below it. */
export const ORCHESTRATION = ['cli', 'serve', 'engine', 'services'];

/** Everything a module may import (runtime), and what it may import only as types. */
export function moduleRules() {
  const rules = {};
  for (const [m, r] of Object.entries({ ...PURE, ...EDGE })) rules[m] = { allow: r.allow, types: r.types ?? [], nodeAllow: r.nodeAllow ?? [] };
  const base = [...Object.keys(PURE), ...Object.keys(EDGE)];
  ORCHESTRATION.forEach((m, i) => {
    rules[m] = { allow: [...base, ...ORCHESTRATION.slice(i + 1)], types: [], nodeAllow: [] };
  });
  return rules;
}

/** Packages the pure core may load: they run unchanged in a browser. */
export const PURE_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  // Only src/compute loads it (in the compute context's worker); Node never does.
  '@tensorflow/tfjs-backend-webgl',
  'zod',
  'qrcode/lib/core/qrcode.js',
  'zxing-wasm/reader',
];

/** Browser-safe leaf files of the core that the renderer may import besides src/contract. */
export const RENDERER_SRC = [
  'src/attacks/names.ts',
  'src/metrics/masking.ts',
  'src/shared/errors.ts',
  'src/shared/folder-kinds.ts',
  'src/registration/homography.ts',
  'src/sheets/geometry.ts',
  'src/sheets/payload.ts',
  'src/sheets/types.ts',
];

/**
 * The compute context (renderer/src/compute, docs/gpu.md): a Web Worker that runs attacks on
 * tfjs-backend-webgl. It may load tfjs and, from src/, the pure src/compute, src/shared and
 * src/contract; the rest of the renderer reaches it only through these files, which load no tfjs.
 */
export const COMPUTE_DIR = 'renderer/src/compute/';
export const COMPUTE_SRC_MODULES = ['compute', 'shared', 'contract'];
export const COMPUTE_PUBLIC = ['renderer/src/compute/client.ts', 'renderer/src/compute/protocol.ts'];

/** The preload's only runtime import from src/ (plus `import type` from src/contract). */
export const PRELOAD_SRC = ['src/contract/names.ts'];

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const EXTS = ['.ts', '.mts', '.vue', '.js', '.mjs'];

export function isNodeBuiltin(spec) {
  return spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]) || NODE_BUILTINS.has(spec);
}

/** Where a file sits: { zone: 'src' | 'renderer' | 'preload' | 'electron' | 'other', module?, nodeFile? }. */
export function zoneOf(file, root) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  if (rel.startsWith('src/')) {
    const parts = rel.split('/');
    if (parts.length < 3) return { zone: 'other', rel };
    return { zone: 'src', module: parts[1], nodeFile: parts.slice(2, -1).includes('node'), rel };
  }
  if (rel.startsWith(COMPUTE_DIR)) return { zone: 'compute', rel };
  if (rel.startsWith('renderer/')) return { zone: 'renderer', rel };
  if (rel.startsWith('electron/preload/')) return { zone: 'preload', rel };
  if (rel.startsWith('electron/')) return { zone: 'electron', rel };
  return { zone: 'other', rel };
}

/** The repository-relative file a relative specifier names ('src/x/y.ts'), guessing the extension. */
function targetOf(file, spec, root, exists) {
  const base = path.resolve(path.dirname(file), spec);
  const stripped = base.replace(/\.(m?js)$/, '');
  const found = [base, ...EXTS.map((e) => stripped + e), ...EXTS.map((e) => path.join(base, 'index' + e))].find(exists);
  return path.relative(root, found ?? `${stripped}.ts`).split(path.sep).join('/');
}

/**
 * The layering verdict for one import: a message when it breaks a rule, else null.
 * `typeOnly`: the whole import is erased at compile time.
 */
export function checkImport({ file, spec, typeOnly, root, exists }) {
  const from = zoneOf(file, root);
  if (from.zone === 'other' || from.zone === 'electron') return null;
  const relative = spec.startsWith('.');
  const target = relative ? targetOf(file, spec, root, exists) : null;
  const to = target ? zoneOf(path.join(root, target), root) : null;

  if (from.zone === 'compute') {
    if (!relative) {
      if (isNodeBuiltin(spec) || /^(sharp|pdfkit|electron|vue|pinia)(\/|$)/.test(spec)) return `the compute context is a Web Worker: it must not import '${spec}'`;
      return null;
    }
    if (to.zone === 'src' && (to.nodeFile || !COMPUTE_SRC_MODULES.includes(to.module))) {
      return `the compute context may import src/${COMPUTE_SRC_MODULES.join(', src/')} (no node/ files), not ${target}`;
    }
    if (to.zone === 'renderer' || to.zone === 'electron' || to.zone === 'preload') return `the compute context is self-contained: it must not import ${target}`;
    return null;
  }
  if (from.zone === 'renderer') {
    if (to?.zone === 'compute' && !COMPUTE_PUBLIC.includes(target)) {
      return `the renderer reaches the compute context only through ${COMPUTE_PUBLIC.join(', ')}, not ${target}`;
    }
    if (!relative) {
      if (isNodeBuiltin(spec) || /^(@tensorflow\/|sharp$|pdfkit$|electron$)/.test(spec)) return `the renderer is browser code: it must not import '${spec}'`;
      return null;
    }
    if (to.zone === 'src' && to.module !== 'contract' && !RENDERER_SRC.includes(target)) {
      return `the renderer may import src/contract and the browser-safe files ${RENDERER_SRC.join(', ')}, not ${target}`;
    }
    if (to.zone === 'electron' || to.zone === 'preload') return 'the renderer reaches main only through the Bridge, never electron/';
    return null;
  }
  if (from.zone === 'preload') {
    if (!relative) return spec === 'electron' ? null : `the preload imports only 'electron' and src/contract, not '${spec}'`;
    if (to.zone === 'src' && !(PRELOAD_SRC.includes(target) || (typeOnly && to.module === 'contract'))) {
      return `the preload imports only ${PRELOAD_SRC.join(', ')} (and types from src/contract), not ${target}`;
    }
    if (to.zone === 'renderer') return 'the preload must not import the renderer';
    return null;
  }

  // src/: a module may import its own files, and the modules its rules allow.
  const rules = moduleRules()[from.module];
  const pure = from.module in PURE && !from.nodeFile;
  if (!relative) {
    if (spec === 'electron' || /^(vue|pinia)(\/|$)/.test(spec)) return `src/ must not import '${spec}': Electron and the UI stay outside the core`;
    if (pure && !PURE_PACKAGES.includes(spec)) {
      const what = isNodeBuiltin(spec) ? 'a Node built-in' : 'a package outside the pure allowlist';
      return `src/${from.module} is pure: '${spec}' is ${what}; move the I/O into src/${from.module}/node/ (allowed: ${PURE_PACKAGES.join(', ')})`;
    }
    return null;
  }
  if (to.zone === 'renderer' || to.zone === 'electron' || to.zone === 'preload') return `src/ must not import ${to.zone === 'renderer' ? 'renderer/' : 'electron/'}`;
  if (to.zone !== 'src') return null;
  if (pure && to.nodeFile) return `src/${from.module} is pure: it must not import ${target}, a Node file`;
  if (!rules) return `src/${from.module} is not in the module map (scripts/layering.mjs, docs/architecture.md)`;
  if (to.module === from.module) return null;
  const allowed = [...rules.allow, ...(from.nodeFile ? rules.nodeAllow : [])];
  if (allowed.includes(to.module)) return null;
  if (typeOnly && rules.types.includes(to.module)) return null;
  if (rules.types.includes(to.module)) return `src/${from.module} may import src/${to.module} only with \`import type\` (a runtime edge would make a cycle)`;
  return `src/${from.module} may not import src/${to.module} (allowed: ${allowed.join(', ') || 'none'})`;
}

function typeOnlyImport(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specs = node.specifiers ?? [];
  return specs.length > 0 && specs.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

/** ESLint plugin: printshot/layering checks every import, export-from and literal import(). */
export function layeringPlugin(root, exists) {
  const rule = {
    meta: { type: 'problem', docs: { description: 'module map of docs/architecture.md' }, schema: [] },
    create(context) {
      const file = context.filename;
      const report = (node, source, typeOnly) => {
        if (!source || typeof source.value !== 'string') return;
        const message = checkImport({ file, spec: source.value, typeOnly, root, exists });
        if (message) context.report({ node: source, message });
      };
      return {
        ImportDeclaration: (node) => report(node, node.source, typeOnlyImport(node)),
        ExportNamedDeclaration: (node) => report(node, node.source, typeOnlyImport(node)),
        ExportAllDeclaration: (node) => report(node, node.source, node.exportKind === 'type'),
        ImportExpression: (node) => report(node, node.source.type === 'Literal' ? node.source : null, false),
      };
    },
  };
  return { rules: { layering: rule } };
}
