// A real VS Code for tests: code-server 4.100.3 (VS Code 1.100.3) on loopback, driven with
// playwright-core and Debian's Chromium. Started per test file, stopped after it.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { codeServerEntry } from '../../scripts/setup-code-server.mjs';
import { ARTIFACTS, ROOT } from './paths.mjs';

export { ARTIFACTS, EXAMPLES, HANDMADE, REAL, ROOT } from './paths.mjs';
export const CHROMIUM = process.env.FLAMELENS_CHROMIUM ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`)),
    );
  });
}

/**
 * Starts code-server with fresh user data and extensions folders, installs the given VSIX
 * files (and unpacked extension folders), and returns a handle to drive and stop it.
 */
/**
 * `trust: true` turns workspace trust on (without the startup prompt: a folder nobody trusted opens
 * in Restricted Mode, as it does for a user who answers "No, I don't trust the authors").
 */
export async function startCodeServer({ vsix = [], extensionDirs = [], settings = {}, env = {}, trust = false } = {}) {
  const entry = codeServerEntry();
  const base = mkdtempSync(path.join(tmpdir(), 'flamelens-cs-'));
  const userData = path.join(base, 'user-data');
  const extDir = path.join(base, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(extDir, { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'security.workspace.trust.enabled': trust,
        ...(trust
          ? {
              'security.workspace.trust.startupPrompt': 'never',
              'security.workspace.trust.untrustedFiles': 'open',
              'security.workspace.trust.banner': 'never',
            }
          : {}),
        'window.restoreWindows': 'none',
        'chat.commandCenter.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        ...settings,
      },
      null,
      2,
    ),
  );
  // Machine-scoped settings (program paths) live in the remote machine's settings in code-server,
  // as they do over Remote-SSH: the caller's settings go there too.
  mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', extDir];
  for (const v of vsix) await run(process.execPath, [entry, ...common, '--install-extension', v]);
  for (const d of extensionDirs) {
    const { cpSync } = await import('node:fs');
    cpSync(d, path.join(extDir, path.basename(d)), { recursive: true });
  }
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      entry,
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      detached: true,
    },
  );
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start in 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    base,
    userData,
    extDir,
    log: () => log,
    async stop() {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 300));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Opens the workbench on a folder and waits until it is ready for commands. */
export async function openWorkbench(browser, server, folder) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const activations = countLog(server, ACTIVATED);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await waitForWorkbench(page, server, activations);
  return { context, page };
}

const ACTIVATED = /flamelens \S+ activated/;

/** How many lines of flamelens' log match `re` now (to wait for one more after an action). */
export function countLog(server, re) {
  return extensionLog(server)
    .split('\n')
    .filter((l) => re.test(l)).length;
}

/** Waits until flamelens' log has more than `before` lines matching `re`. */
export async function waitForLogCount(server, re, before, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (countLog(server, re) <= before) {
    if (Date.now() > end)
      throw new Error(
        `flamelens did not log ${re} again in ${timeoutMs} ms; its log:\n${extensionLog(server).slice(-2000)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until a (re)loaded workbench is ready for keys: its parts are there, the explorer lists
 * the folder, and flamelens has activated in this window (its log has one more activation than
 * `activationsBefore`, counted before the load).
 */
export async function waitForWorkbench(page, server, activationsBefore) {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 60_000 });
  await page
    .locator('.explorer-folders-view .monaco-list-row')
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(() => undefined); // an empty folder lists nothing
  await waitForLogCount(server, ACTIVATED, activationsBefore);
}

/**
 * Opens a workspace file with Quick Open, as a user does, and waits for text from it (no
 * `expectText`: a file that opens in a custom editor, nothing to wait for here).
 */
export async function quickOpen(page, fileName, expectText) {
  await pickInQuickInput(page, 'Control+P', fileName, fileName);
  if (expectText === undefined) return;
  try {
    await page.locator('.monaco-editor .view-lines', { hasText: expectText }).waitFor({ timeout: 30_000 });
  } catch (e) {
    const tab = await page
      .locator('.tabs-container .tab.active')
      .first()
      .innerText({ timeout: 1000 })
      .catch(() => '(none)');
    throw new Error(
      `Quick Open ${fileName}: no editor shows ${JSON.stringify(expectText)} within 30 s; the active tab is ${JSON.stringify(tab)}`,
      { cause: e },
    );
  }
}

