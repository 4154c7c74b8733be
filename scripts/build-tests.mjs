// Bundles the plain-Node tests for `node --test`: test/unit/*.test.ts (the core, no processes)
// into out/unit/, and test/integration/node/*.test.ts (child processes, the built CLI, servers on
// loopback) into out/integration/node/. `node scripts/build-tests.mjs unit` bundles one set.
// Bundling (rather than a TypeScript loader) lets CommonJS tests use ESM-only dependencies such as
// execa, exactly as the shipped bundles do.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const SETS = { unit: 'test/unit', integration: 'test/integration/node' };
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SETS);

for (const name of wanted) {
  const dir = SETS[name];
  if (!dir) throw new Error(`unknown test set "${name}" (${Object.keys(SETS).join(', ')})`);
  const outdir = dir.replace(/^test/, 'out');
  // A bundle of a test that was moved or removed must not run on.
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `${dir}/${f}`),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: 'inline',
    logLevel: 'warning',
    // test/harness/*.mjs find the repository from their own place: in a bundle, the bundle's.
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { FLAMELENS_VERSION: '"test"', 'import.meta.url': 'importMetaUrl' },
  });
}
