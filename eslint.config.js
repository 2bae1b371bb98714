// ESLint 9+ flat config: typescript-eslint (type-aware, for no-floating-promises), import cycles,
// and the layer rules STYLE.md promises (domain code imports no Fastify, nothing from http/ or runtime/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', '.tmp/', '.scratch/', 'data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js'] })],
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it answer promises that the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'import-x/no-cycle': 'error',
      // The code base's own habits, which the recommended sets would otherwise flag.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.mjs', 'scripts/**/*.mjs', 'bench/**/*.mjs', 'bin/**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    // The domain says what: no web framework, no HTTP layer, no thread machinery (runtime/ implements
    // the domain's ports and is injected by services.ts).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['fastify', 'fastify/*', '@fastify/*', 'fastify-*'], message: 'domain/ imports no Fastify.' },
            { group: ['**/http/**'], message: 'domain/ imports nothing from http/.' },
            { group: ['**/runtime/**'], message: 'domain/ declares ports; runtime/ implements them.' },
            { group: ['node:worker_threads'], message: 'Threads live in src/runtime/.' },
          ],
        },
      ],
    },
  },
);
