// End to end, hostile content: a profile whose function and file names hold markup, script, a
// javascript: link, a right-to-left override, a markdown command link and a 100 KB name. The
// standalone HTML report is opened in Chromium and the profile in the real VS Code (code-server);
// both must show the names as text, and no script from the file may run anywhere. Operator and
// kernel names get the same treatment: a real PyTorch trace and a real Nsight Compute report with
// some of their names replaced by such strings open in VS Code's trace and Nsight views
// (`window.__pwned` stays unset in the page and in every webview frame; no element with an event
// handler attribute, no javascript: link, and in the report and the webviews no inline script
// without the page's nonce. The workbench page's own inline scripts are VS Code's.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { drawnFrames } from '../harness/layout.mjs';
import {
  ROOT,
  launchBrowser,
  findWebviewFrame,
  quickOpen,
  runCommand,
  pickFile,
  ARTIFACTS,
  REAL,
  HANDMADE,
  withWorkbench,
} from '../harness/codeServer.mjs';

const HOSTILE = path.join(HANDMADE, 'handmade-hostile-names.folded');
const OP_NAMES = ['<img src=x onerror="window.__pwned=11">', '[click](command:workbench.action.quit) $(alert)'];
const KERNEL_NAMES = ['</script><script>window.__pwned=12</script>', 'evil\u202Ekernel_fdp'];

