// Bundles the extension host, the CLI and the webviews with esbuild. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, existsSync, mkdirSync, copyFileSync } from 'node:fs';

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

/** The views: the folders of webview/ with a main.ts (webview/shared is the kit they share). */
const VIEWS = readdirSync('webview').filter((d) => existsSync(`webview/${d}/main.ts`));

const configs = [
  {
    ...node,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    // The editor has no view of nvidia-smi XML logs: their parser stays out of the bundle (openFile).
    define: { ...define, FLAMELENS_XML_LOGS: 'false' },
  },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The editor reads files in a worker thread with a memory cap (core/open/openFileIsolated).
  { ...node, entryPoints: ['src/core/open/openFileWorker.ts'], outfile: 'dist/openFileWorker.js' },
  // Big traces are read on every core: one segment per worker thread (core/formats/torch/parallelRead).
  { ...node, entryPoints: ['src/core/formats/torch/segmentWorker.ts'], outfile: 'dist/traceSegmentWorker.js' },
  // One bundle per view: every webview/<view>/main.ts, with the CSS it imports as <view>.css.
  ...VIEWS.map((name) => ({
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

function copyAssets() {
  mkdirSync('dist/examples', { recursive: true });
  // The walkthrough's example program (flamelens.openExample copies it out of the extension).
  copyFileSync('examples/matrix_work.py', 'dist/examples/matrix_work.py');
}

if (watch) {
  copyAssets();
  for (const c of configs) {
    const ctx = await esbuild.context(c);
    await ctx.watch();
  }
  console.log('watching…');
} else {
  copyAssets();
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
