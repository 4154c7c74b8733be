// `npm run fuzz [CASES] [SEED]`: bundles test/fuzz/main.ts and runs the long fuzz of every parser.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';

await esbuild.build({
  entryPoints: ['test/fuzz/main.ts'],
  outfile: 'out/fuzz/main.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['out/fuzz/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
