/**
 * One quoted CSV record and the numbers NVIDIA's tools print in it (ncu and nsys stats both quote
 * cells and may group thousands with commas).
 */

/** Splits one CSV record (RFC 4180 quoting). */
export function parseCsvRecord(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted cell');
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const c = line.indexOf(',', i);
      cell = line.slice(i, c < 0 ? line.length : c);
      i = c < 0 ? line.length : c;
    }
    out.push(cell);
    if (i >= line.length) return out;
    if (line[i] !== ',') throw new Error(`expected a comma after a quoted cell at column ${i + 1}`);
    i++;
  }
}

/** "1,048,576" → 1048576, "33.26" → 33.26, "n/a" or "" → the text. */
export function csvNumber(text: string): number | string {
  const t = text.trim();
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) return Number(t.replace(/,/g, ''));
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}
