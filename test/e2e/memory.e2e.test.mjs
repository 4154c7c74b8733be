// End to end, the memory view (issue 22): in a real VS Code (code-server) in Chromium, a real
// H200 allocator snapshot taken at an out-of-memory error (torch 2.11) opens from Quick Open as
// the custom editor of *.pickle: the OOM explained, per device figures, the active memory over
// the history with its peak, what was live at the peak by line; a row opens the script at the
// line, where a ▣ lens says how much it held; the flame graph of live bytes opens.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { quickOpen, findWebviewFrame, withWorkbench, ARTIFACTS, REAL, ROOT } from '../harness/codeServer.mjs';

const SNAPSHOT = 'torch2.11.0-cu130_h200_train_oom_snapshot.pickle';

test(
  'a real OOM snapshot in the memory view: explained, its peak by line, the source and its lens',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-memory-'));
    copyFileSync(path.join(REAL, 'h200', SNAPSHOT), path.join(ws, SNAPSHOT));
    // The script that recorded it: its frames name train_capture.py, found in the workspace.
    copyFileSync(
      path.join(ROOT, 'test', 'fixtures', 'generate', 'gpu', 'train_capture.py'),
      path.join(ws, 'train_capture.py'),
    );
    await withWorkbench('memory', ws, {}, async ({ page }) => {
      await quickOpen(page, SNAPSHOT);
      const frame = await findWebviewFrame(page, '#oom .oom-text', 120_000);
      const oom = await frame.locator('#oom .oom-text').innerText();
      assert.match(
        oom,
        /^asked 279\.6 GB on device 0 at .*train_capture\.py:36 <module> with 138\.7 GB free; 398 MB held/,
      );
      const devices = await frame.locator('#devices-table tbody tr:not(.spacer)').allInnerTexts();
      assert.equal(devices.length, 1);
      assert.match(devices[0], /398\.0 MB/);
      assert.match(await frame.locator('#timeline-0 .peak').innerText(), /^Peak 467\.9 MB at \d+\.\d ms/);
      assert.ok(await frame.locator('#timeline-0 canvas').isVisible(), 'the chart is drawn');
      const atPeak = frame.locator('#at-peak-0 tbody tr:not(.spacer)');
      assert.match(await atPeak.first().innerText(), /step \(.*train_capture\.py:17\)\s+240\.6 MB\s+18/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'memory-view.png') });
      // A row opens the script at its line, where the lens says what it held at the peak.
      await atPeak.first().click();
      await page.locator('.tab.active', { hasText: 'train_capture.py' }).waitFor({ timeout: 30_000 });
      await page.locator('.statusbar', { hasText: 'Ln 17,' }).waitFor({ timeout: 30_000 });
      await page
        .locator('.codelens-decoration', { hasText: /▣ 241 MB live at peak/ })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'memory-lens.png') });
      // Live bytes by stack in the flame graph view.
      await page.locator('.tab', { hasText: SNAPSHOT }).click();
      const again = await findWebviewFrame(page, '#open-flamegraph', 30_000);
      await again.locator('#open-flamegraph').click();
      await page.locator('.tab', { hasText: 'live bytes' }).waitFor({ timeout: 60_000 });
    });
  },
);
