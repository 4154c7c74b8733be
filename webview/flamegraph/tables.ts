// The tables under the flame graph: hot functions, and the callers and callees of one function.
// Names and locations are text; a name shows that function's callers/callees, a location opens
// the source (in the editor only).
import type { HotFunctionsResult } from '../../src/core/analysis/cpu/profileSession';
import type { Sandwich, SandwichEntry } from '../../src/core/analysis/cpu/sandwich';
import { elidePath } from '../../src/core/util/elidePath';
import { visibleText } from '../../src/core/util/visibleText';
import { el } from '../shared/dom';
import { fmtNum, pct, where } from './format';

export interface TableActions {
  showSandwich(name: string, file?: string): void;
  /** Absent where nothing can be opened (the standalone report). */
  openSource?(file: string, line?: number): void;
}

export function locationCell(
  file: string | undefined,
  line: number | undefined,
  act: TableActions,
): HTMLTableCellElement {
  const td = el('td', { class: 'loc' });
  if (!file) return td;
  const full = where(file, line);
  td.title = visibleText(full);
  const open = act.openSource;
  if (open) {
    const a = el('a', { href: '#' }, elidePath(full));
    a.addEventListener('click', (e) => {
      e.preventDefault();
      open(file, line);
    });
    td.append(a);
  } else {
    td.textContent = visibleText(elidePath(full));
  }
  return td;
}

function nameCell(name: string, file: string | undefined, act: TableActions): HTMLTableCellElement {
  const td = el('td', { class: 'fn', title: visibleText(name) });
  const a = el('a', { href: '#' }, name);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    act.showSandwich(name, file);
  });
  td.append(a);
  return td;
}

export function hotRows(hot: HotFunctionsResult, act: TableActions): HTMLTableRowElement[] {
  return hot.functions.map((f) => {
    const tr = el('tr');
    tr.append(
      el('td', { class: 'num' }, `${f.totalPct.toFixed(1)}%`),
      el('td', { class: 'num' }, `${f.selfPct.toFixed(1)}%`),
      nameCell(f.name, f.file, act),
      locationCell(f.file, f.defLine ?? f.line, act),
    );
    return tr;
  });
}

/** A table in a box that scrolls sideways when the pane is narrower than the table. */
export function scrolling(t: HTMLTableElement): HTMLElement {
  const box = el('div', { class: 'table-scroll' });
  box.append(t);
  return box;
}

function entriesTable(title: string, entries: SandwichEntry[], act: TableActions): HTMLElement {
  const t = el('table', { class: 'sandwich-table' });
  t.append(el('caption', {}, title));
  const body = el('tbody');
  if (entries.length === 0) {
    const tr = el('tr');
    tr.append(el('td', { colspan: '3', class: 'hint' }, '(none)'));
    body.append(tr);
  }
  for (const e of entries.slice(0, 30)) {
    const tr = el('tr');
    tr.append(
      el('td', { class: 'num' }, `${e.pct.toFixed(1)}%`),
      nameCell(e.name, e.file, act),
      locationCell(e.file, e.line, act),
    );
    body.append(tr);
  }
  t.append(body);
  return scrolling(t);
}

/** The callers/callees section's content for one function. */
export function sandwichContent(s: Sandwich, unit: string, act: TableActions): HTMLElement[] {
  const fn = el('p', { class: 'sandwich-fn' });
  const shares = `total ${fmtNum(s.total)} ${unit} (${pct(s.total, s.grandTotal)}) · self ${fmtNum(s.self)} (${pct(s.self, s.grandTotal)})`;
  fn.append(el('strong', {}, s.name), document.createTextNode(`  ${where(s.file)}  ·  ${shares}`));
  return [
    el('h2', {}, 'Callers / callees'),
    fn,
    entriesTable('Callers', s.callers, act),
    entriesTable('Callees', s.callees, act),
  ];
}
