// Lint: typescript-eslint's recommended rules, and the one rule that keeps the core pure:
// nothing under src/core or src/shared may import `vscode` (DESIGN.md).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'demo-out/**', 'out/**', 'test/e2e/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='innerHTML']",
          message: 'Insert profile strings as text, never as HTML.',
        },
      ],
    },
  },
  {
    // Plain CommonJS: the runner extension and the py-spy stand-in are loaded by require().
    files: ['test/integration/runner-extension/**/*.js', 'test/fixtures/bin/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'The core, the protocol and the webviews must not depend on the editor.' },
          ],
        },
      ],
    },
  },
);
