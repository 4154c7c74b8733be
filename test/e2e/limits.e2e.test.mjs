// End to end, resource bounds: with the size limit at 1 MiB (flamelens.files.sizeLimitMB), opening
// a larger CPU profile or PyTorch trace in the real VS Code asks first. "Cancel" leaves the view
// saying why nothing was read; "Open Anyway" reads and draws it; a file under the limit opens
// without a question. A large run left in the workspace is not read at start-up, and nothing asks.
// A file that needs more memory than a reader may have (flamelens.files.readMemoryMB) stops its
// reader with a message, and the editor goes on opening files. A trace view closed while its trace
// is read stops its reader.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  mkdtempSync,
  writeFileSync,
  copyFileSync,
  readFileSync,
  mkdirSync,
  statSync,
  appendFileSync,
  rmSync,
} from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  findWebviewFrame,
  quickOpen,
  runCommand,
  waitForWorkbench,
  countLog,
  waitForLogCount,
  withWorkbench,
  ARTIFACTS,
  REAL,
  EXAMPLES,
  waitForLog,
  extensionLog,
} from '../harness/codeServer.mjs';

async function open(page, name) {
  await page.locator('.monaco-workbench .part.sidebar').first().click();
  await quickOpen(page, name);
}

async function answerDialog(page, expectText, button) {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  assert.match(await dialog.innerText(), expectText);
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden' });
}

