// Lints TypeScript and enforces the dependency direction of docs/architecture.md:
// src/ never reaches into electron/ or renderer/, the renderer never imports tfjs or Node,
// and electron/ and renderer/ never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

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
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/src/!(contract)/**', '**/renderer/**'], message: 'The preload imports only src/contract.' }],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'electron/ and renderer/ never import each other.' }] }] },
  },
);
