// End to end, the trace timeline: in a real VS Code (code-server) in Chromium, open a real H100
// trace (TraceLens' BERT run) with "Open Trace Timeline", zoom, find a kernel, click it, see the
// flow from its launch and the operator and Python stack that launched it, open the Python
// source at the line, select a range for its aggregate, and come back to the same window; a
// truncated trace says where it ends; and a built-in sampler run's flame graph opened in time
// order on the same view.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkThemes } from '../harness/themes.mjs';
import {
  runCommand,
  findWebviewFrame,
  withWorkbench,
  pickFile,
  quickOpen,
  ARTIFACTS,
  EXAMPLES,
  REAL,
  ROOT,
} from '../harness/codeServer.mjs';

const TRACE = 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz';
const TRUNCATED = 'truncated-edge.pt.trace.json';

const readout = (frame, what, ...args) => frame.evaluate(([w, a]) => window.flamelensTimeline[w](...a), [what, args]);

test(
  'Open Trace Timeline on a real H100 trace: zoom, click a kernel, its flow, its source line',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-timeline-'));
    copyFileSync(path.join(REAL, TRACE), path.join(ws, TRACE));
    const whole = gunzipSync(readFileSync(path.join(REAL, TRACE)));
    writeFileSync(path.join(ws, TRUNCATED), whole.subarray(0, whole.length >> 1));
    // The trace's Python frames name transformers' modeling_bert.py: a file of that path in the
    // workspace is where "open the source" must land (its lines are numbered to be checked).
    const src = path.join(ws, 'transformers', 'models', 'bert');
    mkdirSync(src, { recursive: true });
    writeFileSync(
      path.join(src, 'modeling_bert.py'),
      Array.from({ length: 1500 }, (_, i) => `# line ${i + 1}`).join('\n') + '\n',
    );
    await withWorkbench('timeline', ws, {}, async ({ page }) => {
      await runCommand(page, 'flamelens: Open Trace Timeline');
      await pickFile(page, path.join(ws, TRACE));
      const frame = await findWebviewFrame(page, '#timeline-canvas', 120_000);
      await frame.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      await frame.waitForFunction(
        () => window.flamelensTimeline.stats().answers > 0 && window.flamelensTimeline.items().length > 0,
      );
      // Before its tables came, the view said what it was reading, how far, and what it was
      // building: opened on its Timeline tab, the timeline came first, then the tables, and the
      // view stayed on the timeline.
      assert.match(
        await frame.evaluate(() => document.body.dataset.flamelensStatus ?? ''),
        /^Read torchtrace_tracelens_h100\S+\.json\.gz \(\d+\.\d MiB\): its timeline is shown; building its tables and diagnosis\.$/,
      );
      await frame.waitForFunction(() => document.body.dataset.flamelensShown === 'timeline tables');
      assert.equal(await frame.evaluate(() => document.body.dataset.flamelensTab), 'timeline');
      const whole = await readout(frame, 'window');
      const canvas = frame.locator('#timeline-canvas');
      const box = await readout(frame, 'canvas');

      // Zoom with the keyboard and with Ctrl+wheel at the pointer, pan with a drag.
      await canvas.click({ position: { x: 200, y: 10 } });
      await page.keyboard.press('w');
      await frame.waitForFunction(
        (w) => window.flamelensTimeline.window().t1 - window.flamelensTimeline.window().t0 < (w.t1 - w.t0) * 0.9,
        whole,
      );
      const afterW = await readout(frame, 'window');
      await canvas.hover({ position: { x: Math.round(box.width * 0.6), y: 60 } });
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -200);
      await page.keyboard.up('Control');
      await frame.waitForFunction(
        (w) => window.flamelensTimeline.window().t1 - window.flamelensTimeline.window().t0 < (w.t1 - w.t0) * 0.9,
        afterW,
      );
      const zoomed = await readout(frame, 'window');
      await canvas.dragTo(canvas, { sourcePosition: { x: 600, y: 60 }, targetPosition: { x: 400, y: 60 } });
      await frame.waitForFunction((w) => window.flamelensTimeline.window().t0 > w.t0, zoomed);

      // Find a kernel by name: the search steps to its first instance and zooms to it.
      await frame.fill('#timeline-search', 'indexSelectLargeIndex');
      await frame.press('#timeline-search', 'Enter');
      await frame.waitForFunction(() =>
        /^1 of \d/.test(document.querySelector('#timeline-matches')?.textContent ?? ''),
      );
      await frame.waitForFunction(() =>
        window.flamelensTimeline.items().some((i) => i.count === 1 && /indexSelectLargeIndex/.test(i.name) && i.w >= 4),
      );
      const kernel = (await readout(frame, 'items')).find(
        (i) => i.count === 1 && /indexSelectLargeIndex/.test(i.name) && i.w >= 4,
      );
      // Click it as a user would: the details name its launch and operator, the flow is drawn.
      await frame.press('#timeline-search', 'Escape');
      await canvas.click({
        position: { x: Math.round(kernel.x + Math.min(kernel.w / 2, 20)), y: Math.round(kernel.y) },
      });
      await frame.waitForFunction(
        (f) => window.flamelensTimeline.selected()?.flat === f && window.flamelensTimeline.flows() > 0,
        kernel.flat,
      );
      const details = await frame.locator('#timeline-details').innerText();
      assert.match(details, /indexSelectLargeIndex/);
      assert.match(details, /Launched by cudaLaunchKernel/);
      assert.match(details, /in operator aten::/);
      await page.screenshot({ path: path.join(ROOT, 'docs', 'images', 'torch-timeline.png') });
      await page.screenshot({ path: path.join(ARTIFACTS, 'torch-timeline.png') });

      // Shift+drag selects a range: its aggregate table lists what is in it.
      await canvas.hover({ position: { x: 300, y: 60 } });
      await page.keyboard.down('Shift');
      await page.mouse.down();
      const cb = await canvas.boundingBox();
      await page.mouse.move(cb.x + 700, cb.y + 200, { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      await frame.waitForSelector('#timeline-aggregate-table tbody tr');
      const rows = await frame.$$eval('#timeline-aggregate-table tbody tr', (trs) => trs.length);
      assert.ok(rows > 0, 'the selection has an aggregate');

      // The Python stack links open the source at the line.
      const link = frame.locator('#timeline-stack a', { hasText: 'modeling_bert.py' }).first();
      const text = await link.innerText();
      const line = Number(/:(\d+)\)$/.exec(text)[1]);
      await link.click();
      await page.locator('.tabs-container .tab.active', { hasText: 'modeling_bert.py' }).waitFor({ timeout: 30_000 });
      await page.locator('.monaco-editor .view-lines', { hasText: `# line ${line}` }).waitFor({ timeout: 30_000 });
      await page.locator('.statusbar', { hasText: `Ln ${line},` }).waitFor({ timeout: 30_000 });

      // Closed and opened again, the view comes back at the same window; and it reads well in
      // Light, Dark and High Contrast, beside the code and maximized.
      const before = await readout(frame, 'window');
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 30_000 });
      await runCommand(page, 'flamelens: Open Trace Timeline');
      await pickFile(page, path.join(ws, TRACE));
      const again = await findWebviewFrame(page, '#timeline-canvas', 120_000);
      await again.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      const restored = await readout(again, 'window');
      assert.ok(
        Math.abs(restored.t0 - before.t0) < 1e-6 && Math.abs(restored.t1 - before.t1) < 1e-6,
        `window ${JSON.stringify(restored)} vs ${JSON.stringify(before)}`,
      );
      await again.waitForFunction(() => window.flamelensTimeline.stats().answers > 0);
      assert.deepEqual(await checkThemes(page, again, 'torch-timeline'), []);

      // A trace cut in half (made here from the real one: no real file shows it): the view says
      // what is wrong and where, and the editor goes on.
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 30_000 });
      await runCommand(page, 'flamelens: Open Trace Timeline');
      await pickFile(page, path.join(ws, TRUNCATED));
      const broken = await findWebviewFrame(page, 'p.status.error', 120_000);
      assert.match(
        await broken.textContent('p.status.error'),
        new RegExp(`${TRUNCATED.replace(/\./g, '\\.')}:offset \\d+: the JSON ends early`),
      );
    });
  },
);

