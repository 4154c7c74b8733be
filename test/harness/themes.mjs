// Every view in every theme: the e2e tests call `checkThemes` once their view is open. It
// switches VS Code's colour theme as a user does (Preferences: Color Theme), waits for the
// webview to take it, sizes the browser so the view is 700 px wide (and 500 px in the first
// theme), then maximizes the view's group; at each, it runs the in-page layout checks and saves
// a screenshot to test/e2e/artifacts/themes/. Returns the problems found, in words (empty: fine).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from './paths.mjs';
import { runCommand } from './codeServer.mjs';
import { layoutProblems } from './layout.mjs';

export const THEMES = [
  { id: 'light', name: 'Default Light Modern', body: 'vscode-light' },
  { id: 'dark', name: 'Default Dark Modern', body: 'vscode-dark' },
  { id: 'hc', name: 'Default High Contrast', body: 'vscode-high-contrast' },
];

export const THEME_DIR = path.join(ARTIFACTS, 'themes');

/** The quick input's row whose label is exactly `label`. */
function row(page, label) {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/** Picks a colour theme as a user does: F1, "Preferences: Color Theme", a click on its name. */
async function setTheme(page, name) {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('>Preferences: Color Theme');
  // "Browse Color Themes in Marketplace" comes first: click the command itself.
  await row(page, 'Preferences: Color Theme').click({ timeout: 15_000 });
  await input.fill(name);
  // "Browse Additional Color Themes…" comes first here: click the theme's own row (its label is
  // the short name, "Light Modern", and its description the theme's, "Default Light Modern").
  await page.locator(`.quick-input-list .monaco-list-row[aria-label$=", ${name}"]`).first().click({ timeout: 15_000 });
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The theme the workbench shows now, by its kind. */
async function currentTheme(page) {
  const cls = await page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? '');
  return /\bhc-black\b/.test(cls) ? THEMES[2] : /\bvs-dark\b/.test(cls) ? THEMES[1] : THEMES[0];
}

/** Waits until the page has drawn two more frames (a layout change and the redraw after it). */
function nextFrames(frame) {
  return frame.waitForFunction(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))),
  );
}

/** The webview's width in the page, from its iframe (the outer one VS Code draws). */
async function viewWidth(frame) {
  const outer = frame.parentFrame() ?? frame;
  const el = await outer.frameElement();
  const box = await el.boundingBox();
  return box ? box.width : 0;
}

/** The view's width once it stopped changing (a resize reaches the webview a moment later). */
async function settledWidth(frame, changedFrom) {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const w = await viewWidth(frame);
    if (w === last && (changedFrom === undefined || Math.abs(w - changedFrom) > 8)) return w;
    last = w;
    await nextFrames(frame);
  }
  return last;
}

/** Sizes the browser so the view is about `target` px wide (one correction: layouts are not linear). */
async function sizeViewTo(page, frame, target) {
  for (let i = 0; i < 3; i++) {
    const vp = page.viewportSize();
    const w = await settledWidth(frame);
    if (Math.abs(w - target) <= 8) return;
    // A view beside the code gets about half of the editor area's change.
    const grow = w > 0 && vp.width > 0 ? (target - w) * (w / vp.width < 0.75 ? 2 : 1) : 0;
    await page.setViewportSize({ width: Math.max(500, Math.round(vp.width + grow)), height: vp.height });
    await nextFrames(frame);
  }
}

/**
 * Toggles the view's editor group between its place and the whole window (Ctrl+K Ctrl+M). With
 * one group the view has the editor area already: false, nothing done.
 */
async function maximize(page, frame) {
  const groups = await page.$$eval('.editor-group-container', (gs) => gs.filter((g) => g.offsetWidth > 0).length);
  if (groups < 2) return false;
  // A click on the tab of the view's group makes that group the active one; a click on the
  // status bar's empty middle then takes the keyboard out of the webview (where F1 would not
  // reach the workbench) and leaves the active group as it is.
  const outer = await (frame.parentFrame() ?? frame).frameElement();
  const box = await outer.boundingBox();
  const tab =
    box &&
    (await page.evaluate(
      ({ x, y }) => {
        for (const g of document.querySelectorAll('.editor-group-container')) {
          const r = g.getBoundingClientRect();
          if (x < r.left || x > r.right || y < r.top || y > r.bottom) continue;
          const t = g.querySelector('.tab.active')?.getBoundingClientRect();
          return t ? { x: t.left + t.width / 2, y: t.top + t.height / 2 } : undefined;
        }
        return undefined;
      },
      { x: box.x + box.width / 2, y: box.y + box.height / 2 },
    ));
  if (tab) await page.mouse.click(tab.x, tab.y);
  const bar = await page.locator('.part.statusbar').boundingBox();
  if (bar) await page.mouse.click(bar.x + bar.width / 2, bar.y + bar.height / 2);
  await runCommand(page, 'View: Toggle Maximize Editor Group');
  await nextFrames(frame);
  return true;
}

/**
 * `name` names the screenshots; `frame` is the view's (inner) webview frame; `ready(frame)`, when
 * given, waits until the view has redrawn after a theme or size change.
 */
export async function checkThemes(page, frame, name, ready) {
  mkdirSync(THEME_DIR, { recursive: true });
  const original = page.viewportSize();
  const problems = [];
  const before = await currentTheme(page);
  try {
    for (const theme of THEMES) {
      await setTheme(page, theme.name);
      await frame.waitForFunction((cls) => document.body.classList.contains(cls), theme.body, { timeout: 30_000 });
      // 500 px, the narrowest pane the views promise to work in, once (in the first theme).
      for (const width of theme === THEMES[0] ? [500, 700, 'full'] : [700, 'full']) {
        let maximized = false;
        if (width === 'full') {
          const narrow = await viewWidth(frame);
          await page.setViewportSize(original);
          await settledWidth(frame, narrow);
          maximized = await maximize(page, frame);
        } else await sizeViewTo(page, frame, width);
        const w = Math.round(await settledWidth(frame));
        // The page takes its new width a moment after its frame did; charts redraw a frame later.
        await frame.waitForFunction((px) => Math.abs(document.documentElement.clientWidth - px) < 24, w, {
          timeout: 15_000,
        });
        await nextFrames(frame);
        if (ready) await ready(frame);
        if (width === 'full' && w < 0.75 * original.width)
          problems.push(`${name}, ${theme.id}: the view did not take the window (${w} px)`);
        for (const p of await layoutProblems(frame)) problems.push(`${name}, ${theme.id}, ${w} px: ${p}`);
        await page.screenshot({ path: path.join(THEME_DIR, `${name}-${theme.id}-${width}.png`) });
        if (maximized) await maximize(page, frame);
      }
    }
  } finally {
    await page.setViewportSize(original);
    await setTheme(page, before.name);
  }
  return problems;
}
