// The table every view shares (flame graph, trace, Nsight, profile diff, benchmarks, GPU, cluster):
// sortable (a header click or Enter), filterable, CSV export, columns resized by dragging a
// header's edge, keyboard navigation (arrows, Home/End, Enter acts on the row), and
// virtual scrolling past VIRTUAL_FROM rows, so 100,000 rows cost the DOM of the few dozen in
// sight (smaller tables are drawn whole: the page's find and screen readers see every row). Cells stay on one
// line: numbers right-aligned in tabular figures, names cut with an ellipsis (paths in the middle,
// the file name kept) and the whole text on hover. Rows are text, never HTML.
import { toCsv } from '../../src/core/util/csv';
import { elidePath } from '../../src/core/util/elidePath';
import { visibleText } from '../../src/core/util/visibleText';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { el } from './dom';
import './table.css';

export interface Column<T> {
  title: string;
  value: (r: T) => number | string | undefined;
  format?: (r: T) => string;
  numeric?: boolean;
  /** A file path or `path:line`: shortened in the middle. */
  path?: boolean;
  /** The cell drawn otherwise (a link); value still sorts, filters and exports. */
  cell?: (r: T) => HTMLTableCellElement;
}

export interface TableOptions<T> {
  onExport: (csv: string) => void;
  /** The column sorted by at first (descending for numbers). */
  initialSort: number;
  /** Sorted ascending at first (a GPU's index, where the order is the machine's). */
  ascending?: boolean;
  onRowClick?: (r: T) => void;
  /** What the body says when there is no row. */
  empty?: string;
  /** A class for rows that stand out (the user's own process, a node's own GPU). */
  rowClass?: (r: T) => string | undefined;
}

export interface SharedTable<T> {
  element: HTMLElement;
  /** New rows (a live view's next reading): the filter, the sort and the widths stay. */
  setRows(rows: T[]): void;
}

/** Height of one row in pixels (one line of text; base.css keeps cells on one line). */
const ROW_PX = 22;
/** Rows drawn beyond the visible ones, above and below. */
const OVERSCAN = 20;
/** From this many rows the table scrolls inside itself and draws only the rows in sight. */
export const VIRTUAL_FROM = 2000;

/** A cell of text: shortened where it is a path, with the whole text as its tooltip. */
export function textCell(text: string, o: { numeric?: boolean; path?: boolean } = {}): HTMLTableCellElement {
  const td = el('td', o.numeric ? { class: 'num' } : {});
  td.textContent = visibleText(o.path ? elidePath(text) : text);
  if (!o.numeric && text) td.title = visibleText(text);
  return td;
}

export function table<T>(
  id: string,
  title: string,
  rows: T[],
  columns: Column<T>[],
  onExport: (csv: string) => void,
  initialSort: number,
  onRowClick?: (r: T) => void,
): HTMLElement {
  return createTable(id, title, rows, columns, { onExport, initialSort, onRowClick }).element;
}

