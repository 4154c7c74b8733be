import { visibleName as v } from '../../core/util/visibleText';

/** A plain-text table: columns padded to their widest cell, `right` columns right-aligned. */
export function table(cells: string[][], right: Set<number>): string {
  // Every cell on one line, whatever its text: tabs and line ends show as markers.
  const rows = cells.map((r) => r.map((c) => v(c)));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n') + '\n';
}
