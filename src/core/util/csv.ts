/** A table as CSV (RFC 4180 quoting). */
export function toCsv(header: string[], rows: (string | number | boolean | undefined)[][]): string {
  const cell = (v: string | number | boolean | undefined) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
