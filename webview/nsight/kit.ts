// What the Nsight Systems and Nsight Compute pages share: number formats, duration columns in
// nsys' order, the page header, tabs and empty-section notes.
import type { DurationStat } from '../../src/core/model/kernels';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import { el } from '../shared/dom';
import type { Column } from '../shared/table';

export const num = (v: number, digits = 1) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const msOf = (ns: number) => num(ns / 1e6, 3);
export const usOf = (ns: number) => num(ns / 1e3, 2);
export const opt = (v: number | undefined, f: (x: number) => string) => (v === undefined ? '—' : f(v));

export function bytesText(b: number | undefined): string {
  if (b === undefined) return '—';
  if (b >= 1e9) return `${num(b / 1e9, 2)} GB`;
  if (b >= 1e6) return `${num(b / 1e6, 1)} MB`;
  if (b >= 1e3) return `${num(b / 1e3, 1)} kB`;
  return `${b} B`;
}

/** Columns of a duration table in nsys' order: time %, total, instances, avg, median, min, max, stddev, name. */
export function durationColumns<T extends DurationStat>(nameTitle: string): Column<T>[] {
  return [
    { title: 'Time %', value: (r) => r.timePct, format: (r) => num(r.timePct), numeric: true },
    { title: 'Total (ms)', value: (r) => r.totalNs, format: (r) => msOf(r.totalNs), numeric: true },
    { title: 'Instances', value: (r) => r.calls, format: (r) => r.calls.toLocaleString('en-US'), numeric: true },
    { title: 'Avg (µs)', value: (r) => r.avgNs, format: (r) => usOf(r.avgNs), numeric: true },
    { title: 'Median (µs)', value: (r) => r.medianNs, format: (r) => usOf(r.medianNs), numeric: true },
    { title: 'Min (µs)', value: (r) => r.minNs, format: (r) => usOf(r.minNs), numeric: true },
    { title: 'Max (µs)', value: (r) => r.maxNs, format: (r) => usOf(r.maxNs), numeric: true },
    { title: 'StdDev (µs)', value: (r) => r.stddevNs, format: (r) => usOf(r.stddevNs), numeric: true },
    { title: nameTitle, value: (r) => r.name },
  ];
}

export function header(root: HTMLElement, title: string, hint: string): HTMLElement {
  const h = el('header', { class: 'toolbar' });
  h.append(el('span', { class: 'title' }, title), el('span', { class: 'hint' }, hint));
  root.append(h);
  return h;
}

/** Tabs over sections (the kit's vscode-tabs): one visible at a time, all rendered once. */
export function tabs(root: HTMLElement, panes: { id: string; label: string; body: HTMLElement }[]): void {
  const t = el('vscode-tabs', { class: 'tabs' });
  for (const p of panes) {
    const panel = el('vscode-tab-panel');
    panel.append(p.body);
    // vscode-tabs numbers its headers' ids itself: the pane is named in data-pane.
    t.append(el('vscode-tab-header', { slot: 'header', 'data-pane': p.id }, p.label), panel);
  }
  root.append(t);
  // The kit's tab strip does not wrap: at 500 px six tabs widened the page. Its shadow root
  // takes one more rule (a constructed sheet, which the webview's CSP allows).
  void customElements.whenDefined('vscode-tabs').then(() => {
    const shadow = t.shadowRoot;
    if (!shadow) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.tablist { flex-wrap: wrap; } .header { align-items: flex-end; }');
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
  });
}

export function empty(id: string, title: string, text: string): HTMLElement {
  const s = el('section', { class: 'trace-table', id });
  s.append(el('h2', {}, title), el('p', { class: 'hint' }, text));
  return s;
}