export function createTable<T>(
  id: string,
  title: string,
  initialRows: T[],
  columns: Column<T>[],
  opts: TableOptions<T>,
): SharedTable<T> {
  const { onExport, initialSort, onRowClick, ascending } = opts;
  let rows = initialRows;
  const section = el('section', { class: 'trace-table data-table', id });
  const head = el('div', { class: 'table-head' });
  head.append(el('h2', {}, title));
  const filter = el('vscode-textfield', {
    type: 'search',
    placeholder: 'Filter by name',
    'aria-label': `Filter ${title}`,
  }) as HTMLElement & { value: string };
  const count = el('vscode-badge', { class: 'row-count' });
  const exportBtn = el('vscode-button', { secondary: '' }, 'Export CSV');
  head.append(filter, count, exportBtn);
  const scroll = el('div', {
    class: 'table-scroll',
    tabindex: '0',
    'aria-label': `${title}: arrows move between rows`,
  });
  const t = el('table');
  const thead = el('thead');
  const tr = el('tr');
  let sortCol = initialSort;
  let desc = !ascending;
  const body = el('tbody');
  let list: T[] = [];
  let active = -1;
  const current = () => {
    const f = filter.value.trim().toLowerCase();
    // The filter looks at the text columns (names, shapes), wherever they are.
    const text = columns.filter((c) => !c.numeric);
    const filtered = f
      ? rows.filter((r) =>
          text.some((c) =>
            String(c.value(r) ?? '')
              .toLowerCase()
              .includes(f),
          ),
        )
      : [...rows];
    const col = columns[sortCol];
    filtered.sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
      return desc ? -c : c;
    });
    return filtered;
  };
  const spacer = (rowsHigh: number) => {
    const s = el('tr', { class: 'spacer', 'aria-hidden': 'true' });
    s.style.height = `${rowsHigh * ROW_PX}px`;
    return s;
  };
  const rowOf = (r: T, i: number) => {
    const row = el('tr', { 'data-index': String(i) });
    row.style.height = `${ROW_PX}px`;
    const extra = opts.rowClass?.(r);
    if (extra) row.classList.add(extra);
    for (const c of columns) {
      if (c.cell) {
        row.append(c.cell(r));
        continue;
      }
      const shown = c.format ? c.format(r) : String(c.value(r) ?? '');
      row.append(textCell(shown, { numeric: c.numeric, path: c.path }));
    }
    if (i === active) row.classList.add('active');
    if (onRowClick) {
      row.classList.add('clickable');
      row.addEventListener('click', () => choose(i));
    }
    return row;
  };
  const choose = (i: number) => {
    active = i;
    for (const other of body.querySelectorAll('tr.selected, tr.active')) other.classList.remove('selected', 'active');
    const row = body.querySelector(`tr[data-index="${i}"]`);
    row?.classList.add('selected', 'active');
    if (onRowClick && list[i] !== undefined) onRowClick(list[i]);
  };
  /** Draws the rows in sight (a screenful while the table is not laid out yet), or all of a small table. */
  const draw = () => {
    const virtual = list.length >= VIRTUAL_FROM;
    scroll.classList.toggle('virtual', virtual);
    const view = scroll.clientHeight || 480;
    const first = virtual ? Math.max(0, Math.floor(scroll.scrollTop / ROW_PX) - OVERSCAN) : 0;
    const last = virtual
      ? Math.min(list.length, Math.ceil((scroll.scrollTop + view) / ROW_PX) + OVERSCAN)
      : list.length;
    const out: HTMLTableRowElement[] = [];
    if (first > 0) out.push(spacer(first));
    for (let i = first; i < last; i++) out.push(rowOf(list[i], i));
    if (last < list.length) out.push(spacer(list.length - last));
    if (list.length === 0 && opts.empty) {
      const none = el('tr', { class: 'empty' });
      none.append(el('td', { colspan: String(columns.length), class: 'hint' }, opts.empty));
      out.push(none);
    }
    body.replaceChildren(...out);
  };
  const render = () => {
    list = current();
    active = -1;
    count.textContent = `${list.length.toLocaleString('en-US')} row${list.length === 1 ? '' : 's'}`;
    headers.forEach((th, i) =>
      th.setAttribute('aria-sort', i === sortCol ? (desc ? 'descending' : 'ascending') : 'none'),
    );
    draw();
  };
  let pending = false;
  scroll.addEventListener('scroll', () => {
    if (pending || list.length < VIRTUAL_FROM) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  });
  scroll.addEventListener('keydown', (e) => {
    if (e.target !== scroll || list.length === 0) return;
    const page = Math.max(1, Math.floor(scroll.clientHeight / ROW_PX) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: list.length - 1,
    };
    if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      choose(active);
      return;
    }
    if (!(e.key in moves)) return;
    e.preventDefault();
    active = Math.max(0, Math.min(list.length - 1, moves[e.key]));
    if (list.length >= VIRTUAL_FROM) {
      // Keep the active row in sight (the header is sticky, one row high).
      const top = active * ROW_PX;
      if (top < scroll.scrollTop) scroll.scrollTop = top;
      else if (top + 2 * ROW_PX > scroll.scrollTop + scroll.clientHeight)
        scroll.scrollTop = top + 2 * ROW_PX - scroll.clientHeight;
      draw();
    }
    for (const other of body.querySelectorAll('tr.active')) other.classList.remove('active');
    const row = body.querySelector<HTMLElement>(`tr[data-index="${active}"]`);
    row?.classList.add('active');
    row?.scrollIntoView({ block: 'nearest' });
  });
  const headers: HTMLTableCellElement[] = [];
  columns.forEach((c, i) => {
    const th = el('th', { tabindex: '0', role: 'button', ...(c.numeric ? { class: 'num' } : {}) }, c.title);
    headers.push(th);
    th.append(resizeHandle(t, th, headers));
    const sort = () => {
      if (sortCol === i) desc = !desc;
      else {
        sortCol = i;
        desc = !!c.numeric;
      }
      render();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => (e.key === 'Enter' ? sort() : undefined));
    tr.append(th);
  });
  thead.append(tr);
  t.append(thead, body);
  scroll.append(t);
  filter.addEventListener('input', render);
  exportBtn.addEventListener('click', () =>
    onExport(
      toCsv(
        columns.map((c) => c.title),
        current().map((r) => columns.map((c) => c.value(r))),
      ),
    ),
  );
  section.append(head, scroll);
  render();
  return {
    element: section,
    setRows: (next) => {
      rows = next;
      const keep = active;
      list = current();
      count.textContent = `${list.length.toLocaleString('en-US')} row${list.length === 1 ? '' : 's'}`;
      active = keep < list.length ? keep : -1;
      draw();
    },
  };
}

/**
 * A handle on a header's right edge: dragged, it sets that column's width. The first drag fixes
 * every column at its drawn width (table-layout: fixed), so the others stay where they were;
 * a double click gives the table back its automatic widths.
 */
function resizeHandle(t: HTMLTableElement, th: HTMLTableCellElement, all: HTMLTableCellElement[]): HTMLElement {
  const handle = el('span', { class: 'col-resize', 'aria-hidden': 'true' });
  handle.addEventListener('click', (e) => e.stopPropagation());
  handle.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    e.stopPropagation();
    if (!t.classList.contains('fixed')) {
      const widths = all.map((h) => h.getBoundingClientRect().width);
      all.forEach((h, i) => (h.style.width = `${widths[i]}px`));
      t.style.width = `${widths.reduce((a, b) => a + b, 0)}px`;
      t.classList.add('fixed');
    }
    const x0 = e.clientX;
    const w0 = th.getBoundingClientRect().width;
    const t0 = t.getBoundingClientRect().width;
    handle.setPointerCapture(e.pointerId);
    const move = (m: PointerEvent) => {
      const w = Math.max(40, w0 + m.clientX - x0);
      th.style.width = `${w}px`;
      t.style.width = `${t0 + w - w0}px`;
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('dblclick', (e) => {
    e.stopPropagation();
    t.classList.remove('fixed');
    t.style.width = '';
    for (const h of all) h.style.width = '';
  });
  return handle;
}

/** Saves a CSV from a page without the VS Code API (the standalone report). */
export function downloadCsv(name: string, csv: string): void {
  const a = el('a', { download: name });
  a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
