// Lint: typescript-eslint's recommended rules, the house rules (ARCHITECTURE.md, "House style"),
// and the direction of imports ARCHITECTURE.md draws: inside src/core each layer imports only the
// layers below it; the core never imports the editor, the front ends or the webviews; webviews
// import only what they draw. And no file in src/ or webview/ over 400 lines.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';

/** The layers of src/core, bottom first, and what each may import besides itself. */
const CORE_LAYERS = {
  util: [],
  model: ['util'],
  formats: ['model', 'util'],
  analysis: ['formats', 'model', 'util'],
  report: ['analysis', 'formats', 'model', 'util'],
  store: ['formats', 'model', 'util'],
  runners: ['store', 'analysis', 'formats', 'model', 'util'],
  open: ['runners', 'store', 'analysis', 'formats', 'model', 'util'],
};

const why = (layer, allowed) =>
  `src/core/${layer} may import only ${allowed.length ? allowed.map((l) => `core/${l}`).join(', ') : 'itself'} (see ARCHITECTURE.md)`;

const zones = [
  ...Object.entries(CORE_LAYERS).map(([layer, allowed]) => ({
    target: `./src/core/${layer}`,
    from: './src/core',
    except: [`./${layer}`, ...allowed.map((l) => `./${l}`)],
    message: why(layer, allowed),
  })),
  {
    target: './src/core',
    from: ['./src/extension', './src/cli', './src/shared', './webview'],
    message: 'The core knows no front end, protocol or webview (see ARCHITECTURE.md).',
  },
  {
    target: './src/shared',
    from: ['./src/extension', './src/cli', './webview', './src/core'],
    except: ['./model', './analysis', './util'],
    message: 'A protocol speaks in core model and analysis types only (see ARCHITECTURE.md).',
  },
  {
    target: './webview',
    from: ['./src/extension', './src/cli', './src/core'],
    except: ['./model', './analysis', './util'],
    message:
      'Webviews draw what they are sent: they may import the protocol, core model, analysis and util (see ARCHITECTURE.md).',
  },
  {
    target: './src/cli',
    from: ['./src/extension', './webview'],
    message: 'The CLI is a front end of the core: no editor code, no webview code.',
  },
  {
    target: './src/extension',
    from: ['./src/cli', './webview'],
    message: 'The extension reaches webviews through their protocol, never their code.',
  },
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'demo-out/**', 'out/**', 'test/e2e/artifacts/**'],
  },
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
    // Plain JavaScript (scripts, test harness, end-to-end tests): TypeScript does not check these
    // names, so eslint does. Code passed to page.evaluate runs in the browser.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { 'no-undef': 'error' },
  },
  {
    // Plain CommonJS: the runner extension and the py-spy stand-in are loaded by require().
    files: ['test/integration/host/runner-extension/**/*.js', 'test/fixtures/bin/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'The core, the protocols and the webviews must not depend on the editor.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    ignores: ['src/extension/vscodeApi.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message:
                'Import { vscode } from src/extension/vscodeApi: one copy of the API, not one per file (it costs activation time).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } } },
    rules: {
      'import/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }],
      // Small, named parts: a file that outgrows this is split (ARCHITECTURE.md).
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
    },
  },
);
