// The table every view shares (trace, Nsight, profile diff): sortable (a header click or Enter),
// filterable, CSV export, keyboard navigation (arrows, Home/End, Enter acts on the row), and
// virtual scrolling past VIRTUAL_FROM rows, so 100,000 rows cost the DOM of the few dozen in
// sight (smaller tables are drawn whole: the page's find and screen readers see every row). Cells stay on one
// line: numbers right-aligned in tabular figures, names cut with an ellipsis (paths in the middle,
// the file name kept) and the whole text on hover. Rows are text, never HTML.
import { toCsv } from '../../src/core/util/csv';
import { elidePath } from '../../src/core/util/elidePath';
import { visibleText } from '../../src/core/util/visibleText';
import { el } from './dom';

export interface Column<T> {
  title: string;
  value: (r: T) => number | string | undefined;
  format?: (r: T) => string;
  numeric?: boolean;
  /** A file path or `path:line`: shortened in the middle. */
  path?: boolean;
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
  const section = el('section', { class: 'trace-table', id });
  const head = el('div', { class: 'table-head' });
  head.append(el('h2', {}, title));
  const filter = el('input', { type: 'search', placeholder: 'Filter by name', 'aria-label': `Filter ${title}` });
  const count = el('span', { class: 'hint' });
  const exportBtn = el('button', { type: 'button' }, 'Export CSV');
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
  let desc = true;
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
    for (const c of columns) {
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
    body.replaceChildren(...out);
  };
  const render = () => {
    list = current();
    active = -1;
    count.textContent = `${list.length.toLocaleString('en-US')} rows`;
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
  columns.forEach((c, i) => {
    const th = el('th', { tabindex: '0', role: 'button', ...(c.numeric ? { class: 'num' } : {}) }, c.title);
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
  return section;
}

/** Saves a CSV from a page without the VS Code API (the standalone report). */
export function downloadCsv(name: string, csv: string): void {
  const a = el('a', { download: name });
  a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
