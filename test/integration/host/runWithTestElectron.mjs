// Runs the same integration suites with @vscode/test-electron, for machines that can download
// VS Code (the minimum, 1.90.0, and the current stable, as rust-analyzer does). Not part of
// `npm test`: this machine cannot download VS Code, so there the suites run inside
// code-server's extension host (test/integration/host/extensionHost.test.mjs).
//   node test/integration/host/runWithTestElectron.mjs [1.90.0|stable]
import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

import { EXAMPLES, REAL, ROOT } from '../../harness/paths.mjs';
const versions = process.argv.slice(2).length ? process.argv.slice(2) : ['1.90.0', 'stable'];
const suite = path.join(ROOT, 'out', 'integration', 'suite.js');
await esbuild.build({
  entryPoints: [path.join(ROOT, 'test', 'integration', 'host', 'suite', 'index.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
for (const version of versions) {
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-te-ws-'));
  cpSync(path.join(EXAMPLES, 'matrix_work.py'), path.join(ws, 'matrix_work.py'));
  cpSync(
    path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'),
    path.join(ws, 'recorded-elsewhere.folded'),
  );
  await runTests({
    version,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: {
      FLAMELENS_STANDIN_PYSPY: path.join(ROOT, 'test', 'fixtures', 'bin', 'py-spy'),
      NODE_PATH: path.join(ROOT, 'node_modules'),
    },
  });
}