/** Runs a command from the command palette by its title, as a user would. */
export async function runCommand(page, title) {
  await pickInQuickInput(page, 'F1', `>${title}`, title);
}

/**
 * Opens the quick input with `key`, fills in `query` and presses Enter on the row naming `row`.
 * The text is filled into the input itself: typed keys can land in the explorer while the widget
 * takes focus. Enter picks the focused row, and until the filter has run that is the first of the
 * unfiltered list (recently opened files or recently used commands), so Enter waits until the
 * focused row is the one asked for.
 */
async function pickInQuickInput(page, key, query, row) {
  const input = page.locator('.quick-input-widget input');
  // A webview that had the focus can keep the key or take the focus back just after the widget
  // opened, which closes it (seen in CI after a view re-rendered): when it is gone, open it again.
  for (let attempt = 1; ; attempt++) {
    // The key goes to the workbench, not to a webview that has the focus (it may keep it).
    await page.evaluate(() => document.activeElement?.blur?.());
    await page.keyboard.press(key);
    // The key itself can be swallowed the same way (seen in a fresh clone's run, after a view's
    // theme checks): the widget never opens, and the key is pressed again.
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    } catch (e) {
      if (attempt >= 3) throw e;
      continue;
    }
    try {
      await input.fill(query, { timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt >= 3 || (await input.isVisible())) throw e;
    }
  }
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: row })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  await page.waitForTimeout(200);
  await input.press('Enter');
}

/** The frames of webviews whose document contains `selector`. */
export async function findWebviewFrame(page, selector, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        // frame navigated away
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame with ${selector} within ${timeoutMs} ms`);
}

/** Per canvas of a webview frame, how many pixels are not blank (0 for an undrawn canvas). */
export async function drawnPixels(frame) {
  return frame.$$eval('canvas', (cs) =>
    cs.map((c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0) return 0;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }),
  );
}

/**
 * drawnPixels, polled until `done(pixels)` holds or `timeoutMs` passes (charts draw once their
 * data has arrived, later on a slow machine); the last reading either way, for the assertion.
 */
export async function waitForDrawn(frame, done, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pixels = await drawnPixels(frame);
    if (done(pixels) || Date.now() >= deadline) return pixels;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Picks a file in VS Code's simple open dialog (code-server has no native one) by typing its path. */
export async function pickFile(page, file) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // The dialog first fills in its folder; typing before that is overwritten.
  await page.waitForFunction(
    () => (document.querySelector('.quick-input-widget input')?.value ?? '').startsWith('/'),
    undefined,
    { timeout: 15_000 },
  );
  await page.waitForTimeout(300);
  for (let i = 0; i < 5 && (await input.inputValue()) !== file; i++) {
    await input.fill(file);
    await page.waitForTimeout(400);
  }
  await input.press('Enter');
}

/**
 * One end-to-end test's VS Code: code-server with the packaged flamelens (`options` as
 * startCodeServer takes them; more VSIX files or extension folders may be added), Chromium, and
 * the workbench open on `folder`; `fn({ page, server, browser })` is the test. On failure a
 * screenshot `<name>-failure.png` goes to the artifacts and the end of code-server's log is
 * printed; the browser and code-server always stop.
 */
export async function withWorkbench(name, folder, options, fn) {
  const vsix = path.join(ROOT, 'flamelens.vsix');
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first (npm test does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startCodeServer({ ...options, vsix: [vsix, ...(options.vsix ?? [])] });
  const browser = await launchBrowser();
  let page;
  try {
    ({ page } = await openWorkbench(browser, server, folder));
    return await fn({ page, server, browser });
  } catch (e) {
    if (page) await page.screenshot({ path: path.join(ARTIFACTS, `${name}-failure.png`) }).catch(() => undefined);
    console.log(server.log().slice(-3000));
    throw e;
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** What flamelens wrote to its output channel ("flamelens" log) in this code-server, so far. */
export function extensionLog(server) {
  const logs = path.join(server.userData, 'logs');
  const found = [];
  const walk = (dir) => {
    for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/flamelens\.log$/.test(e.name)) found.push(p);
    }
  };
  walk(logs);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** Waits until flamelens' log has a line matching `re`: the evidence that a step has happened. */
export async function waitForLog(server, re, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const line = extensionLog(server)
      .split('\n')
      .find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > end)
      throw new Error(
        `flamelens never logged ${re} in ${timeoutMs} ms; its log:\n${extensionLog(server).slice(-2000)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
