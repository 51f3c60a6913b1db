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
    // The core and the template engine are pure: no Kubernetes client, HTTP, CLI framework, file system, network
    // or process access.
    files: ['packages/core/src/**/*.ts', 'packages/template/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts', 'packages/template/src/**/*.test.ts'],
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
    // Template patterns are RE2 (re2js, linear time): a JS RegExp built at run time could backtrack for minutes.
    files: ['packages/template/src/**/*.ts'],
    ignores: ['packages/template/src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports only.' },
        {
          selector: "NewExpression[callee.name='RegExp'], CallExpression[callee.name='RegExp']",
          message: 'No RegExp built at run time in the template engine: use go/regexp.ts (RE2).',
        },
      ],
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
    // One way to talk to the API server: @ssts/kube. client-node (0.5 s and 70 MiB to load) is reached only through
    // its dynamic import() for credential plugins; node:http(s) clients live in packages/kube.
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      'packages/*/src/**/*.test.ts',
      'packages/*/src/**/test-helpers/**',
      'packages/core/src/**/*.ts',
      'packages/template/src/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              message: 'Use @ssts/kube; it imports client-node lazily for plugins only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/controller/src/**/*.ts', 'packages/kubeseal/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-helpers/**', '**/__tests__/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@kubernetes/client-node', message: 'Use @ssts/kube.', allowTypeImports: true },
            { name: 'node:http', message: 'HTTP clients live in @ssts/kube.', allowTypeImports: true },
            { name: 'node:https', message: 'HTTP clients live in @ssts/kube.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
