// Bundles the extension host, the CLI and the webviews with esbuild. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readFileSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const define = { FLAMELENS_VERSION: JSON.stringify(pkg.version) };

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define,
};

const configs = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  ...['flamegraph', 'torch', 'gpu', 'nsight', 'bench'].map((name) => ({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
    define,
    entryPoints: [`webview/${name}/main.ts`],
    outfile: `dist/webview/${name}.js`,
  })),
];

function writeCss() {
  mkdirSync('dist/webview', { recursive: true });
  // sql.js' WebAssembly SQLite, read by the Nsight Systems SQLite reader from beside the bundles.
  copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  const css =
    readFileSync('node_modules/d3-flame-graph/dist/d3-flamegraph.css', 'utf8') +
    '\n' +
    readFileSync('webview/flamegraph/style.css', 'utf8');
  writeFileSync('dist/webview/flamegraph.css', css);
}

if (watch) {
  writeCss();
  for (const c of configs) {
    const ctx = await esbuild.context(c);
    await ctx.watch();
  }
  console.log('watching…');
} else {
  writeCss();
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