test('files over the size limit are opened only after asking', { timeout: 300_000 }, async () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-limits-'));
  // A real sampler profile under the limit, and the same lines repeated past 1 MiB (same stacks, more samples).
  const folded = readFileSync(path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'), 'utf8');
  writeFileSync(path.join(ws, 'small.folded'), folded);
  const large = folded.repeat(Math.ceil((1.5 * 2 ** 20) / folded.length));
  writeFileSync(path.join(ws, 'large.folded'), large);
  // A run left in the workspace whose profile is over the limit: restoring its lenses at start-up must not ask (nobody asked to open it).
  const runDir = path.join(ws, '.flamelens', 'runs', '20260101-000000-000-big');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'profile.folded'), large);
  copyFileSync(path.join(EXAMPLES, 'matrix_work.py'), path.join(ws, 'matrix_work.py'));
  // Three million stacks, each with a function of its own: over a gigabyte to read, 80 MB on disk.
  const lines = [];
  for (let i = 0; i < 3_000_000; i++) lines.push(`main;work;fn_${i} 1`);
  writeFileSync(path.join(ws, 'huge.folded'), lines.join('\n') + '\n');
  writeCpuRun(runDir, ws);
  copyFileSync(
    path.join(REAL, 'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0.1623143089861.pt.trace.json.gz'),
    path.join(ws, 'resnet.pt.trace.json.gz'),
  );
  assert.ok(statSync(path.join(ws, 'resnet.pt.trace.json.gz')).size > 2 ** 20);

  await withWorkbench(
    'limits',
    ws,
    {
      settings: { 'flamelens.files.sizeLimitMB': 1, 'flamelens.files.readMemoryMB': 256 },
    },
    async ({ page, server }) => {
      // At start-up flamelens looks at the newest run to restore its lenses, and says why it did not.
      await waitForLog(
        server,
        /Not restoring the lenses of run 20260101-000000-000-big: .* over flamelens\.files\.sizeLimitMB/,
      );
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no question at start-up for the large run');
      await quickOpen(page, 'matrix_work.py', 'def multiply');
      // That log line is where the lenses would have been made: none are, whenever the editor asks.
      assert.equal(
        await page.locator('.codelens-decoration:has(.codicon-flame)').count(),
        0,
        'the large run was not read at start-up: no hot-path lenses',
      );

      await open(page, 'small.folded');
      const small = await findWebviewFrame(page, '#flamegraph canvas', 60_000);
      await small.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      assert.ok(
        (await small.evaluate(() => window.flamelensFrames().length)) > 3,
        'under the limit: drawn, no question',
      );
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0);

      await open(page, 'large.folded');
      await answerDialog(page, /large\.folded is 1\.\d MiB, over the 1 MiB limit\. Open it anyway\?/, 'Cancel');
      const declined = await findWebviewFrame(page, '.error', 30_000);
      assert.match(
        await declined.locator('.error').first().innerText(),
        /Not opened: .*large\.folded is 1\.\d MiB, over the 1 MiB limit \(flamelens\.files\.sizeLimitMB\)/,
      );

      await open(page, 'resnet.pt.trace.json.gz');
      await answerDialog(page, /resnet\.pt\.trace\.json\.gz is 1\.\d MiB, over the 1 MiB limit/, 'Open Anyway');
      const trace = await findWebviewFrame(page, '#ops-table tbody tr', 120_000);
      assert.ok((await trace.$$('#ops-table tbody tr')).length > 5, 'opened anyway: the operator table is filled');
      await page.screenshot({ path: path.join(ARTIFACTS, 'limits-opened-anyway.png') });

      // Past the reader's memory: its worker stops with a message; the editor is fine.
      await open(page, 'huge.folded');
      await answerDialog(page, /huge\.folded is \d+ MiB, over the 1 MiB limit/, 'Open Anyway');
      let message = '';
      for (const end = Date.now() + 180_000; !message && Date.now() < end;) {
        for (const f of page.frames()) {
          const t = await f
            .locator('.error')
            .allInnerTexts()
            .catch(() => []);
          message = t.find((x) => /huge\.folded/.test(x)) ?? '';
          if (message) break;
        }
        if (!message) await page.waitForTimeout(250);
      }
      assert.match(
        message,
        /huge\.folded: reading it needed more than 256 MiB of memory, so flamelens stopped \(flamelens\.files\.readMemoryMB sets the limit\)/,
      );
      await runCommand(page, 'View: Close All Editors');
      await open(page, 'small.folded');
      const again = await findWebviewFrame(page, '#flamegraph canvas', 60_000);
      // The canvas exists before it is drawn: wait for the drawing.
      await again.waitForFunction(() => document.body.dataset.flamelensReady !== undefined, null, { timeout: 30_000 });
      assert.ok((await again.evaluate(() => window.flamelensFrames().length)) > 3, 'the editor still opens profiles');

      // The same run under a raised limit: after a reload its lenses are restored (the check above was not vacuous).
      await runCommand(page, 'View: Close All Editors'); // nothing to restore after the reload but the lenses
      const changes = countLog(server, /Settings changed/);
      writeFileSync(
        path.join(server.userData, 'Machine', 'settings.json'),
        JSON.stringify({ 'flamelens.files.sizeLimitMB': 64 }),
      );
      await waitForLogCount(server, /Settings changed/, changes);
      const activations = countLog(server, /flamelens \S+ activated/);
      await page.reload();
      await waitForWorkbench(page, server, activations);
      await page.locator('.monaco-workbench .part.sidebar').first().click();
      await quickOpen(page, 'matrix_work.py', 'def multiply');
      await page.locator('.codelens-decoration:has(.codicon-flame)').first().waitFor({ timeout: 30_000 });
    },
  );
});

