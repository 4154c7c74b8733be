// Bundles the plain-Node unit tests (test/unit/*.test.ts) into out/unit/ for `node --test`.
// Bundling (rather than a TypeScript loader) lets CommonJS tests use ESM-only dependencies
// such as execa, exactly as the shipped bundles do.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const entryPoints = readdirSync('test/unit')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/unit/${f}`);
await esbuild.build({
  entryPoints,
  outdir: 'out/unit',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: 'inline',
  logLevel: 'warning',
  define: { FLAMELENS_VERSION: '"test"' },
});
