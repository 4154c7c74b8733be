// End to end, Nsight: in a real VS Code (code-server) in Chromium, with the stand-in nsys and ncu
// (replaying the real 2x H100 SQLite export and the real RTX 5070 ncu rows) as the user's tools:
// "Profile with Nsight Systems" on a Python file, then "Profile Kernels with Nsight Compute"
// with a kernel filter typed into the prompt, then "Open Nsight Report…" on a raw page with the
// roofline metrics and "Compare with another report…". Checks what the views show against the
// Python sqlite3 reading of the same export and against the ncu rows.
import { checkThemes } from '../harness/themes.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ROOT,
  quickOpen,
  runCommand,
  findWebviewFrame,
  waitForDrawn,
  pickFile,
  withWorkbench,
  ARTIFACTS,
  REAL,
  HANDMADE,
} from '../harness/codeServer.mjs';
import { layoutProblems } from '../harness/layout.mjs';

const BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const SQLITE = path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');

/** The top kernel and its share, from Python's sqlite3 on the export the stand-in replays. */
function topKernel() {
  const py = `import sqlite3, json
c = sqlite3.connect(${JSON.stringify(SQLITE)})
rows = c.execute("select s.value, sum(k.end - k.start), count(*) from CUPTI_ACTIVITY_KIND_KERNEL k join StringIds s on s.id = k.demangledName group by s.value order by 2 desc").fetchall()
total = sum(r[1] for r in rows)
print(json.dumps([rows[0][0], 100 * rows[0][1] / total, rows[0][2], len(rows)]))`;
  return JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
}

