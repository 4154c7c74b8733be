// End to end, the standalone HTML report as a user opens it from disk in Chromium: a CPU profile
// (real built-in sampler output) and a PyTorch trace (real Debian torch 1.13 trace), each at
// 900 px and at 500 px. The page draws its first view, nothing scrolls sideways, no cell breaks
// a word, numbers are right-aligned, frame labels meet WCAG AA, and the flame graph answers the
// pointer (tooltip, zoom) once it has read its profile.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { launchBrowser, ARTIFACTS, REAL, ROOT } from '../harness/codeServer.mjs';
import { drawnFrames, framePosition, layoutProblems, lowContrastLabels } from '../harness/layout.mjs';

const CLI = path.join(ROOT, 'dist', 'cli.js');

function report(input) {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'flamelens-report-')), 'report.html');
  execFileSync(process.execPath, [CLI, 'report', input, '-o', out], { stdio: 'pipe' });
  return out;
}

test('the HTML report at 900 px and 500 px: drawn, readable, no sideways scroll', { timeout: 180_000 }, async () => {
  const cpu = report(path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'));
  const trace = report(path.join(REAL, 'torch1.13.1-debian_cpu_legacy_mlp.trace.json'));
  const browser = await launchBrowser();
  try {
    for (const width of [900, 500]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${cpu}`);
      await page.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      await page.waitForSelector('#hot-table tbody tr', { timeout: 30_000 });
      assert.deepEqual(await layoutProblems(page), [], `the flame graph report at ${width} px`);
      assert.deepEqual(await lowContrastLabels(page), [], `frame labels at ${width} px`);
      const frames = await drawnFrames(page);
      assert.ok(
        frames.some((f) => f.name === 'multiply'),
        frames.map((f) => f.name),
      );
      // The pointer: the tooltip follows it, and a click zooms (the page reads its profile then).
      await page.locator('#flamegraph canvas').hover({ position: await framePosition(page, 'train_step') });
      await page.waitForFunction(() => document.querySelector('.tooltip')?.hidden === false, null, { timeout: 5_000 });
      assert.match((await page.locator('.tooltip').textContent()) ?? '', /train_step.*Total: [\d,]+ samples/s);
      const before = await page.evaluate(() => document.body.dataset.flamelensReady);
      await page.locator('#flamegraph canvas').click({ position: await framePosition(page, 'train_step') });
      await page.waitForFunction((b) => document.body.dataset.flamelensReady !== b, before, { timeout: 15_000 });
      await page.waitForFunction(
        () => {
          const t = window.flamelensFrames().find((f) => f.name === 'train_step');
          return t && t.w >= document.querySelector('#flamegraph canvas').getBoundingClientRect().width - 1;
        },
        null,
        { timeout: 10_000 },
      );
      await page.screenshot({ path: path.join(ARTIFACTS, `report-flamegraph-${width}.png`), fullPage: true });

      await page.goto(`file://${trace}`);
      await page.waitForFunction(() => document.body.dataset.flamelensReady === '1', null, { timeout: 30_000 });
      assert.deepEqual(await layoutProblems(page), [], `the trace report at ${width} px`);
      await page.screenshot({ path: path.join(ARTIFACTS, `report-trace-${width}.png`), fullPage: true });
      // A table taller than the window scrolls inside itself, and its header stays in sight.
      const sticky = await page.evaluate(() => {
        const scroll = [...document.querySelectorAll('.table-scroll')].find(
          (s) => s.scrollHeight > s.clientHeight + 50,
        );
        if (!scroll) return 'no table scrolls inside itself';
        scroll.scrollTop = scroll.scrollHeight;
        const head = scroll.querySelector('thead th').getBoundingClientRect().top;
        const box = scroll.getBoundingClientRect().top;
        return Math.abs(head - box) <= 1 ? 'header in sight' : `header ${Math.round(box - head)} px above its table`;
      });
      assert.equal(sticky, 'header in sight', `the operator table at ${width} px`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test(
  'the HTML report of a real H100 trace carries its timeline: drawn, searched and detailed in the page',
  { timeout: 120_000 },
  async () => {
    const trace = report(path.join(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz'));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`file://${trace}`);
      await page.waitForFunction(() => document.body.dataset.flamelensReady === '1', null, { timeout: 30_000 });
      await page.click('#tab-timeline');
      await page.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', null, { timeout: 30_000 });
      await page.waitForFunction(() => window.flamelensTimeline.items().length > 100);
      await page.fill('#timeline-search', 'indexSelectLargeIndex');
      await page.press('#timeline-search', 'Enter');
      await page.waitForFunction(() => /^1 of \d/.test(document.querySelector('#timeline-matches')?.textContent ?? ''));
      await page.waitForFunction(() =>
        (document.querySelector('#timeline-details')?.textContent ?? '').includes('indexSelectLargeIndex'),
      );
      // From the index alone: the Python frames the kernel's launch ran in are not known, but an
      // operator's are: select one and its stack lists modeling_bert.py frames with lines.
      await page.fill('#timeline-search', 'aten::embedding');
      await page.press('#timeline-search', 'Enter');
      await page.waitForFunction(() =>
        /modeling_bert\.py:\d+/.test(document.querySelector('#timeline-stack')?.textContent ?? ''),
      );
      assert.deepEqual(await layoutProblems(page), [], 'the timeline tab of the report');
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-timeline.png') });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
