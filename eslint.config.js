// Lints TypeScript and enforces the module map of docs/architecture.md: printshot/layering
// (scripts/layering.mjs) holds each src module's allowlist of modules and packages, keeps Node out
// of the pure core, the renderer on src/contract and the preload on src/contract/names;
// test/unit/architecture/layering.test.ts proves each rule fires.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import { layeringPlugin } from './scripts/layering.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const isFile = (p) => fs.existsSync(p) && fs.statSync(p).isFile();

const noElectronOrRenderer = [
  { group: ['**/electron/**', 'electron'], message: 'src/ is the pure core: it must not import Electron.' },
  { group: ['**/renderer/**', 'vue', 'pinia'], message: 'src/ is the pure core: it must not import the UI.' },
];

export default tseslint.config(
  { ignores: ['.scratch*', '.*.ts', 'node_modules/**', 'out/**', 'bundle/**', 'dist/**', 'assets/**', 'test-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      // Formatting is not what we lint for; these stylistic Vue rules only add noise.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.vue', 'electron/preload/**/*.ts'],
    plugins: { printshot: layeringPlugin(root, isFile) },
    rules: { 'printshot/layering': 'error' },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js', '.ci/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: noElectronOrRenderer }] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@tensorflow/*', 'node:*', 'fs', 'path', 'child_process', 'sharp'], message: 'The renderer is browser code: no tfjs, no Node.' },
          { group: ['**/electron/**', 'electron'], message: 'The renderer reaches main only through the Bridge.' },
        ],
      }],
    },
  },
  {
    // The compute context (docs/gpu.md) is the one renderer folder that loads tfjs: a Web Worker.
    files: ['renderer/src/compute/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'child_process', 'sharp'], message: 'The compute context is a Web Worker: no Node.' },
          { group: ['**/electron/**', 'electron'], message: 'The compute context reaches main only through the Bridge.' },
        ],
      }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        // Which src/ files it may import is printshot/layering's job (minimatch extglobs never matched here).
        patterns: [{ group: ['**/renderer/**'], message: 'The preload must not import the renderer.' }],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'electron/ and renderer/ never import each other.' }] }] },
  },
);
