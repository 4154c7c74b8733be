// End to end, hostile content: a profile whose function and file names hold markup, script, a
// javascript: link, a right-to-left override, a markdown command link and a 100 KB name. The
// standalone HTML report is opened in Chromium and the profile in the real VS Code (code-server);
// both must show the names as text, and no script from the file may run anywhere
// (`window.__pwned` stays unset in the page and in every webview frame; no element with an event
// handler attribute, no javascript: link, and in the report and the webviews no inline script
// without the page's nonce. The workbench page's own inline scripts are VS Code's.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, startCodeServer, launchBrowser, openWorkbench, findWebviewFrame, quickOpen } from '../harness/codeServer.mjs';

const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'handmade', 'handmade-hostile-names.folded');

/** In every frame: was any script of the file run, and did any markup become elements? */
async function injected(page) {
  const out = [];
  for (const f of page.frames()) {
    try {
      out.push(await f.evaluate(() => ({
        pwned: (window).__pwned ?? null,
        imgs: document.querySelectorAll(`img[onerror], svg[onload], [onload], [onerror], [onclick]${location.protocol.startsWith('http') ? '' : ', script:not([src]):not([type="application/json"]):not([nonce])'}`).length,
        what: [...document.querySelectorAll(`img[onerror], svg[onload], [onload], [onerror], [onclick]${location.protocol.startsWith('http') ? '' : ', script:not([src]):not([type="application/json"]):not([nonce])'}`)].map((e) => `${location.href.slice(0, 80)} ${e.outerHTML.slice(0, 120)}`),
        jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
      })));
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

test('hostile names are shown as text in the HTML report and in VS Code; no script from the file runs', { timeout: 300_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-hostile-'));
  copyFileSync(HOSTILE, path.join(ws, 'hostile.folded'));
  writeFileSync(path.join(ws, 'hostile.py'), 'def main():\n    pass\n');
  const report = path.join(ws, 'report.html');
  execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'report', path.join(ws, 'hostile.folded'), '-o', report]);

  const browser = await launchBrowser();
  try {
    // The report, opened from disk in Chromium.
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${report}`);
    await page.waitForSelector('svg g', { timeout: 30_000 });
    await page.waitForTimeout(500);
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(text.includes('<img src=x onerror="window.__pwned'), 'the markup name is shown as text');
    assert.ok(text.includes('</script><script>window.__pwned=2</script>'), 'the script name is shown as text');
    assert.ok(text.includes('javascript:window.__pwned=4'));
    assert.ok(text.includes('⟨U+202E⟩evil_rtl_fdp.exe'), 'the right-to-left override is shown, not obeyed');
    assert.ok(!text.includes('\u202e'));
    for (const r of await injected(page)) assert.deepEqual([r.pwned, r.imgs, r.jsLinks], [null, 0, 0], r.what.join('\n'));
    assertStrictCsp(await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? ''));
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-report.png') });
    await page.close();
  } finally {
    await browser.close();
  }

  const server = await startCodeServer({ vsix: [path.join(ROOT, 'flamelens.vsix')], settings: { 'flamelens.gpu.statusBar.enabled': false } });
  const vsBrowser = await launchBrowser();
  let page;
  try {
    ({ page } = await openWorkbench(vsBrowser, server, ws));
    // Quick Open, as a user does; .folded files open in flamelens' flame graph editor.
    await quickOpen(page, 'hostile.folded');
    const frame = await findWebviewFrame(page, '#flamegraph svg g', 60_000);
    await page.waitForTimeout(1000);
    const shown = await frame.evaluate(() => document.body.innerText);
    assert.ok(shown.includes('<img src=x onerror="window.__pwned'), 'the flame graph and its table show the name as text');
    assert.ok(shown.includes('[click](command:workbench.action.quit) $(alert)'));
    assert.ok(shown.includes('⟨U+202E⟩evil_rtl_fdp.exe') && !shown.includes('\u202e'), 'the right-to-left override is shown, not obeyed');
    const labels = await frame.$$eval('#flamegraph svg g foreignObject', (fos) => fos.map((f) => f.textContent ?? ''));
    assert.ok(labels.some((l) => l.startsWith('<img src=x')), 'frame labels are text');
    // Hover a frame: the tooltip is text too.
    const frames = frame.locator('#flamegraph svg g');
    for (let i = 0; i < Math.min(8, await frames.count()); i++) await frames.nth(i).hover({ force: true, timeout: 5000 });
    await page.waitForTimeout(300);
    const all = await injected(page);
    assert.ok(all.length >= 2, 'the workbench and the webview frames were checked');
    for (const r of all) assert.deepEqual([r.pwned, r.imgs, r.jsLinks], [null, 0, 0], r.what.join('\n'));
    assertStrictCsp(await frame.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? ''));
    await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-vscode.png') });
  } catch (e) {
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-failure.png') }).catch(() => undefined);
    console.log(server.log().slice(-3000));
    throw e;
  } finally {
    await vsBrowser.close();
    await server.stop();
  }
});
