// End to end, why the GPU is idle (issue 21): in a real VS Code (code-server) in Chromium, open
// a real H200 trace of a training loop that leaves the GPU waiting (torch 2.11: CPU data
// preparation, .item() and .cpu() syncs, tiny kernels) from the explorer: the Diagnosis
// at the top of the trace view ranks its findings, a finding's source link opens the Python file
// at the line, and "Show on timeline" opens the Timeline tab at the finding's time range.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { quickOpen, findWebviewFrame, withWorkbench, ARTIFACTS, REAL, ROOT } from '../harness/codeServer.mjs';

const TRACE = 'torch2.11.0-cu130_h200_gpu_waits.pt.trace.json.gz';

test(
  'the Diagnosis of a real H200 trace: findings ranked, the source line, the range on the timeline',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-diagnosis-'));
    copyFileSync(path.join(REAL, 'h200', TRACE), path.join(ws, TRACE));
    // The script that recorded it: its frames name extra_capture.py, found in the workspace.
    copyFileSync(
      path.join(ROOT, 'test', 'fixtures', 'generate', 'gpu', 'extra_capture.py'),
      path.join(ws, 'extra_capture.py'),
    );
    await withWorkbench('diagnosis', ws, {}, async ({ page }) => {
      // A *.pt.trace.json.gz opens in the trace view.
      await quickOpen(page, TRACE);
      const frame = await findWebviewFrame(page, '#diagnosis .finding', 120_000);
      const findings = frame.locator('#diagnosis .finding');
      const texts = await findings.locator('.finding-text').allInnerTexts();
      assert.ok(texts.length >= 3, texts.join('\n'));
      assert.match(texts[0], /^GPU 0 is idle 9\d% of the time from its first to its last kernel/);
      const sync = findings.filter({ hasText: 'waits for the GPU' }).first();
      assert.match(await sync.locator('.finding-text').innerText(), /at idle\(\) \(extra_capture\.py:40\)/);
      assert.ok(
        texts.some((t) => /kernels under 10 µs/.test(t)),
        'the tiny kernels are a finding',
      );
      // How each was computed is there to read.
      await sync.locator('summary').click();
      assert.match(await sync.locator('.finding-how p').innerText(), /innermost Python frame/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'trace-diagnosis.png') });

      // "Show on timeline": the Timeline tab at the first wait and the idle gap after it.
      const [t0, t1] = [Number(await sync.getAttribute('data-t0')), Number(await sync.getAttribute('data-t1'))];
      assert.ok(t1 > t0, `a range: ${t0}..${t1}`);
      await frame
        .locator('#diagnosis .finding', { hasText: 'waits for the GPU' })
        .first()
        .locator('.finding-range')
        .click();
      await frame.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      await frame.waitForFunction(
        ([a, b]) => {
          const w = window.flamelensTimeline.window();
          return w.t0 <= a && w.t1 >= b && w.t1 - w.t0 < (b - a) * 1.5;
        },
        [t0, t1],
        { timeout: 30_000 },
      );
      assert.equal(await frame.evaluate(() => document.body.dataset.flamelensTab), 'timeline');
      // Back on the Summary tab, the source link opens the script at the line.
      await frame.locator('#tab-summary').click();
      await sync.locator('a.finding-source').click();
      await page.locator('.tab.active', { hasText: 'extra_capture.py' }).waitFor({ timeout: 30_000 });
      await page.locator('.statusbar', { hasText: 'Ln 40,' }).waitFor({ timeout: 30_000 });
      // And the lens over the function that waits (def idle(), line 12) says how long the GPU
      // then sat idle.
      await page.keyboard.press('Control+Home');
      await page
        .locator('.codelens-decoration', { hasText: /⏸ GPU idle \d+% of the span after 12 waits here/ })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'trace-diagnosis-lens.png') });
    });
  },
);
