// End to end, GPU telemetry: in a real VS Code (code-server) in Chromium, with the stand-in
// nvidia-smi (replaying a real V100S loop log and a real H100 --query-compute-apps) as the
// user's nvidia-smi: the status bar shows the readout, and a click on it opens the dashboard
// with its charts drawn and the GPU processes listed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, startCodeServer, launchBrowser, openWorkbench, findWebviewFrame } from '../harness/codeServer.mjs';

const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');

test('GPU readout in the status bar; a click opens the dashboard with charts', { timeout: 300_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-gpu-'));
  const server = await startCodeServer({ vsix: [path.join(ROOT, 'flamelens.vsix')], settings: { 'flamelens.gpu.nvidiaSmiPath': path.join(ROOT, 'test', 'fixtures', 'bin', 'nvidia-smi') } });
  const browser = await launchBrowser();
  let page;
  try {
    ({ page } = await openWorkbench(browser, server, ws));
    const item = page.locator('.statusbar-item', { hasText: /GPU0 \d+%/ }).first();
    await item.waitFor({ timeout: 60_000 });
    const text = (await item.innerText()).trim();
    assert.match(text, /GPU0 \d+% · \d+\.\d\/32 GB · \d+°C/);
    await item.click();
    const frame = await findWebviewFrame(page, '#gpu-processes', 60_000);
    await frame.waitForFunction(() => document.body.dataset.flamelensReady === '1');
    // Charts are drawn: canvases with non-blank pixels once a few readings have arrived.
    await page.waitForTimeout(3000);
    const drawn = await frame.$$eval('canvas', (cs) => cs.map((c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0) return 0;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }));
    assert.ok(drawn.length >= 8, `${drawn.length} charts`);
    assert.ok(drawn.filter((n) => n > 0).length >= 8, 'every chart is drawn');
    await frame.waitForFunction(() => [...document.querySelectorAll('#gpu-processes tr')].some((tr) => (tr.textContent ?? '').includes('./gpu_burn')), undefined, { timeout: 20_000 });
    const procs = await frame.$$eval('#gpu-processes tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.ok(procs.some((p) => p.includes('./gpu_burn') && p.includes('7484')), 'the GPU processes of the capture');
    const state = await frame.$eval('#gpu-state', (e) => e.textContent ?? '');
    assert.match(state, /live · nvidia-smi/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-dashboard.png') });
  } catch (e) {
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-failure.png') }).catch(() => undefined);
    throw e;
  } finally {
    await browser.close();
    await server.stop();
  }
});
