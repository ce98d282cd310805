// Shared ESLint 9 flat config: typescript-eslint's recommended rules plus the few house rules
// that catch real bugs in async, stream-heavy code. Formatting is left to Prettier.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { moduleBoundaries } from './module-boundaries.js';

export const ignores = [
  '**/node_modules/**',
  '**/dist/**',
  '**/.next/**',
  '**/.mooring/**',
  '**/gen/**',
  '**/next-env.d.ts',
  'e2e/artifacts/**',
];

export default tseslint.config(
  { ignores },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(only|skip|todo)$/][callee.object.name=/^(it|test|describe)$/]',
          message: 'Tests must run: no .only, .skip or .todo.',
        },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { mooring: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'mooring/module-boundaries': 'error' },
  },
  prettier,
);
