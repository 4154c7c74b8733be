// Waiting in the extension-host suites: for a condition (an event's effect), with a deadline and a
// message saying what never happened. Never a fixed sleep before an assertion.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first defined (or true) value of `f`, polled until `ms` have passed; fails naming `what`. */
export async function waitFor<T>(
  f: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && (v as unknown) !== false) return v;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await tick(100);
  }
}

/** Like waitFor, but gives up quietly: the value, or undefined at the deadline. */
export async function until<T>(f: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v || Date.now() > end) return v;
    await tick(100);
  }
}

/** The active tab once it is a custom editor of `viewType` showing `file`. */
export function customEditorTab(viewType: string, file: string): Promise<vscode.Tab> {
  return waitFor(() => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const input = tab?.input;
    return input instanceof vscode.TabInputCustom && input.viewType === viewType && input.uri.fsPath === file
      ? tab
      : undefined;
  }, `the ${viewType} editor of ${file} to be the active tab`);
}
