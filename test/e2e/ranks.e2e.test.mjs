// End to end, the ranks of a distributed run (issue 21, point 7) and the critical path (point 6):
// in a real VS Code (code-server) in Chromium, "Compare PyTorch Traces (Ranks)…" from the palette
// picks one real H200 gloo rank in the simple open dialog and offers the other, already ticked
// (its name differs only by its number); the trace view shows the findings across ranks, step
// times per rank and the waiting in collectives; the Diagnosis has each step's critical path, and
// a row of it opens the Timeline tab at that step, where every rank's critical-path lane is.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCommand, pickFile, findWebviewFrame, withWorkbench, ARTIFACTS, REAL } from '../harness/codeServer.mjs';

const RANK = (r) => `torch2.11.0-cu130_h200_gloo2_rank${r}.pt.trace.json.gz`;

test(
  'two real ranks compared: the slowest per step, waits in collectives, critical paths',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-ranks-'));
    for (const r of [0, 1]) copyFileSync(path.join(REAL, 'h200', RANK(r)), path.join(ws, RANK(r)));
    await withWorkbench('ranks', ws, {}, async ({ page }) => {
      await runCommand(page, 'flamelens: Compare PyTorch Traces (Ranks)…');
      await pickFile(page, path.join(ws, RANK(0)));
      // The other rank is offered, ticked: Enter takes it.
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: RANK(1) });
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      // A multi-select row is a checkbox to assistive technology: its state is aria-checked.
      await page.waitForFunction(
        (name) =>
          [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some(
            (r) => r.textContent.includes(name) && r.getAttribute('aria-checked') === 'true',
          ),
        RANK(1),
        { timeout: 15_000 },
      );
      await page.locator('.quick-input-widget input').press('Enter');

      const frame = await findWebviewFrame(page, '#ranks .rank-findings .finding', 120_000);
      const findings = await frame.locator('#ranks .rank-findings .finding-text').allInnerTexts();
      assert.match(
        findings[0],
        /^rank [01] is the slowest rank in \d of 3 steps; the widest gap is ProfilerStep#\d, \d+% slower/,
      );
      assert.ok(
        findings.some((t) => /^rank [01] spends \d+% of its communication time waiting for the other ranks/.test(t)),
        findings.join('\n'),
      );
      const steps = frame.locator('#rank-steps-table tbody tr:not(.spacer)');
      assert.equal(await steps.count(), 3);
      const comm = await frame.locator('#rank-comm-table tbody tr:not(.spacer)').allInnerTexts();
      assert.equal(comm.length, 2);
      for (const line of comm) assert.match(line, /rank [01]\s+6\s+6\s/);
      await frame.locator('#ranks').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'trace-ranks.png') });

      // The Diagnosis: a critical path per step of the trace shown (rank 0); a row opens its step.
      const cp = frame.locator('#critical-path-table tbody tr:not(.spacer)');
      assert.equal(await cp.count(), 3);
      const first = await cp.first().innerText();
      assert.match(first, /ProfilerStep#\d/);
      assert.match(first, /CPU|GPU|waiting/);
      await cp.first().click();
      await frame.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      assert.equal(await frame.evaluate(() => document.body.dataset.flamelensTab), 'timeline');
      const lanes = await frame.evaluate(() => window.flamelensTimeline.lanes());
      const critical = lanes.filter((l) => /Critical path · each step$/.test(l));
      assert.equal(critical.length, 2, `a critical-path lane per rank: ${lanes.join(' | ')}`);
      const w = await frame.evaluate(() => window.flamelensTimeline.window());
      assert.ok(w.t1 > w.t0 && w.t1 - w.t0 < 30_000, `the window is one step, not the whole run: ${JSON.stringify(w)}`);
    });
  },
);