/** The real H100 BERT trace with its first two operator names and first two kernel names replaced. */
function hostileTrace() {
  const trace = JSON.parse(
    gunzipSync(
      readFileSync(path.join(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz')),
    ).toString('utf8'),
  );
  const rename = (cat, names) => {
    const seen = [...new Set(trace.traceEvents.filter((e) => e.cat === cat).map((e) => e.name))].slice(0, names.length);
    for (const e of trace.traceEvents) if (e.cat === cat && seen.includes(e.name)) e.name = names[seen.indexOf(e.name)];
  };
  rename('cpu_op', OP_NAMES);
  rename('kernel', KERNEL_NAMES);
  return JSON.stringify(trace);
}

/** In every frame: was any script of the file run, and did any markup become elements? */
async function injected(page) {
  const out = [];
  for (const f of page.frames()) {
    try {
      out.push(
        await f.evaluate(() => ({
          pwned: window.__pwned ?? null,
          imgs: document.querySelectorAll(
            `img[onerror], svg[onload], [onload], [onerror], [onclick]${location.protocol.startsWith('http') ? '' : ', script:not([src]):not([type="application/json"]):not([nonce])'}`,
          ).length,
          what: [
            ...document.querySelectorAll(
              `img[onerror], svg[onload], [onload], [onerror], [onclick]${location.protocol.startsWith('http') ? '' : ', script:not([src]):not([type="application/json"]):not([nonce])'}`,
            ),
          ].map((e) => `${location.href.slice(0, 80)} ${e.outerHTML.slice(0, 120)}`),
          jsLinks: [...document.querySelectorAll('a[href]')].filter((a) =>
            a.getAttribute('href').trim().toLowerCase().startsWith('javascript:'),
          ).length,
        })),
      );
    } catch {
      // a frame that navigated away
    }
  }
  return out;
}

/** default-src 'none', and scripts only with the page's nonce: no 'unsafe-inline', no 'unsafe-eval', no host. */
function assertStrictCsp(csp) {
  assert.match(csp, /(^|;)\s*default-src 'none'/, csp);
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1]?.trim() ?? '';
  assert.match(scriptSrc, /^'nonce-[A-Za-z0-9+/=]{16,}'$/, `script-src is the nonce alone: ${csp}`);
}

test(
  'hostile names are shown as text in the HTML report and in VS Code; no script from the file runs',
  { timeout: 300_000 },
  async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-hostile-'));
    copyFileSync(HOSTILE, path.join(ws, 'hostile.folded'));
    writeFileSync(path.join(ws, 'hostile.py'), 'def main():\n    pass\n');
    writeFileSync(path.join(ws, 'hostile.pt.trace.json'), hostileTrace());
    writeFileSync(
      path.join(ws, 'hostile-ncu.csv'),
      readFileSync(path.join(REAL, 'ncu', 'rtx5070_win_details_saxpy.csv'), 'utf8').replaceAll(
        'saxpy_kernel',
        `${KERNEL_NAMES[0]}${KERNEL_NAMES[1]}`,
      ),
    );
    const report = path.join(ws, 'report.html');
    execFileSync(process.execPath, [
      path.join(ROOT, 'dist', 'cli.js'),
      'report',
      path.join(ws, 'hostile.folded'),
      '-o',
      report,
    ]);

    const browser = await launchBrowser();
    try {
      // The report, opened from disk in Chromium.
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${report}`);
      await page.waitForSelector('#flamegraph canvas', { timeout: 30_000 });
      // Drawn, with the hot-function table filled: every name is in the page by now.
      await page.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      await page.waitForSelector('#hot-table tbody tr', { timeout: 30_000 });
      const text = await page.evaluate(() => document.body.innerText);
      assert.ok(text.includes('<img src=x onerror="window.__pwned'), 'the markup name is shown as text');
      assert.ok(text.includes('</script><script>window.__pwned=2</script>'), 'the script name is shown as text');
      assert.ok(text.includes('javascript:window.__pwned=4'));
      assert.ok(text.includes('⟨U+202E⟩evil_rtl_fdp.exe'), 'the right-to-left override is shown, not obeyed');
      assert.ok(!text.includes('\u202e'));
      for (const r of await injected(page))
        assert.deepEqual([r.pwned, r.imgs, r.jsLinks], [null, 0, 0], r.what.join('\n'));
      assertStrictCsp(
        await page.evaluate(
          () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        ),
      );
      assert.deepEqual(errors, []);
      await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-report.png') });
      await page.close();
    } finally {
      await browser.close();
    }

    await withWorkbench('hostile', ws, { settings: { 'flamelens.gpu.statusBar.enabled': false } }, async ({ page }) => {
      // Quick Open, as a user does; .folded files open in flamelens' flame graph editor.
      await quickOpen(page, 'hostile.folded');
      const frame = await findWebviewFrame(page, '#flamegraph canvas', 60_000);
      await frame.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      // The table can show a placeholder row before the profile's rows arrive: wait until a row
      // holds the hostile name as text (an event of the page, not a time).
      await frame
        .waitForFunction(
          () =>
            [...document.querySelectorAll('#hot-table tbody tr')].some((r) =>
              (r.textContent ?? '').includes('onerror='),
            ),
          null,
          { timeout: 30_000 },
        )
        .catch(() => undefined);
      const shown = await frame.evaluate(() => document.body.innerText);
      assert.ok(
        shown.includes('<img src=x onerror="window.__pwned'),
        'the flame graph and its table show the name as text',
      );
      assert.ok(shown.includes('[click](command:workbench.action.quit) $(alert)'));
      assert.ok(
        shown.includes('⟨U+202E⟩evil_rtl_fdp.exe') && !shown.includes('\u202e'),
        'the right-to-left override is shown, not obeyed',
      );
      // Frame labels are drawn on the canvas as text (fillText never parses markup).
      const drawn = await drawnFrames(frame);
      assert.ok(
        drawn.some((f) => f.label.startsWith('<img src=x')),
        `frame labels: ${drawn.map((f) => f.label).join(' | ')}`,
      );
      // Hover frames with the pointer: the tooltip is text too.
      const canvas = frame.locator('#flamegraph canvas');
      for (const f of drawn.slice(0, 8)) await canvas.hover({ position: { x: f.x + 2, y: f.y + f.h / 2 } });
      // The hover handlers ran (they are synchronous): the tooltip shows the last frame, as text.
      await frame.waitForSelector('.tooltip:not([hidden])', { timeout: 5000 });
      const all = await injected(page);
      assert.ok(all.length >= 2, 'the workbench and the webview frames were checked');
      for (const r of all) assert.deepEqual([r.pwned, r.imgs, r.jsLinks], [null, 0, 0], r.what.join('\n'));
      assertStrictCsp(
        await frame.evaluate(
          () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        ),
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-vscode.png') });

      // Operator and kernel names: the PyTorch trace view.
      await quickOpen(page, 'hostile.pt.trace.json');
      const torch = await findWebviewFrame(page, '#ops-table tbody tr', 60_000);
      await torch.waitForFunction(() => document.body.dataset.flamelensReady === '1');
      await torch.fill('input[placeholder="Filter by name"]', 'pwned').catch(() => undefined);
      const torchText = await torch.evaluate(() => document.body.innerText);
      assert.ok(torchText.includes(OP_NAMES[0]), 'the operator name is shown as text');
      await torch.fill('input[placeholder="Filter by name"]', '').catch(() => undefined);
      const allTorch = await torch.evaluate(() => document.body.innerText);
      for (const n of [...OP_NAMES, KERNEL_NAMES[0]]) assert.ok(allTorch.includes(n), `shown as text: ${n}`);
      assert.ok(
        allTorch.includes('evil⟨U+202E⟩kernel_fdp') && !allTorch.includes('\u202e'),
        "the kernel name's override is shown, not obeyed",
      );
      assertStrictCsp(
        await torch.evaluate(
          () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        ),
      );
      // The same names on the timeline: drawn and detailed as text, the override as a marker.
      await torch.click('#tab-timeline');
      await torch.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      await torch.fill('#timeline-search', 'kernel_fdp');
      await torch.press('#timeline-search', 'Enter');
      await torch.waitForFunction(() =>
        /^1 of \d/.test(document.querySelector('#timeline-matches')?.textContent ?? ''),
      );
      await torch.waitForFunction(() =>
        window.flamelensTimeline.items().some((i) => i.name === 'evil⟨U+202E⟩kernel_fdp'),
      );
      await torch.waitForFunction(() =>
        (document.querySelector('#timeline-details')?.textContent ?? '').includes('kernel_fdp'),
      );
      const details = await torch.locator('#timeline-details').innerText();
      assert.ok(
        details.includes('evil⟨U+202E⟩kernel_fdp') && !details.includes('\u202e'),
        'the timeline shows the marker',
      );
      await torch.fill('#timeline-search', 'pwned');
      await torch.press('#timeline-search', 'Enter');
      await torch.waitForFunction(() =>
        (document.querySelector('#timeline-details')?.textContent ?? '').includes('onerror'),
      );
      assert.ok(
        (await torch.locator('#timeline-details').innerText()).includes(OP_NAMES[0]),
        'the operator name as text',
      );

      // Kernel names: the Nsight Compute view.
      await runCommand(page, 'flamelens: Open Nsight Report…');
      await pickFile(page, path.join(ws, 'hostile-ncu.csv'));
      const ncu = await findWebviewFrame(page, '#launches-table tbody tr', 60_000);
      await ncu.waitForFunction(() => document.body.dataset.flamelensReady === '1');
      const ncuText = await ncu.evaluate(() => document.body.innerText);
      assert.ok(
        ncuText.includes(`${KERNEL_NAMES[0]}evil⟨U+202E⟩kernel_fdp`),
        'the kernel name is shown as text, its override as a marker',
      );
      const rows = ncu.locator('#launches-table tbody tr');
      // Hover events are dispatched and handled before hover() returns.
      for (let i = 0; i < Math.min(3, await rows.count()); i++) await rows.nth(i).hover({ force: true, timeout: 5000 });
      const after = await injected(page);
      for (const r of after) assert.deepEqual([r.pwned, r.imgs, r.jsLinks], [null, 0, 0], r.what.join('\n'));
      await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-kernels.png') });
    });
  },
);
