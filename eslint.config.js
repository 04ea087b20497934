import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// node:test registers these synchronously; the promise they return only settles when the test ends,
// and the runner awaits it itself, so awaiting or voiding each call would be noise.
const nodeTestCalls = {
  from: 'package',
  package: 'node:test',
  name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
};

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [nodeTestCalls] }],
      // Counts, ports and flags read naturally in messages; objects, arrays and nullish values still fail.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // `() => resolve()` style callbacks are the house idiom; statement positions are still checked.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['test/**', 'bench/**', '**/*.test.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests guard values the types promise but a failed hook or a wrong answer may not deliver
      // (`after(() => gateway?.close())`), so the assertion, not a TypeError, reports the failure.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // The fixture servers are plain JavaScript outside the TypeScript project.
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
