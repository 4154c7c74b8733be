/** What the SQLite reader needs of a table's CREATE TABLE statement: its columns, their defaults, its rowid alias. */

export interface TableShape {
  columns: string[];
  /** Index of the INTEGER PRIMARY KEY column (stored as the rowid), or -1. */
  rowidColumn: number;
  /**
   * Each column's literal DEFAULT (null without one, or for an expression): the value of a column
   * added by ALTER TABLE in the records written before it.
   */
  defaults: (number | string | null)[];
}

/**
 * Column names of a CREATE TABLE statement, and which is an INTEGER PRIMARY KEY (the rowid).
 * Undefined for WITHOUT ROWID tables and statements it cannot read.
 */
export function parseCreateTable(sql: string): TableShape | undefined {
  const text = stripComments(sql);
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  if (/\bWITHOUT\s+ROWID\b/i.test(text.slice(close))) return undefined;
  const parts = splitTopLevel(text.slice(open + 1, close));
  const columns: string[] = [];
  const types: string[] = [];
  const defaults: (number | string | null)[] = [];
  let rowidColumn = -1;
  let tablePk: string[] | undefined;
  for (const part of parts) {
    const def = part.trim();
    if (!def) continue;
    const pk = /^(?:CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(def);
    if (pk) {
      tablePk = pk[1].split(',').map((c) => unquote(c.trim().split(/\s+/)[0]));
      continue;
    }
    if (/^(?:CONSTRAINT|UNIQUE|CHECK|FOREIGN\s+KEY)\b/i.test(def)) continue;
    const m = /^("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s(]+)\s*(.*)$/s.exec(def);
    if (!m) continue;
    columns.push(unquote(m[1]));
    const rest = m[2];
    defaults.push(literalDefault(rest));
    types.push(
      (
        /^([A-Za-z_ ]*?)(?:\s*\(|\s+(?:NOT|NULL|PRIMARY|UNIQUE|CHECK|DEFAULT|COLLATE|REFERENCES|GENERATED|AS|CONSTRAINT)\b|$)/i.exec(
          rest,
        )?.[1] ?? ''
      )
        .trim()
        .toUpperCase(),
    );
    if (types[types.length - 1] === 'INTEGER' && /\bPRIMARY\s+KEY\b(?!\s+DESC)/i.test(rest))
      rowidColumn = columns.length - 1;
  }
  if (tablePk && tablePk.length === 1) {
    const i = columns.indexOf(tablePk[0]);
    if (i >= 0 && types[i] === 'INTEGER') rowidColumn = i;
  }
  return { columns, rowidColumn, defaults };
}

function literalDefault(def: string): number | string | null {
  const m = /\bDEFAULT\s+('(?:[^']|'')*'|[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|TRUE\b|FALSE\b)/i.exec(def);
  if (!m) return null;
  const v = m[1];
  if (v.startsWith("'")) return v.slice(1, -1).split("''").join("'");
  if (/^true$/i.test(v)) return 1;
  if (/^false$/i.test(v)) return 0;
  return Number(v);
}

function stripComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const q = c === '[' ? ']' : c;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === q && sql[j + 1] !== q)) j += sql[j] === q ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j;
    } else out += c;
  }
  return out;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '[') quote = ']';
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function unquote(name: string): string {
  const q = name[0];
  if ((q === '"' || q === '`' || q === "'") && name.endsWith(q))
    return name
      .slice(1, -1)
      .split(q + q)
      .join(q);
  if (q === '[' && name.endsWith(']')) return name.slice(1, -1);
  return name;
}
