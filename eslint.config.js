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
      // `() => resolve()` callbacks and `return next()` inside a void function are the house idiom:
      // neither hides a value; a void call inside another expression still fails.
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
      // Forwarding an abort reason or a caught rejection unchanged is right (only-throw-error's
      // defaults allow the same for throw); a new non-Error reason still fails.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // A `default` is a stated decision (the SDK's open-ended error codes); without one, every member.
      // Deliberate uses the SPEC needs: the low-level Server (raw JSON Schemas pass through), SSE
      // servers (SPEC §5), and log notifications from servers on protocols before 2026-07-28.
      '@typescript-eslint/no-deprecated': [
        'error',
        {
          allow: [
            { from: 'package', package: '@modelcontextprotocol/server', name: 'Server' },
            {
              from: 'package',
              package: '@modelcontextprotocol/client',
              name: ['SSEClientTransport', 'LoggingMessageNotification'],
            },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
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
      // Test helpers that read JSON let the caller name its shape (`structured<Status>(result)`).
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  {
    // The fixture servers are plain JavaScript outside the TypeScript project.
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
