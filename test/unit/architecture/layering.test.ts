/**
 * printshot/layering (scripts/layering.mjs, wired in eslint.config.js) through ESLint's own API:
 * each rule reports a planted violation, accepts its legal neighbour, and the tree has none.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
let eslint: ESLint;

beforeAll(() => {
  // Only the layering rule: the other rules are not under test and parsing is the slow part.
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.js'), ruleFilter: ({ ruleId }) => ruleId === 'printshot/layering' });
});

/** Layering messages for `code` linted as if it were the file `rel`. */
async function layering(rel: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, rel) });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'printshot/layering').map((m) => m.message);
}

const cases: { rule: string; file: string; bad: string; ok: string; why: RegExp }[] = [
  { rule: 'a pure module imports no Node built-in', file: 'src/attacks/planted.ts', bad: "import { readFile } from 'node:fs/promises';", ok: "import { z } from 'zod';", why: /src\/attacks is pure: 'node:fs\/promises' is a Node built-in/ },
  { rule: 'bare built-in names count too', file: 'src/metrics/planted.ts', bad: "import path from 'path';", ok: "import { log } from '../shared';", why: /'path' is a Node built-in/ },
  { rule: 'a pure module loads only allowlisted packages', file: 'src/transforms/planted.ts', bad: "import sharp from 'sharp';", ok: "import * as tf from '@tensorflow/tfjs-core';", why: /'sharp' is a package outside the pure allowlist/ },
  { rule: 'dynamic import() is checked', file: 'src/attacks/planted.ts', bad: "export const f = () => import('node:fs');", ok: "export const f = () => import('@tensorflow/tfjs-backend-cpu');", why: /'node:fs' is a Node built-in/ },
  { rule: 'a pure module imports no edge module', file: 'src/sheets/planted.ts', bad: "import { sha256 } from '../workspace';", ok: "import { log } from '../shared';", why: /src\/sheets may not import src\/workspace/ },
  { rule: "a pure module imports no other module's node/ file", file: 'src/simulate/planted.ts', bad: "import { sharpJpegCodec } from '../transforms/node/jpeg';", ok: "import { jpeg } from '../transforms/jpeg';", why: /must not import src\/transforms\/node\/jpeg\.ts, a Node file/ },
  { rule: 'a pure module imports not even its own node/ files', file: 'src/model/planted.ts', bad: "export { loadClassifier } from './node/load';", ok: "export { buildClassifier } from './load';", why: /must not import src\/model\/node\/load\.ts/ },
  { rule: 'node/ files may use Node', file: 'src/model/node/planted.ts', bad: "import { runSheetJob } from '../../services/sheet-job';", ok: "import { readFile } from 'node:fs/promises';", why: /src\/model may not import src\/services/ },
  { rule: "node/ files get their module's extra modules only", file: 'src/sheets/node/planted.ts', bad: "import { openExperiment } from '../../workspace';", ok: "import { encodePng } from '../../images/encode';", why: /src\/sheets may not import src\/workspace/ },
  { rule: 'a pure module imports only the modules it lists', file: 'src/metrics/planted.ts', bad: "import { getAttack } from '../attacks';", ok: "import { makeImage8 } from '../shared';", why: /src\/metrics may not import src\/attacks \(allowed: shared\)/ },
  { rule: 'a types-only edge stays type-only', file: 'src/inference/planted.ts', bad: "import { loadClassifierFromMemory } from '../model';", ok: "import type { Classifier } from '../model';", why: /src\/inference may import src\/model only with `import type`/ },
  { rule: 'inline type specifiers count as type-only', file: 'src/attacks/planted.ts', bad: "import { selectBackend, type Classifier } from '../model';", ok: "import { type Classifier } from '../model';", why: /src\/attacks may import src\/model only with `import type`/ },
  { rule: 'edge modules have allowlists too (no images -> workspace cycle)', file: 'src/images/planted.ts', bad: "import { openExperiment } from '../workspace';", ok: "import { atomicWrite } from '../shared/node/atomic';", why: /src\/images may not import src\/workspace/ },
  { rule: 'services never import the adapters above them', file: 'src/services/planted.ts', bad: "import { runEngine } from '../engine/runtime/engine';", ok: "import { loadClassifier } from '../model/node';", why: /src\/services may not import src\/engine/ },
  { rule: 'the engine never imports the CLI', file: 'src/engine/planted.ts', bad: "import { main } from '../cli/main';", ok: "import { runSheetJob } from '../services/sheet-job';", why: /src\/engine may not import src\/cli/ },
  { rule: 'src/ never imports Electron', file: 'src/shared/planted.ts', bad: "import { app } from 'electron';", ok: "import { PrintshotError } from './errors';", why: /src\/ must not import 'electron'/ },
  { rule: 'src/ never imports the renderer', file: 'src/services/planted.ts', bad: "import { useJobs } from '../../renderer/src/stores/jobs';", ok: "import { runSheetJob } from './sheet-job';", why: /src\/ must not import renderer\// },
  { rule: 'the renderer imports no core module beyond src/contract', file: 'renderer/src/stores/planted.ts', bad: "import { getAttack } from '../../../src/attacks';", ok: "import type { JobDto } from '../../../src/contract';", why: /the renderer may import src\/contract and the browser-safe files .*, not src\/attacks\/index\.ts/ },
  { rule: 'the renderer imports no tfjs', file: 'renderer/src/lib/planted.ts', bad: "import * as tf from '@tensorflow/tfjs-core';", ok: "import { headerBox } from '../../../src/sheets/geometry';", why: /the renderer is browser code: it must not import '@tensorflow\/tfjs-core'/ },
  { rule: 'the renderer imports no Node', file: 'renderer/src/lib/planted.ts', bad: "import { readFileSync } from 'node:fs';", ok: "import { ref } from 'vue';", why: /must not import 'node:fs'/ },
  { rule: 'Vue components are checked', file: 'renderer/src/views/Planted.vue', bad: "<script setup lang=\"ts\">\nimport { loadClassifier } from '../../../src/model/node';\n</script>\n<template><p /></template>\n", ok: "<script setup lang=\"ts\">\nimport type { JobDto } from '../../../src/contract';\n</script>\n<template><p /></template>\n", why: /not src\/model\/node\/index\.ts/ },
  { rule: 'the renderer never imports electron/', file: 'renderer/src/lib/planted.ts', bad: "import { x } from '../../../electron/main/index';", ok: "import { CHANNELS } from '../../../src/contract/names';", why: /through the Bridge/ },
  { rule: 'the preload imports src/contract/names, not the contract index', file: 'electron/preload/planted.ts', bad: "import { CHANNELS } from '../../src/contract';", ok: "import { CHANNELS } from '../../src/contract/names';", why: /the preload imports only src\/contract\/names\.ts/ },
  { rule: 'the preload may take types from src/contract', file: 'electron/preload/planted.ts', bad: "import { PreloadApiSchema } from '../../src/contract/preload-api';", ok: "import type { PreloadApi } from '../../src/contract/preload-api';", why: /not src\/contract\/preload-api\.ts/ },
  { rule: 'the preload imports no other core module', file: 'electron/preload/planted.ts', bad: "import { getAttack } from '../../src/attacks';", ok: "import { contextBridge } from 'electron';", why: /the preload imports only/ },
  { rule: 'the preload imports no Node', file: 'electron/preload/planted.ts', bad: "import fs from 'node:fs';", ok: "import { ipcRenderer } from 'electron';", why: /the preload imports only 'electron' and src\/contract, not 'node:fs'/ },
];

describe('printshot/layering fires on a planted violation of each rule', () => {
  for (const c of cases) {
    it(c.rule, async () => {
      const bad = await layering(c.file, c.bad);
      expect(bad).toHaveLength(1);
      expect(bad[0]).toMatch(c.why);
      expect(await layering(c.file, c.ok)).toEqual([]);
    });
  }
});

describe('the tree', () => {
  it('has no layering violation in src/, renderer/ or the preload', async () => {
    const results = await eslint.lintFiles(['src', 'renderer', 'electron/preload']);
    expect(results.length).toBeGreaterThan(300);
    const found = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
    expect(found).toEqual([]);
  }, 600_000);
});
