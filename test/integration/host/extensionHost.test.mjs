// Runs the integration suites (test/integration/host/suite) inside the extension host of a real
// VS Code: code-server 4.100.3 with the packaged flamelens VSIX and a small runner extension.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, cpSync, existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  ROOT,
  startCodeServer,
  launchBrowser,
  openWorkbench,
  extensionLog,
  REAL,
  EXAMPLES,
} from '../../harness/codeServer.mjs';

test('integration suites pass in the VS Code extension host', { timeout: 600_000 }, async () => {
  const vsix = path.join(ROOT, 'flamelens.vsix');
  assert.ok(existsSync(vsix), 'run npm run package first (npm test does)');
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
  // VS Code only loads extensions it installed itself, so the runner goes in as a VSIX too.
  const runnerVsix = path.join(tmpdir(), `flamelens-test-runner-${process.pid}.vsix`);
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--skip-license',
      '--allow-missing-repository',
      '--no-dependencies',
      '-o',
      runnerVsix,
    ],
    {
      cwd: path.join(ROOT, 'test', 'integration', 'host', 'runner-extension'),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-int-ws-'));
  cpSync(path.join(EXAMPLES, 'matrix_work.py'), path.join(ws, 'matrix_work.py'));
  cpSync(
    path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'),
    path.join(ws, 'recorded-elsewhere.folded'),
  );
  cpSync(path.join(EXAMPLES, 'torch_train.py'), path.join(ws, 'torch_train.py'));
  cpSync(
    path.join(ROOT, 'test', 'fixtures', 'handmade', 'handmade-memory_known_allocations.py'),
    path.join(ws, 'known_allocations.py'),
  );
  cpSync(path.join(REAL, 'torchtrace_hta__event_sync_trace.json.gz'), path.join(ws, 'rank0.json.gz'));
  // A stand-in for the source file the H100 trace's Python frames point at (def on line 28).
  const adapters = path.join(ws, 'moca', 'library', 'model_hub', 'huggingface', 'model', 'adapters');
  mkdirSync(adapters, { recursive: true });
  writeFileSync(
    path.join(adapters, 'text_base_model.py'),
    `${'# padding to put the def where the trace says\n'.repeat(27)}def run_on_input(model, inputs):\n    return model(**inputs)\n`,
  );
  cpSync(
    path.join(
      ROOT,
      'test',
      'fixtures',
      'real',
      'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz',
    ),
    path.join(ws, 'h100.pt.trace.json.gz'),
  );
  const resultPath = path.join(ws, '..', `${path.basename(ws)}-result.json`);
  // A program whose memory grows ~16 MiB/s for the run memory watch (a real leak, not a replay).
  writeFileSync(
    path.join(ws, 'leak.py'),
    'import sys, time\nkeep = []\nfor _ in range(int(sys.argv[1])):\n    keep.append(b"x" * (4 << 20))\n    time.sleep(0.25)\n',
  );
  // Where the GPU suite tells the stand-in nvidia-smi to hang, fail or list one more process.
  const smiControl = mkdtempSync(path.join(tmpdir(), 'flamelens-smi-control-'));

  const server = await startCodeServer({
    vsix: [vsix, runnerVsix],
    // The stand-in nvidia-smi (replaying real captures) as the user's nvidia-smi: the extension
    // host's PATH comes from a login shell, and py-spy's stand-in must stay off it.
    settings: { 'flamelens.gpu.nvidiaSmiPath': path.join(ROOT, 'test', 'fixtures', 'bin', 'nvidia-smi') },
    env: {
      FLAMELENS_INTEGRATION_SUITE: suite,
      FLAMELENS_INTEGRATION_RESULT: resultPath,
      NODE_PATH: path.join(ROOT, 'node_modules'),
      FLAMELENS_STANDIN_PYSPY: path.join(ROOT, 'test', 'fixtures', 'bin', 'py-spy'),
      FLAMELENS_STANDIN_BIN: path.join(ROOT, 'test', 'fixtures', 'bin'),
      FLAMELENS_FIXTURES: path.join(ROOT, 'test', 'fixtures'),
      FLAMELENS_FAKE_SMI_CONTROL: smiControl,
    },
  });
  const browser = await launchBrowser();
  try {
    const { page } = await openWorkbench(browser, server, ws);
    const deadline = Date.now() + 300_000;
    while (!existsSync(resultPath) && Date.now() < deadline) await page.waitForTimeout(500);
    assert.ok(existsSync(resultPath), `no result from the extension host:\n${server.log().slice(-4000)}`);
    const result = JSON.parse(readFileSync(resultPath, 'utf8'));
    console.log(result.output);
    if (result.error) console.log(result.error);
    if (result.failures) console.log(`flamelens' log (its end):\n${extensionLog(server).slice(-6000)}`);
    assert.equal(result.failures, 0, 'integration failures');
    assert.equal(result.ok, true);
  } finally {
    await browser.close();
    await server.stop();
  }
});
