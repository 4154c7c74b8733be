// Text of the flame graph view: numbers, shares and locations, as every table and tooltip shows them.
import { visibleText } from '../../src/core/util/visibleText';

/** A custom element (vscode-elements) with attributes and text. */
export function custom(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = visibleText(text);
  return e;
}

/** A vscode-elements checkbox that calls `onChange` with its state. */
export function checkbox(id: string, label: string, onChange: (checked: boolean) => void): HTMLElement {
  const box = custom('vscode-checkbox', { id, label }) as HTMLElement & { checked: boolean };
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

export function fmtNum(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
export function pct(n: number, total: number): string {
  return total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '0%';
}
export function where(file?: string, line?: number): string {
  if (!file) return '';
  return line !== undefined ? `${file}:${line}` : file;
}
