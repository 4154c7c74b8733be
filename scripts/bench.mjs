// `npm run bench`: builds, bundles test/bench/*.bench.ts and runs each, printing figures and
// ratios to their targets. Measurements, not pass/fail tests.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureSystemPackages } from './ensure-system.mjs';

// The timeline, flame graph and GPU benches draw in Debian's Chromium: a fresh machine has none.
ensureSystemPackages();

spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const benches = readdirSync('test/bench').filter((f) => f.endsWith('.bench.ts'));
await esbuild.build({
  entryPoints: benches.map((f) => `test/bench/${f}`),
  outdir: 'out/bench',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['playwright-core'],
  logLevel: 'warning',
});
let failed = 0;
for (const f of benches) {
  const only = process.argv[2];
  if (only && !f.includes(only)) continue;
  console.log(`\n--- ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', `out/bench/${f.replace(/\.ts$/, '.js')}`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