async function tableRows(frame, selector) {
  return frame.$$eval(`${selector} tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
}

/** Answers an input box (the command line, the kernel filter) as a user types it. */
async function answerInput(page, text, expectTitle) {
  const widget = page.locator('.quick-input-widget', { hasText: expectTitle });
  await widget.waitFor({ state: 'visible', timeout: 15_000 });
  const input = page.locator('.quick-input-widget input');
  await input.fill(text);
  await page.waitForTimeout(150);
  await input.press('Enter');
}

test(
  'Nsight Systems and Nsight Compute from the command palette: tables, timeline, launches, roofline, comparison',
  { timeout: 400_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-nsight-'));
    writeFileSync(path.join(ws, 'train_cuda.py'), 'import sys\nprint("epoch 1 done")\n');
    copyFileSync(path.join(HANDMADE, 'handmade-ncu-raw-page-roofline-h100.csv'), path.join(ws, 'roofline-h100.csv'));
    copyFileSync(path.join(REAL, 'ncu', 'rtx5070_win_details_gemm_tiled.csv'), path.join(ws, 'before-gemm.csv'));
    await withWorkbench(
      'nsight',
      ws,
      {
        settings: {
          'flamelens.nsys.path': path.join(BIN, 'nsys'),
          'flamelens.ncu.path': path.join(BIN, 'ncu'),
          'flamelens.python.path': 'python3',
          'flamelens.gpu.statusBar.enabled': false,
        },
      },
      async ({ page }) => {
        await quickOpen(page, 'train_cuda.py', 'epoch 1 done');

        // Nsight Systems: the prompt is filled with the interpreter and the open file.
        await runCommand(page, 'flamelens: Profile with Nsight Systems');
        const prompt = page.locator('.quick-input-widget input');
        await prompt.waitFor({ state: 'visible' });
        assert.equal(await prompt.inputValue(), 'python3 train_cuda.py');
        await prompt.press('Enter');
        const nsys = await findWebviewFrame(page, '#kernels-table tbody tr', 90_000);
        await nsys.waitForFunction(() => document.body.dataset.flamelensReady === '1');
        assert.deepEqual(await layoutProblems(nsys), [], 'the Nsight Systems view');
        const [name, pct, calls, count] = topKernel();
        const kernels = await tableRows(nsys, '#kernels-table');
        assert.equal(kernels.length, count, 'every kernel of the export');
        assert.equal(kernels[0][8], name, 'sorted by total time, the name last as in nsys');
        assert.equal(kernels[0][0], pct.toFixed(1));
        assert.equal(Number(kernels[0][2].replace(/,/g, '')), calls);
        const devices = await tableRows(nsys, '#device-table');
        assert.deepEqual(
          devices.map((r) => r[0].split(' ').slice(0, 2).join(' ')),
          ['GPU 0', 'GPU 1'],
        );
        const [timelinePixels] = await waitForDrawn(nsys, ([n]) => n > 2000);
        assert.ok(timelinePixels > 2000, `the busy timeline is drawn (${timelinePixels} pixels)`);
        await nsys.click('vscode-tab-header[data-pane="transfers-table"]');
        const transfers = await tableRows(nsys, '#transfers-table');
        assert.ok(
          transfers.some((r) => r[0] === 'Host-to-Device' && /GB$/.test(r[5])),
          'transfers by direction with bytes',
        );
        await nsys.click('vscode-tab-header[data-pane="nvtx-table"]');
        assert.ok((await tableRows(nsys, '#nvtx-table')).length > 0, 'NVTX ranges');
        await nsys.click('vscode-tab-header[data-pane="nvtx-operators-table"]');
        const ops = await tableRows(nsys, '#nvtx-operators-table');
        assert.ok(ops.length > 0 && ops.every((r) => !/op_id = /.test(r[8])), 'PyTorch ranges grouped by operator');
        await page.screenshot({ path: path.join(ARTIFACTS, 'nsight-systems-view.png') });
        // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
        // no broken word in a cell, numbers right-aligned.
        assert.deepEqual(await checkThemes(page, nsys, 'nsight-systems'), []);

        // Nsight Compute: the command line and the kernel filter typed into its prompts reach ncu.
        await runCommand(page, 'flamelens: Profile Kernels with Nsight Compute');
        await answerInput(page, 'python3 train_cuda.py', 'Nsight Compute');
        await answerInput(page, 'saxpy|gemm', 'Kernels to profile');
        const ncu = await findWebviewFrame(page, '#launches-table tbody tr', 90_000);
        await ncu.waitForFunction(() => document.body.dataset.flamelensReady === '1');
        assert.deepEqual(await layoutProblems(ncu), [], 'the Nsight Compute view');
        const launches = await tableRows(ncu, '#launches-table');
        assert.equal(launches.length, 2);
        const gemm = launches.find((r) => r[1].includes('gemm_tiled_kernel'));
        assert.deepEqual(
          [gemm[2], gemm[3], gemm[5]],
          ['10,195.55', '88.9', '66.7'],
          'duration µs, SM throughput %, achieved occupancy % of the real row',
        );
        assert.ok(
          await ncu.$('#roofline-missing'),
          'no FLOP counters in these rows: the view says what the roofline needs',
        );
        // Before/after: the real gemm_tiled report alone as "before".
        await ncu.click('#compare');
        await pickFile(page, path.join(ws, 'before-gemm.csv'));
        await ncu.waitForSelector('#compare-table tbody tr', { timeout: 30_000 });
        const compare = await tableRows(ncu, '#compare-table');
        assert.deepEqual(
          compare
            .map((r) => [r[0].includes('gemm_tiled') ? 'gemm' : r[0].includes('saxpy') ? 'saxpy' : r[0], r[5]])
            .sort(),
          [
            ['gemm', '+0.0%'],
            ['saxpy', 'new'],
          ],
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'nsight-compute-view.png') });
        // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
        // no broken word in a cell, numbers right-aligned.
        assert.deepEqual(await checkThemes(page, ncu, 'nsight-compute'), []);

        // A raw page with the roofline metrics, opened from the command palette.
        await runCommand(page, 'flamelens: Open Nsight Report…');
        await pickFile(page, path.join(ws, 'roofline-h100.csv'));
        const roof = await findWebviewFrame(page, '#roofline', 60_000);
        await roof.waitForFunction(() => document.body.dataset.flamelensReady === '1');
        assert.equal(await roof.$('#roofline-no-ceilings'), null, 'the ceilings come from the peak metrics');
        const pixels = await waitForDrawn(roof, (px) => Math.max(...px) > 2000);
        assert.ok(Math.max(...pixels) > 2000, `the roofline is drawn (${pixels})`);
        await page.screenshot({ path: path.join(ARTIFACTS, 'nsight-compute-roofline.png') });
      },
    );
  },
);