test(
  'an Nsight Systems export (real, 2x H100): from its report to the timeline, a launch linked to its kernel and back',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-timeline-nsys-'));
    const NSYS = 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite';
    copyFileSync(path.join(REAL, 'nsys', NSYS), path.join(ws, NSYS));
    await withWorkbench('timeline-nsys', ws, {}, async ({ page }) => {
      await runCommand(page, 'flamelens: Open Nsight Report…');
      await pickFile(page, path.join(ws, NSYS));
      const report = await findWebviewFrame(page, '#open-timeline', 60_000);
      await report.click('#open-timeline');
      const frame = await findWebviewFrame(page, '#timeline-canvas', 120_000);
      await frame.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      // Both GPUs and both processes are lanes.
      const lanes = (await readout(frame, 'lanes')).join('\n');
      assert.match(lanes, /^GPU 0 · stream 7$/m);
      assert.match(lanes, /^GPU 1 · stream \d+$/m);
      assert.match(lanes, /^process 111 · thread 111$/m);
      assert.match(lanes, /^process 112 · thread 112$/m);
      // A launch, found by search: its details list the kernel it launched (the GPU runs some
      // 420 ms behind); the link goes to the kernel, whose details name the launch back.
      await frame.fill('#timeline-search', 'cudaLaunchKernel');
      await frame.press('#timeline-search', 'Enter');
      await frame.waitForFunction(() =>
        /^1 of \d/.test(document.querySelector('#timeline-matches')?.textContent ?? ''),
      );
      await frame.waitForFunction(() => {
        const s = window.flamelensTimeline.selected();
        return s !== undefined && window.flamelensTimeline.details()?.flat === s.flat;
      });
      const launch = await readout(frame, 'selected');
      assert.match(await frame.locator('#timeline-details').innerText(), /Launched 1 GPU activity/);
      await frame.locator('#timeline-details ol.launches a').first().click();
      await frame.waitForFunction((f) => {
        const s = window.flamelensTimeline.selected();
        return s !== undefined && s.flat !== f && window.flamelensTimeline.details()?.flat === s.flat;
      }, launch.flat);
      const details = await frame.locator('#timeline-details').innerText();
      assert.match(details, /^kernel · GPU \d · stream \d+/m);
      const linked = /Launched by cudaLaunchKernel/.test(details) ? { details } : undefined;
      assert.ok(linked, details);
      assert.match(linked.details, /in operator aten::/);
      await frame.waitForFunction(() => window.flamelensTimeline.flows() > 0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'nsys-timeline.png') });
    });
  },
);