test(
  'a trace view closed while its trace is read stops its reader, and nothing of it comes after',
  { timeout: 300_000 },
  async (t) => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-closed-'));
    // 270 MB of files: removed at the end, however the test ends.
    t.after(() => rmSync(ws, { recursive: true, force: true }));
    // A big trace: a real one's events (TensorBoard plugin's ResNet-50 run) repeated to about 200 MB,
    // which takes seconds to read and index (no real file of that size is kept here).
    const real = path.join(REAL, 'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0.1623143089861.pt.trace.json.gz');
    const doc = JSON.parse(gunzipSync(readFileSync(real)).toString('utf8'));
    const events = doc.traceEvents.map((e) => JSON.stringify(e)).join(',\n');
    const big = path.join(ws, 'big.pt.trace.json');
    writeFileSync(big, '{"traceEvents": [\n' + events);
    while (statSync(big).size < 200 * 2 ** 20) appendFileSync(big, ',\n' + events);
    appendFileSync(big, '\n]}\n');
    copyFileSync(real, path.join(ws, 'resnet.pt.trace.json.gz'));
    // A CPU profile of three million stacks (68 MB): its read takes 10 s or more here.
    const stacks = [];
    for (let i = 0; i < 3_000_000; i++) stacks.push(`main;work;fn_${i} 1`);
    writeFileSync(path.join(ws, 'huge.folded'), stacks.join('\n') + '\n');
    // The same profile as a run's (older than the workspace's other run, so start-up does not read it).
    const hugeRun = path.join(ws, '.flamelens', 'runs', '20250101-000000-000-hugerun');
    mkdirSync(hugeRun, { recursive: true });
    copyFileSync(path.join(ws, 'huge.folded'), path.join(hugeRun, 'profile.folded'));
    writeCpuRun(hugeRun, ws);
    await withWorkbench(
      'closed',
      ws,
      { settings: { 'flamelens.files.sizeLimitMB': 1024 } },
      async ({ page, server }) => {
        await open(page, 'big.pt.trace.json');
        const view = await findWebviewFrame(page, '#trace-status', 60_000);
        await view.waitForFunction(
          () => /^Reading big\.pt\.trace\.json .*: \d+%/.test(document.body.dataset.flamelensStatus ?? ''),
          null,
          {
            timeout: 60_000,
          },
        );
        await runCommand(page, 'View: Close All Editors');
        await waitForLog(
          server,
          /big\.pt\.trace\.json: its view was closed while it was read; its reader was stopped/,
          60_000,
        );
        // Its tables were never built for it: the reader stopped (before, it read on and built them).
        assert.doesNotMatch(extensionLog(server), /Read \S*big\.pt\.trace\.json \(\d+ events\): its tables/);
        // The editor goes on opening traces.
        await open(page, 'resnet.pt.trace.json.gz');
        const trace = await findWebviewFrame(page, '#ops-table tbody tr', 120_000);
        assert.ok((await trace.$$('#ops-table tbody tr')).length > 5, 'the next trace opens');
        assert.doesNotMatch(extensionLog(server), /Read \S*big\.pt\.trace\.json \(\d+ events\): its tables/);
        // A flame graph's editor closed while its profile is read (it shows nothing until then).
        await open(page, 'huge.folded');
        await runCommand(page, 'View: Close All Editors');
        await waitForLog(server, /huge\.folded: its view was closed while it was read; its reader was stopped/, 60_000);
        assert.doesNotMatch(extensionLog(server), /Parsed \S*huge\.folded/);
        // A run's profile opened from the Runs view: a notification says what is read, and its
        // Cancel stops the reader; no flame graph opens.
        await page.locator('.activitybar [aria-label^="flamelens"]').first().click();
        await page.locator('.monaco-list-row', { hasText: 'hugerun' }).first().click();
        const toast = page.locator('.notification-toast', {
          hasText: /flamelens: reading run hugerun \(\d+\.\d MiB\)/,
        });
        await toast.waitFor({ timeout: 30_000 });
        await toast.getByRole('button', { name: 'Cancel' }).click();
        await waitForLog(server, /hugerun\/profile\.folded: its read was cancelled; its reader was stopped/, 60_000);
        await toast.waitFor({ state: 'detached', timeout: 30_000 });
        assert.doesNotMatch(extensionLog(server), /cannot open run/);
      },
    );
  },
);

/** The run.json of a completed CPU run in `dir` (named by the folder: "<date>-<time>-<ms>-<name>") of workspace `ws`. */
function writeCpuRun(dir, ws) {
  const id = path.basename(dir);
  const [, y, mo, d] = /^(\d{4})(\d{2})(\d{2})-/.exec(id);
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      schema: 1,
      id,
      name: id.split('-').pop(),
      kind: 'cpu',
      createdAt: `${y}-${mo}-${d}T00:00:00.000Z`,
      status: 'completed',
      command: [],
      cwd: ws,
      sampler: 'builtin',
      rateHz: 100,
      output: 'profile.folded',
      format: 'collapsed',
    }),
  );
}
