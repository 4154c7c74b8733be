// End to end, as a user: install the packaged VSIX into a real VS Code (code-server) in a real
// browser (Chromium), open a workspace with an example script, run "Profile Current Python File"
// from the command palette, and check what the user sees: the flame graph with the hot
// function, the CodeLens above it, and the run in the activity-bar view. Screenshots go to
// test/e2e/artifacts/.
import { checkThemes } from '../harness/themes.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { quickOpen, runCommand, findWebviewFrame, withWorkbench, ARTIFACTS, EXAMPLES } from '../harness/codeServer.mjs';
import { drawnFrames, layoutProblems, lowContrastLabels, pointAtFrame } from '../harness/layout.mjs';

test(
  'Profile Current Python File: flame graph, CodeLens and runs view in a real VS Code',
  { timeout: 400_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-ws-'));
    cpSync(path.join(EXAMPLES, 'matrix_work.py'), path.join(ws, 'matrix_work.py'));
    await withWorkbench('profile', ws, { settings: { 'flamelens.profiler.rate': 200 } }, async ({ page }) => {
      await quickOpen(page, 'matrix_work.py', 'def multiply');

      await runCommand(page, 'flamelens: Profile Current Python File');

      // The flame graph webview (an iframe inside an iframe) shows the script's hot function.
      const frame = await findWebviewFrame(page, '#flamegraph canvas', 90_000);
      await frame.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      const frameNames = (await drawnFrames(frame)).map((f) => f.name);
      assert.ok(frameNames.includes('multiply'), `flame graph frames: ${frameNames.join(', ')}`);
      // Location is the def line, once the host has read the source (maybe after the first view).
      await frame.waitForFunction(
        () =>
          [...document.querySelectorAll('#hot-table tbody tr')].some(
            (r) => r.textContent.includes('multiply') && r.textContent.includes('matrix_work.py:8'),
          ),
        null,
        { timeout: 30_000 },
      );
      const hotRows = await frame.$$eval('#hot-table tbody tr', (rows) => rows.map((r) => r.textContent));
      // Beside the code, the pane is about 550 px wide: nothing scrolls sideways or breaks.
      assert.deepEqual(await layoutProblems(frame), [], 'the flame graph at the width beside the code');
      assert.deepEqual(await lowContrastLabels(frame), [], 'every frame label meets WCAG AA');
      assert.ok(
        hotRows.some((r) => r.includes('multiply') && r.includes('matrix_work.py')),
        'hot functions table lists multiply',
      );

      // Hover a frame: the tooltip shows its share as text.
      await pointAtFrame(frame, 'multiply');
      await frame.waitForFunction(() => document.querySelector('.tooltip')?.hidden === false, null, { timeout: 5_000 });
      const tip = await frame.locator('.tooltip').textContent();
      assert.match(tip ?? '', /multiply.*Total: [\d,]+ samples \(\d+\.\d%\).*Self:/s);
      // One frame per function, as the table counts: the same share, and the def line as Location.
      assert.equal((await drawnFrames(frame)).filter((f) => f.name === 'multiply').length, 1);
      const tipShare = /Total: [\d,]+ samples \((\d+\.\d%)\)/.exec(tip ?? '')?.[1];
      const rowShare = hotRows.find((r) => r.includes('multiply'))?.match(/^(\d+\.\d%)/)?.[1];
      assert.equal(tipShare, rowShare, `tooltip ${tip} vs table ${hotRows.join(' | ')}`);
      assert.match(tip ?? '', /matrix_work\.py:8( · hottest line \d+)?/, 'def multiply is line 8');
      // The tooltip leaves with the pointer.
      await frame.locator('#hot-table').hover();
      await frame.waitForFunction(() => document.querySelector('.tooltip')?.hidden === true, null, { timeout: 5_000 });
      // Keyboard: arrows move between frames (announced and outlined), Esc resets.
      await frame.focus('#flamegraph');
      for (const key of ['ArrowUp', 'ArrowUp', 'ArrowUp']) await page.keyboard.press(key);
      await frame.waitForFunction(() => window.flamelensFrames().filter((f) => f.selected).length === 1, null, {
        timeout: 5_000,
      });
      assert.match((await frame.locator('#frame-live').textContent()) ?? '', /Total: [\d,]+ samples/);
      assert.equal(await frame.locator('.tooltip').isVisible(), true, 'the selection shows its tooltip');
      // By line: the function's frames split by the line they were at, and say which.
      const merged = await frame.evaluate(() => document.body.dataset.flamelensReady);
      await frame.locator('#by-line').click();
      await frame.waitForFunction((b) => document.body.dataset.flamelensReady !== b, merged, { timeout: 15_000 });
      const perLine = (await drawnFrames(frame)).filter((f) => f.name === 'multiply').length;
      assert.ok(perLine >= 1, `${perLine} frames of multiply by line`);
      await pointAtFrame(frame, 'multiply');
      assert.match((await frame.locator('.tooltip').textContent()) ?? '', /matrix_work\.py:(9|1\d|20)(?! · hottest)/);
      const byLine = await frame.evaluate(() => document.body.dataset.flamelensReady);
      await frame.locator('#by-line').click();
      await frame.waitForFunction((b) => document.body.dataset.flamelensReady !== b, byLine, { timeout: 15_000 });

      // The CodeLens above `def multiply` in the editor.
      await page.waitForFunction(() => document.querySelector('.codelens-decoration .codicon-flame') !== null, null, {
        timeout: 30_000,
      });
      // The flame codicon, then the shares (the icon has no text).
      const lenses = await page.$$eval('.codelens-decoration:has(.codicon-flame)', (els) =>
        els.map((e) => e.textContent),
      );
      assert.ok(
        lenses.some((l) => /^\s*\d+\.\d% total · \d+\.\d% self · [\d,]+ samples?/.test(l)),
        `lenses: ${lenses.join(' | ')}`,
      );
      const heated = await page.$$eval(
        '.monaco-editor .view-overlays > div > div',
        (els) => els.filter((e) => (e.className || '').includes('ced-')).length,
      );
      assert.ok(heated > 0, 'hot lines are tinted');
      await page.screenshot({ path: path.join(ARTIFACTS, 'flamegraph-and-lenses.png') });
      // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
      // no broken word in a cell, numbers right-aligned.
      assert.deepEqual(await checkThemes(page, frame, 'flamegraph'), []);

      // Search in the flame graph shows the matched share.
      await frame.locator('#search input, #search').first().click();
      await page.keyboard.type('multiply');
      await frame.waitForFunction(
        () => /% matched/.test(document.getElementById('search-info')?.textContent ?? ''),
        null,
        { timeout: 10_000 },
      );

      // Click the frame: the callers/callees table shows train_step calling it.
      const before = await frame.evaluate(() => document.body.dataset.flamelensReady);
      await pointAtFrame(frame, 'multiply', 'click');
      await frame.waitForFunction(
        () => (document.getElementById('sandwich')?.textContent ?? '').includes('train_step'),
        null,
        { timeout: 15_000 },
      );
      // Zooming asks the extension host for the detail under the frame and redraws it full width.
      await frame.waitForFunction((b) => document.body.dataset.flamelensReady !== b, before, { timeout: 15_000 });
      await frame.waitForFunction(
        () => {
          const m = window.flamelensFrames().find((f) => f.name === 'multiply');
          const canvas = document.querySelector('#flamegraph canvas');
          return m && canvas && m.w >= canvas.getBoundingClientRect().width - 1;
        },
        null,
        { timeout: 10_000 },
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'flamegraph-zoomed-sandwich.png') });

      // The flamelens view in the activity bar lists the run.
      await page.locator('.activitybar [aria-label^="flamelens"]').first().click();
      const runRow = page
        .locator('.monaco-list-row', { hasText: 'matrix_work.py' })
        .filter({ hasText: 'builtin' })
        .first();
      await runRow.waitFor({ timeout: 20_000 });
      assert.match((await runRow.textContent()) ?? '', /builtin · [\d,]+ samples/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'runs-view.png') });

      // Get started: the walkthrough lists its three steps, and its first opens the example.
      await runCommand(page, 'Welcome: Open Walkthrough');
      const walk = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get started with flamelens' });
      await walk.first().waitFor({ state: 'visible', timeout: 15_000 });
      await walk.first().click();
      for (const title of ['Open an example program', 'Profile it', 'Read the flame graph and the lenses'])
        await page.locator('.getting-started-step', { hasText: title }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'walkthrough.png') });
      await page.locator('.getting-started-step', { hasText: 'Open an example program' }).first().click();
      await page.getByRole('button', { name: 'Open the Example' }).first().click();
      await page
        .locator('.monaco-breadcrumbs', { hasText: 'example' })
        .filter({ hasText: 'matrix_work.py' })
        .first()
        .waitFor({ timeout: 30_000 });
    });
  },
);
