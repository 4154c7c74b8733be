// End to end, benchmarks: in a real VS Code (code-server) in Chromium, a workspace with real
// pytest-benchmark autosaves (the tokenizer made slower between them) and the test file they
// came from. The user sees the (inconclusive: one session each) CodeLens above the test, clicks it, and reads the
// comparison and history view; runs the workspace's flamelens.bench.json from the command
// palette and saves the result as a baseline; then compares two real CPU profiles of one program
// and reads the differential flame graph and the lens above the function that got slower.
import { checkThemes } from '../harness/themes.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
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
  EXAMPLES,
} from '../harness/codeServer.mjs';
import { drawnFrames, layoutProblems, lowContrastLabels } from '../harness/layout.mjs';

const FIX = path.join(ROOT, 'test', 'fixtures');

async function pick(page, label) {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

async function lensTexts(page) {
  return page.$$eval('.codelens-decoration', (els) => els.map((e) => e.textContent ?? ''));
}

test(
  'benchmarks in the editor: regression lens on a pytest-benchmark test, comparison and history view, Run Benchmarks, baseline, profile diff',
  { timeout: 400_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-bench-'));
    cpSync(path.join(FIX, 'real', 'pytest-benchmark', 'autosave'), path.join(ws, '.benchmarks'), { recursive: true });
    mkdirSync(path.join(ws, 'tests'));
    copyFileSync(
      path.join(FIX, 'real', 'pytest-benchmark', 'project', 'tests', 'test_tokenize.py'),
      path.join(ws, 'tests', 'test_tokenize.py'),
    );
    copyFileSync(path.join(EXAMPLES, 'bench', 'textops.py'), path.join(ws, 'textops.py'));
    writeFileSync(
      path.join(ws, 'flamelens.bench.json'),
      JSON.stringify(
        {
          baseline: 'main',
          benchmarks: [{ name: 'tokenize', callable: 'textops:tokenize', setup: 'textops:make_text', runs: 20 }],
        },
        null,
        2,
      ),
    );
    copyFileSync(path.join(FIX, 'generate', 'diff_target.py'), path.join(ws, 'diff_target.py'));
    copyFileSync(path.join(FIX, 'real', 'profile-diff', 'before.folded'), path.join(ws, 'before.folded'));
    copyFileSync(path.join(FIX, 'real', 'profile-diff', 'after.folded'), path.join(ws, 'after.folded'));
    // A git repository, so Compare with Baseline… can offer the interleaved run against a ref.
    writeFileSync(path.join(ws, '.gitignore'), '.flamelens/\n__pycache__/\n');
    const git = (...args) => execFileSync('git', args, { cwd: ws, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=e2e@example.invalid', '-c', 'user.name=e2e', 'commit', '-qm', 'workspace');
    await withWorkbench(
      'bench',
      ws,
      {
        settings: { 'flamelens.python.path': 'python3', 'flamelens.gpu.statusBar.enabled': false },
      },
      async ({ page }) => {
        await quickOpen(page, 'test_tokenize.py', 'def test_tokenize');

        // The lens above the test: the newer autosave against the one before.
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('.codelens-decoration')].some((e) =>
              e.textContent.includes('inconclusive vs previous run'),
            ),
          null,
          { timeout: 60_000 },
        );
        const lenses = await lensTexts(page);
        // Two autosaves are one session each: the runs alone say 21.4% slower, but with no history
        // of unchanged code the session-to-session noise is unknown, so the lens says so.
        const tokenizeLens = lenses.find((t) => t.includes('inconclusive vs previous run'));
        assert.ok(tokenizeLens, `lenses: ${lenses.join(' | ')}`);
        assert.match(tokenizeLens, /inconclusive vs previous run: one session each/);
        assert.ok(
          (await page.locator('.codelens-decoration a:has(.codicon-question)', { hasText: 'inconclusive' }).count()) >
            0,
          'the inconclusive lens carries the question codicon',
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'bench-lens.png') });

        // Its click opens the comparison with the benchmark's history.
        await page.locator('.codelens-decoration a', { hasText: 'inconclusive vs previous run' }).first().click();
        const view = await findWebviewFrame(page, '#comparison tbody tr', 60_000);
        await view.waitForFunction(() => document.body.dataset.flamelensReady === '1');
        assert.deepEqual(await layoutProblems(view), [], 'the comparison view');
        const rows = await view.$$eval('#comparison tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
        assert.equal(rows.length, 4);
        const tok = rows.find((r) => r[0].endsWith('::test_tokenize'));
        assert.equal(tok[3], '+21.4%');
        assert.equal(tok[7], '? inconclusive: one session each');
        assert.match(
          await view.textContent('#history-summary'),
          /^vs previous run: inconclusive: one session each; the run-to-run spread understates the noise .*\(runs alone: 21\.4% slower \(p<0\.001; 95% CI of the ratio 1\.\d{3}–1\.\d{3}; 30 vs 30 runs\); compared from summary statistics/,
        );
        assert.equal(await view.textContent('#history-title'), 'History: tests/test_tokenize.py::test_tokenize');
        const pixels = await waitForDrawn(view, (px) => px.some((n) => n > 500));
        assert.ok(
          pixels.some((n) => n > 500),
          `history chart drawn: ${pixels}`,
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'bench-comparison.png') });
        // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
        // no broken word in a cell, numbers right-aligned.
        assert.deepEqual(await checkThemes(page, view, 'benchmarks'), []);

        // Run Benchmarks from the palette, then save the result as the baseline "main".
        await runCommand(page, 'flamelens: Run Benchmarks');
        await page.locator('.notification-toast', { hasText: '1 benchmark measured' }).waitFor({ timeout: 120_000 });
        const results = path.join(ws, '.flamelens', 'bench', 'results');
        assert.ok(existsSync(results));
        await runCommand(page, 'flamelens: Save Results as Baseline…');
        await pick(page, 'latest:');
        const name = page.locator('.quick-input-widget input');
        await page.waitForFunction(() => document.querySelector('.quick-input-widget input')?.value === 'main', null, {
          timeout: 15_000,
        });
        await name.press('Enter');
        await page.locator('.notification-toast', { hasText: 'saved as baseline "main"' }).waitFor({ timeout: 30_000 });
        const baseline = JSON.parse(
          readFileSync(path.join(ws, '.flamelens', 'bench', 'baselines', 'main.json'), 'utf8'),
        );
        assert.equal(baseline.baseline, 'main');
        assert.equal(baseline.benchmarks[0].samples.length, 20);

        // Compare with Baseline… → Run interleaved against a git ref… → HEAD: the working tree
        // and its own commit alternate block by block in one session; unchanged code, no regression.
        await runCommand(page, 'flamelens: Compare with Baseline…');
        await pick(page, 'Run interleaved against a git ref');
        // The input box is ready for Enter once it shows its prompt and has the focus (until then
        // the widget still belongs to the closing pick, and Enter is lost).
        await page.waitForFunction(
          () => {
            const input = document.querySelector('.quick-input-widget input');
            const prompt = document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '';
            return input?.value === 'HEAD' && document.activeElement === input && prompt.includes('interleaved with');
          },
          null,
          { timeout: 15_000 },
        );
        await page.locator('.quick-input-widget input').press('Enter');
        const il = await findWebviewFrame(page, 'body[data-design="interleaved"] #comparison tbody tr', 180_000).catch(
          async (e) => {
            await page.screenshot({ path: path.join(ARTIFACTS, 'bench-interleaved-failed.png') });
            const toasts = await page.$$eval('.notification-toast', (ts) => ts.map((t) => t.textContent ?? ''));
            throw new Error(`${e.message}; notifications: ${toasts.join(' | ')}`);
          },
        );
        const ilRows = await il.$$eval('#comparison tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
        assert.equal(ilRows.length, 1);
        assert.equal(ilRows[0][0], 'tokenize');
        assert.notEqual(
          ilRows[0][7].startsWith('▲'),
          true,
          `no regression on unchanged code: ${ilRows[0].join(' | ')}`,
        );
        assert.match(await il.textContent('header'), /Benchmarks: latest vs HEAD \(interleaved\)/);
        assert.match(await il.textContent('header'), /interleaved: both sides in one session/);
        assert.equal(
          execFileSync('git', ['status', '--porcelain'], { cwd: ws, encoding: 'utf8' }),
          '',
          'the repository untouched',
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'bench-interleaved.png') });

        // Compare Two Profiles: the differential flame graph and the lens above normalize().
        await runCommand(page, 'flamelens: Compare Two Profiles…');
        await pick(page, 'Choose a profile file');
        await pickFile(page, path.join(ws, 'before.folded'));
        await pick(page, 'Choose a profile file');
        await pickFile(page, path.join(ws, 'after.folded'));
        const diff = await findWebviewFrame(page, '#diff-functions tbody tr', 60_000);
        await diff.waitForFunction(
          () => document.body.dataset.flamelensReady === '1' && window.flamelensFrames().length > 3,
        );
        assert.deepEqual(await layoutProblems(diff), [], 'the profile diff view');
        assert.deepEqual(await lowContrastLabels(diff), [], "the differential frames' labels meet WCAG AA");
        const diffRows = await diff.$$eval('#diff-functions tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
        // Largest growth first: the generator the change added, then normalize(); the unchanged
        // checksum() keeps its time but its share shrinks.
        assert.deepEqual(
          diffRows.slice(0, 2).map((r) => r[3]),
          ['<genexpr>', 'normalize'],
          JSON.stringify(diffRows),
        );
        assert.match(diffRows[0][0], /^\+2\d\.\d\d$/);
        assert.match(diffRows.find((r) => r[3] === 'checksum')[0], /^-3\d\.\d\d$/);
        const fills = (await drawnFrames(diff)).map((f) => f.fill);
        assert.ok(
          fills.some((f) => /^rgb\(255,/.test(f)),
          'frames that grew are red',
        );
        assert.ok(
          fills.some((f) => /^rgb\(\d+,\d+,255\)$/.test(f)),
          'frames that shrank are blue',
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'bench-profile-diff.png') });
        // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
        // no broken word in a cell, numbers right-aligned.
        assert.deepEqual(await checkThemes(page, diff, 'profile-diff'), []);
        await quickOpen(page, 'diff_target.py', 'def normalize');
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('.codelens-decoration')].some((e) =>
              e.textContent.includes('pts self time vs baseline run'),
            ),
          null,
          { timeout: 30_000 },
        );
        const diffLenses = (await lensTexts(page)).filter((t) => t.includes('pts self time'));
        assert.match(diffLenses[0], /^\s*\+\d+\.\d pts self time vs baseline run \(\d+\.\d% → \d+\.\d%\)/);
        assert.ok(
          (await page.locator('.codelens-decoration a:has(.codicon-arrow-up)', { hasText: 'pts self time' }).count()) >
            0,
          "a grown function's lens carries the arrow-up codicon",
        );
      },
    );
  },
);