test(
  'a CPU profile in time order: from the built-in sampler run flame graph to the timeline and the source line',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-timeline-cpu-'));
    copyFileSync(path.join(EXAMPLES, 'matrix_work.py'), path.join(ws, 'matrix_work.py'));
    await withWorkbench('timeline-cpu', ws, { settings: { 'flamelens.profiler.rate': 200 } }, async ({ page }) => {
      await quickOpen(page, 'matrix_work.py', 'def multiply');
      await runCommand(page, 'flamelens: Profile Current Python File');
      const flame = await findWebviewFrame(page, '#flamegraph canvas', 90_000);
      await flame.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      // The run's file says when each sample was taken: the flame graph offers its time order.
      await flame.locator('#time-order').click();
      const frame = await findWebviewFrame(page, '#timeline-canvas', 120_000);
      await frame.waitForFunction(() => document.body.dataset.flamelensTimeline === 'ready', undefined, {
        timeout: 60_000,
      });
      assert.match((await readout(frame, 'lanes')).join('\n'), /^process \d+ · thread MainThread \(0x[0-9a-f]+\)$/m);
      assert.match(await frame.locator('header .hint').first().innerText(), /CPU profile in time order/);
      // multiply's spans, found by search, nested in train_step's by time.
      await frame.fill('#timeline-search', 'multiply');
      await frame.press('#timeline-search', 'Enter');
      await frame.waitForFunction(() =>
        /^1 of \d/.test(document.querySelector('#timeline-matches')?.textContent ?? ''),
      );
      await frame.waitForFunction(() => {
        const s = window.flamelensTimeline.selected();
        return s !== undefined && window.flamelensTimeline.details()?.flat === s.flat;
      });
      const details = await frame.locator('#timeline-details').innerText();
      assert.match(details, /^python · process \d+ · thread MainThread/m);
      assert.match(details, /multiply \(.*matrix_work\.py:\d+\)/);
      // Its stack links open the source at the line the sample was at.
      const link = frame.locator('#timeline-stack a', { hasText: 'train_step' }).first();
      const line = Number(/:(\d+)\)$/.exec(await link.innerText())[1]);
      await link.click();
      await page.locator('.statusbar', { hasText: `Ln ${line},` }).waitFor({ timeout: 30_000 });
      const source = readFileSync(path.join(ws, 'matrix_work.py'), 'utf8').split('\n');
      assert.match(source[line - 1], /multiply\(/, `line ${line} of matrix_work.py calls multiply`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'cpu-time-order.png') });
    });
  },
);
