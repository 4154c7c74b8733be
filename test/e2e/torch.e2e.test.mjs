// End to end, PyTorch: in a real VS Code (code-server) in Chromium, run "Profile Python File
// with PyTorch Profiler" on an example training script with Debian's torch, and check the
// operator table the trace view shows against key_averages() of that same run.
import { checkThemes } from '../harness/themes.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { directChildCounts } from '../harness/traceNesting.mjs';
import { layoutProblems } from '../harness/layout.mjs';
import { quickOpen, runCommand, findWebviewFrame, withWorkbench, ARTIFACTS, EXAMPLES } from '../harness/codeServer.mjs';

const TORCH_PYTHON = process.env.FLAMELENS_TORCH_PYTHON ?? '/usr/bin/python3';

test(
  'Profile Python File with PyTorch Profiler: the operator table matches key_averages()',
  { timeout: 400_000 },
  async () => {
    assert.ok(existsSync(TORCH_PYTHON), 'Debian python3-torch (npm test installs it)');
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-torch-'));
    cpSync(path.join(EXAMPLES, 'torch_train.py'), path.join(ws, 'torch_train.py'));
    await withWorkbench(
      'torch',
      ws,
      {
        settings: { 'flamelens.python.path': TORCH_PYTHON },
      },
      async ({ page }) => {
        await quickOpen(page, 'torch_train.py', 'opt.step()');
        await runCommand(page, 'flamelens: Profile Python File with PyTorch Profiler');
        const frame = await findWebviewFrame(page, '#ops-table tbody tr', 120_000);
        await frame.waitForFunction(() => document.body.dataset.flamelensReady === '1');
        assert.deepEqual(await layoutProblems(frame), [], 'the trace view at the width beside the code');
        const rows = await frame.$$eval('#ops-table tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'torch-trace-view.png') });
        // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
        // no broken word in a cell, numbers right-aligned.
        assert.deepEqual(await checkThemes(page, frame, 'torch-trace'), []);
        const runsDir = path.join(ws, '.flamelens', 'runs');
        const run = readdirSync(runsDir).find((d) => existsSync(path.join(runsDir, d, 'key_averages.json')));
        assert.ok(run, 'the run folder has key_averages.json of the same run');
        const expected = JSON.parse(readFileSync(path.join(runsDir, run, 'key_averages.json'), 'utf8')).rows;
        // Self times can differ by about a microsecond per direct child (see traceNesting.mjs).
        const directChildren = directChildCounts(
          path.join(
            runsDir,
            run,
            readdirSync(path.join(runsDir, run)).find((f) => f.endsWith('.pt.trace.json')),
          ),
        );
        const shown = new Map(
          rows.map((r) => [
            r[0],
            { calls: Number(r[1]), selfMs: Number(r[2].replace(/,/g, '')), totalMs: Number(r[3].replace(/,/g, '')) },
          ]),
        );
        assert.equal(shown.size, expected.length, 'the table lists every operator key_averages() lists');
        for (const e of expected) {
          const s = shown.get(e.name);
          assert.ok(s, `row for ${e.name}`);
          assert.equal(s.calls, e.calls, `${e.name} calls`);
          const tolMs = (e.calls * 1.5 + 0.01 * e.totalCpuUs) / 1000 + 0.001;
          assert.ok(
            Math.abs(s.totalMs - e.totalCpuUs / 1000) <= tolMs,
            `${e.name} total ${s.totalMs} ms vs ${e.totalCpuUs} µs`,
          );
          assert.ok(
            Math.abs(s.selfMs - Math.max(0, e.selfCpuUs) / 1000) <=
              2 * tolMs + (1.5 * (directChildren.get(e.name) ?? 0)) / 1000,
            `${e.name} self ${s.selfMs} ms vs ${e.selfCpuUs} µs`,
          );
        }
      },
    );
  },
);
