// A sortable, filterable table with CSV export, shared by the trace and Nsight views: rows are
// rendered as text (never HTML), at most 500 at a time, sorted on a header click or Enter.
import { toCsv } from '../../src/core/util/csv';
import { el } from './dom';

export interface Column<T> {
  title: string;
  value: (r: T) => number | string | undefined;
  format?: (r: T) => string;
  numeric?: boolean;
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
  const t = el('table');
  const thead = el('thead');
  const tr = el('tr');
  let sortCol = initialSort;
  let desc = true;
  const body = el('tbody');
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
  const render = () => {
    const list = current();
    const shown = list.slice(0, 500);
    body.replaceChildren(
      ...shown.map((r) => {
        const row = el('tr');
        for (const c of columns)
          row.append(el('td', c.numeric ? { class: 'num' } : {}, c.format ? c.format(r) : String(c.value(r) ?? '')));
        if (onRowClick) {
          row.classList.add('clickable');
          row.addEventListener('click', () => {
            for (const other of body.querySelectorAll('tr.selected')) other.classList.remove('selected');
            row.classList.add('selected');
            onRowClick(r);
          });
        }
        return row;
      }),
    );
    count.textContent =
      list.length > shown.length ? `showing ${shown.length} of ${list.length}` : `${list.length} rows`;
  };
  columns.forEach((c, i) => {
    const th = el('th', { tabindex: '0', role: 'button' }, c.title);
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
  filter.addEventListener('input', render);
  exportBtn.addEventListener('click', () =>
    onExport(
      toCsv(
        columns.map((c) => c.title),
        current().map((r) => columns.map((c) => c.value(r))),
      ),
    ),
  );
  section.append(head, t);
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
