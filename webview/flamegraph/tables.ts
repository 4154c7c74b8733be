// The tables under the flame graph: hot functions, and the callers and callees of one function.
// Names and locations are text; a name shows that function's callers/callees, a location opens
// the source (in the editor only).
import type { FunctionStat } from '../../src/core/analysis/cpu/hotPaths';
import type { Sandwich, SandwichEntry } from '../../src/core/analysis/cpu/sandwich';
import { elidePath } from '../../src/core/util/elidePath';
import { visibleText } from '../../src/core/util/visibleText';
import { el } from '../shared/dom';
import { createTable, type Column, type SharedTable } from '../shared/table';
import { fmtNum, pct, where } from './format';

export interface TableActions {
  showSandwich(name: string, file?: string): void;
  /** Absent where nothing can be opened (the standalone report). */
  openSource?(file: string, line?: number): void;
  exportCsv(csv: string): void;
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

/** The hot functions (the flame graph's own numbers), in the shared table. */
export function hotTable(act: TableActions, exportCsv: (csv: string) => void): SharedTable<FunctionStat> {
  const columns: Column<FunctionStat>[] = [
    { title: 'Total', value: (f) => f.totalPct, format: (f) => `${f.totalPct.toFixed(1)}%`, numeric: true },
    { title: 'Self', value: (f) => f.selfPct, format: (f) => `${f.selfPct.toFixed(1)}%`, numeric: true },
    { title: 'Function', value: (f) => f.name, cell: (f) => nameCell(f.name, f.file, act) },
    {
      title: 'Location',
      value: (f) => (f.file ? where(f.file, f.defLine ?? f.line) : ''),
      cell: (f) => locationCell(f.file, f.defLine ?? f.line, act),
    },
  ];
  return createTable('hot-table', 'Hot functions', [], columns, {
    onExport: exportCsv,
    initialSort: 0,
    empty: 'No function was sampled.',
  });
}

function entriesTable(id: string, title: string, entries: SandwichEntry[], act: TableActions): HTMLElement {
  const columns: Column<SandwichEntry>[] = [
    { title: 'Share', value: (e) => e.pct, format: (e) => `${e.pct.toFixed(1)}%`, numeric: true },
    { title: 'Function', value: (e) => e.name, cell: (e) => nameCell(e.name, e.file, act) },
    {
      title: 'Location',
      value: (e) => (e.file ? where(e.file, e.line) : ''),
      cell: (e) => locationCell(e.file, e.line, act),
    },
  ];
  return createTable(id, title, entries.slice(0, 200), columns, {
    onExport: act.exportCsv,
    initialSort: 0,
    empty: '(none)',
  }).element;
}

/** The callers/callees section's content for one function. */
export function sandwichContent(s: Sandwich, unit: string, act: TableActions): HTMLElement[] {
  const fn = el('p', { class: 'sandwich-fn' });
  const shares = `total ${fmtNum(s.total)} ${unit} (${pct(s.total, s.grandTotal)}) · self ${fmtNum(s.self)} (${pct(s.self, s.grandTotal)})`;
  fn.append(el('strong', {}, s.name), document.createTextNode(`  ${where(s.file)}  ·  ${shares}`));
  return [
    el('h2', {}, 'Callers / callees'),
    fn,
    entriesTable('callers-table', 'Callers', s.callers, act),
    entriesTable('callees-table', 'Callees', s.callees, act),
  ];
}
