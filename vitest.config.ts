import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles .vue single-file components for renderer component tests (jsdom, set per file).
  plugins: [vue()],
  test: {
    include: ['test/unit/**/*.test.ts', 'test/renderer/**/*.test.ts'],
    // tfjs backends are process-global; forks keep each file's backend state isolated.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
