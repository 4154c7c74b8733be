// What every webview bundle needs from the page: the VS Code API (absent in the standalone HTML
// report) and element creation with text content only (never HTML from data).
import { visibleText } from '../../src/core/util/visibleText';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The VS Code API inside a webview; undefined in a plain page (the HTML report). */
export function vscodeApi(): VsCodeApi | undefined {
  return typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  // Bidi overrides and invisible characters in names show as markers (see visibleText).
  if (text !== undefined) e.textContent = visibleText(text);
  return e;
}
