/** A plain-text table: columns padded to their widest cell, `right` columns right-aligned. */
export function table(rows: string[][], right: Set<number>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n') + '\n';
}
