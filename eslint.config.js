// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node built-in modules, with or without the `node:` prefix. */
const NODE_BUILTINS =
  '^(node:|(fs|path|os|crypto|buffer|child_process|net|http|https|stream|url|util|worker_threads|events)(/|$))';

/** Import-direction rule of DESIGN.md §2, as `no-restricted-imports` regexes per layer. */
const layer = (/** @type {string[]} */ forbidden, /** @type {string} */ why) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: forbidden.map((name) => ({
        regex: name === 'node-builtins' ? NODE_BUILTINS : `(^|/)(src/)?${name}(/|$)`,
        message: why,
      })),
    },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'data/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/shared/**'],
    rules: layer(
      ['client', 'web', 'node', 'node-builtins'],
      'src/shared imports only src/shared (DESIGN.md §2).',
    ),
  },
  {
    files: ['src/client/**'],
    rules: layer(['web', 'node', 'node-builtins'], 'src/client imports only src/shared (DESIGN.md §2).'),
  },
  {
    files: ['src/web/**', 'worklets/**'],
    rules: layer(['node', 'node-builtins'], 'src/web never imports src/node (DESIGN.md §2).'),
  },
  {
    files: ['src/node/**'],
    rules: layer(['web'], 'src/node never imports src/web (DESIGN.md §2).'),
  },
);
