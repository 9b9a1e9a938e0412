/**
 * electron-vite build of the three parts (no Electron binary needed):
 * - main (ESM, as package.json says "type": "module"): out/main/index.js, plus the engine's
 *   utilityProcess entry out/main/engine.js. Dependencies stay external (node_modules).
 * - preload: out/preload/index.cjs. Sandboxed preloads cannot be ES modules, and with
 *   "type": "module" a .js file would be read as one, so it is CommonJS with a .cjs name, and
 *   everything it imports is bundled (it may only require 'electron' at run time).
 * - renderer (Vue): out/renderer, also what serve mode serves.
 * electron-vite 6 reads build.rolldownOptions (it copies them over rollupOptions), hence the name.
 */
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      lib: {
        entry: { index: resolve(root, 'electron/main/index.ts'), engine: resolve(root, 'electron/engine/index.ts') },
        formats: ['es'],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      lib: { entry: { index: resolve(root, 'electron/preload/index.ts') }, formats: ['cjs'], fileName: (_format, name) => `${name}.cjs` },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [vue()],
    // ES module workers (both are started with { type: 'module' }): the compute worker imports
    // tfjs' backends dynamically, which needs code splitting, which IIFE workers cannot have.
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // compute-check.html: the GPU compute worker alone, for the parity test and bench:gpu (docs/gpu.md).
      ...({ rolldownOptions: { input: { index: resolve(root, 'renderer/index.html'), 'compute-check': resolve(root, 'renderer/compute-check.html') } } } as object),
    },
  },
});
