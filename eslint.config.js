import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/fixtures/**', 'coverage/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports only.' },
      ],
    },
  },
  {
    files: ['**/*.config.ts', '**/*.config.js', '**/*.config.mjs'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The core is pure: no Kubernetes client, HTTP, CLI framework, file system, network or process access.
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            '@kubernetes/client-node',
            'fastify',
            'commander',
            'fs',
            'node:fs',
            'node:fs/promises',
            'node:http',
            'node:https',
            'node:net',
            'node:child_process',
            'node:process',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process'],
    },
  },
  {
    // The sealing page runs in browsers: DOM types (its own tsconfig), no Node built-ins.
    files: ['packages/web/src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/web/tsconfig.check.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['packages/web/src/**/*.ts'],
    ignores: ['packages/web/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'path', 'crypto', 'buffer'] }],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
