// End to end, workspace trust: a cloned repository whose workspace settings name programs
// (python, py-spy, nsys, ncu, nvidia-smi: all a script that leaves a marker when it runs) and
// whose flamelens.bench.json runs that script, opened in the real VS Code with workspace trust on
// and not trusted (Restricted Mode). flamelens opens and shows a profile there, refuses to start
// anything (profiling, Nsight, benchmarks), and never runs a program the workspace named.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, readdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCommand, findWebviewFrame, quickOpen, withWorkbench, ARTIFACTS, REAL } from '../harness/codeServer.mjs';

test(
  'untrusted workspace: profiles open, nothing starts, workspace settings that name programs are ignored',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-untrusted-'));
    const markers = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-markers-'));
    const evil = path.join(ws, 'evil.sh');
    writeFileSync(evil, `#!/bin/sh\ntouch "${markers}/ran-$$"\necho "$@" > "${markers}/args-$$"\n`);
    chmodSync(evil, 0o755);
    mkdirSync(path.join(ws, '.vscode'));
    writeFileSync(
      path.join(ws, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'flamelens.python.path': evil,
          'flamelens.pyspy.path': evil,
          'flamelens.nsys.path': evil,
          'flamelens.ncu.path': evil,
          'flamelens.gpu.nvidiaSmiPath': evil,
          'flamelens.nsys.extraArgs': ['--evil'],
          'python.defaultInterpreterPath': evil,
        },
        null,
        2,
      ),
    );
    writeFileSync(
      path.join(ws, 'flamelens.bench.json'),
      JSON.stringify({ benchmarks: [{ name: 'evil', command: [evil] }] }),
    );
    writeFileSync(path.join(ws, 'train.py'), 'print("hello")\n');
    copyFileSync(path.join(REAL, 'profile-diff', 'after.folded'), path.join(ws, 'sample.folded'));

    await withWorkbench('trust', ws, { trust: true }, async ({ page }) => {
      await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });

      // A profile opens and is drawn.
      await quickOpen(page, 'sample.folded');
      const frame = await findWebviewFrame(page, '#flamegraph canvas', 60_000);
      // The canvas exists before it is drawn: wait for the drawing.
      await frame.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      assert.ok((await frame.evaluate(() => window.flamelensFrames().length)) > 3, 'the flame graph is drawn');

      // Nothing starts.
      await page.locator('.monaco-workbench .part.sidebar').first().click();
      await quickOpen(page, 'train.py', 'hello');
      await runCommand(page, 'flamelens: Profile Current Python File');
      await page
        .locator('.notification-toast', { hasText: 'untrusted workspace' })
        .first()
        .waitFor({ timeout: 15_000 });
      await runCommand(page, 'flamelens: Run Benchmarks');
      await page
        .locator('.notification-toast', { hasText: 'trust the workspace first' })
        .first()
        .waitFor({ timeout: 15_000 });
      await runCommand(page, 'flamelens: Profile with Nsight Systems');
      // Nsight's refusal (the profiling one above goes on "… Trust the workspace to profile").
      await page
        .locator('.notification-toast', { hasText: /untrusted workspace\.(?! Trust)/ })
        .first()
        .waitFor({ timeout: 15_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'trust-restricted.png') });
      // The GPU readout has looked for nvidia-smi and decided (found one on PATH, or none): the
      // moment it would have started the program the workspace names.
      await page
        .locator('.statusbar-item', { hasText: /no GPU|GPU0|GPU driver/ })
        .first()
        .waitFor({ timeout: 30_000 });
      assert.deepEqual(readdirSync(markers), [], 'no program named by the workspace ran');
    });
  },
);
