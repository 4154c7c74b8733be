/**
 * A read-only reader of the SQLite file format (https://sqlite.org/fileformat.html), page by
 * page from the file, so an Nsight Systems export of any size is read in memory that follows the
 * rows asked for, never the file. It knows what the nsys reader needs and no more: the schema
 * (sqlite_master), and full scans of ordinary rowid tables through their b-trees, overflow
 * chains, every serial type and the three text encodings. No SQL: filtering is the caller's.
 *
 * Every structural fault (a page outside the file, a cycle, a cell past its page, a record that
 * does not fit) is a FormatError naming the file and the page.
 */
import * as fs from 'node:fs';
import { FormatError } from '../formatError';
import { parseCreateTable, type TableShape } from './sqliteSchema';

export type SqlValue = number | bigint | string | Uint8Array | null;

/** Where the pages come from: a file (read as needed) or bytes already in memory. */
interface PageSource {
  readonly size: number;
  read(pos: number, length: number): Uint8Array;
  close(): void;
}

function fileSource(file: string): PageSource {
  const fd = fs.openSync(file, 'r');
  const size = fs.fstatSync(fd).size;
  return {
    size,
    read(pos, length) {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    close: () => fs.closeSync(fd),
  };
}

function bytesSource(bytes: Uint8Array): PageSource {
  return {
    size: bytes.length,
    read: (pos, length) => bytes.subarray(pos, Math.min(bytes.length, pos + length)),
    close: () => undefined,
  };
}

const MAGIC = 'SQLite format 3\u0000';
/** One record larger than this is taken for a corrupt file, not read. */
const MAX_RECORD = 256 * 1024 * 1024;
/** B-trees deeper than this are corrupt (a real one of 2^32 pages is far shallower). */
const MAX_DEPTH = 64;

export interface SqliteTable extends TableShape {
  name: string;
  rootPage: number;
}

export class SqliteFile {
  readonly pageSize: number;
  readonly pageCount: number;
  private readonly usable: number;
  private readonly decodeText: (b: Uint8Array) => string;
  private schema?: Map<string, SqliteTable>;

  private constructor(
    private readonly src: PageSource,
    readonly file: string,
  ) {
    const head = src.read(0, 100);
    if (head.length < 100 || Buffer.from(head.subarray(0, 16)).toString('latin1') !== MAGIC) {
      src.close();
      throw new FormatError(file, 'offset 0', 'expected an SQLite database (nsys export --type sqlite)');
    }
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const raw = dv.getUint16(16);
    this.pageSize = raw === 1 ? 65536 : raw;
    const reserved = head[20];
    const bad = this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0;
    if (bad || this.pageSize - reserved < 480) {
      src.close();
      throw new FormatError(file, 'header, offset 16', `page size ${raw} (reserved ${reserved}) is not valid SQLite`);
    }
    this.usable = this.pageSize - reserved;
    this.pageCount = Math.floor(src.size / this.pageSize);
    const enc = dv.getUint32(56);
    // Buffer.from(Uint8Array) copies, so swap16 (in place) leaves the page as read.
    this.decodeText =
      enc === 2
        ? (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf16le')
        : enc === 3
          ? (b) =>
              Buffer.from(b.subarray(0, b.length & ~1))
                .swap16()
                .toString('utf16le')
          : (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }

  static open(file: string): SqliteFile {
    return new SqliteFile(fileSource(file), file);
  }

  static fromBytes(bytes: Uint8Array, file: string): SqliteFile {
    return new SqliteFile(bytesSource(bytes), file);
  }

  close(): void {
    this.src.close();
  }

  /** The ordinary tables, by name (WITHOUT ROWID tables are left out). */
  tables(): Map<string, SqliteTable> {
    if (this.schema) return this.schema;
    const schema = new Map<string, SqliteTable>();
    const master: SqliteTable = { name: 'sqlite_master', rootPage: 1, columns: [], rowidColumn: -1, defaults: [] };
    for (const r of this.records(master)) {
      const [type, name, , root, sql] = r.values;
      if (type !== 'table' || typeof name !== 'string' || typeof sql !== 'string') continue;
      if (typeof root !== 'number' || root < 1) continue; // virtual tables have no b-tree
      const def = parseCreateTable(sql);
      if (!def) continue;
      schema.set(name, { name, rootPage: root, ...def });
    }
    this.schema = schema;
    return schema;
  }

  /** Every row of a table, as column name → value; `want` limits the columns decoded. */
  *rows(table: string, want?: readonly string[]): Generator<Record<string, SqlValue>> {
    const t = this.tables().get(table);
    if (!t) throw new FormatError(this.file, 'SQLite schema', `no table ${table}`);
    const picks = (want ?? t.columns).map((c) => ({ c, i: t.columns.indexOf(c) }));
    for (const r of this.records(t)) {
      const row: Record<string, SqlValue> = {};
      for (const { c, i } of picks) {
        // A column added by ALTER TABLE is missing from older records: its value is its default.
        row[c] = i < 0 ? null : i === t.rowidColumn ? r.rowid : i < r.values.length ? r.values[i] : t.defaults[i];
      }
      yield row;
    }
  }

  /** The records of a table b-tree in rowid order. */
  private *records(t: SqliteTable): Generator<{ rowid: number | bigint; values: SqlValue[] }> {
    const seen = new Set<number>();
    const stack: { page: number; depth: number }[] = [{ page: t.rootPage, depth: 0 }];
    while (stack.length) {
      const { page, depth } = stack.pop()!;
      if (depth > MAX_DEPTH) throw this.err(page, `b-tree of ${t.name} deeper than ${MAX_DEPTH} levels`);
      if (seen.has(page)) throw this.err(page, `b-tree of ${t.name} visits this page twice (a cycle)`);
      seen.add(page);
      const p = this.page(page);
      const h = page === 1 ? 100 : 0;
      const flag = p[h];
      const cells = (p[h + 3] << 8) | p[h + 4];
      if (flag === 0x05) {
        const children: number[] = [];
        for (let i = 0; i < cells; i++) children.push(u32(p, this.cellOffset(p, page, h + 12, i)));
        children.push(u32(p, h + 8));
        // Depth-first, left to right: pushed in reverse.
        for (let i = children.length - 1; i >= 0; i--) stack.push({ page: children[i], depth: depth + 1 });
      } else if (flag === 0x0d) {
        for (let i = 0; i < cells; i++) yield this.leafCell(p, page, this.cellOffset(p, page, h + 8, i));
      } else {
        throw this.err(page, `expected a table b-tree page of ${t.name}, found page type ${flag}`);
      }
    }
  }

  private cellOffset(p: Uint8Array, page: number, arrayAt: number, i: number): number {
    const at = arrayAt + 2 * i;
    if (at + 2 > this.usable) throw this.err(page, `cell pointer ${i} lies past the page`);
    const off = (p[at] << 8) | p[at + 1];
    if (off < arrayAt || off >= this.usable) throw this.err(page, `cell ${i} at offset ${off} lies outside the page`);
    return off;
  }

  private leafCell(p: Uint8Array, page: number, off: number): { rowid: number | bigint; values: SqlValue[] } {
    const [size, a] = varint(p, off, this.usable, () => this.err(page, `cell at ${off} is cut`));
    const [rowid, b] = varint(p, a, this.usable, () => this.err(page, `cell at ${off} is cut`));
    const total = toNumber(size);
    if (typeof total !== 'number' || total > MAX_RECORD)
      throw this.err(page, `record of ${String(size)} bytes (more than ${MAX_RECORD})`);
    const x = this.usable - 35;
    let local = total;
    if (total > x) {
      const m = Math.floor(((this.usable - 12) * 32) / 255) - 23;
      const k = m + ((total - m) % (this.usable - 4));
      local = k <= x ? k : m;
    }
    if (b + local > this.usable) throw this.err(page, `record at ${off} runs past the page`);
    let payload: Uint8Array = p.subarray(b, b + local);
    if (local < total) payload = this.overflow(payload, total, u32(p, b + local), page);
    return { rowid: toNumber(rowid), values: this.decodeRecord(payload, page) };
  }

  private overflow(first: Uint8Array, total: number, next: number, from: number): Uint8Array {
    const out = new Uint8Array(total);
    out.set(first, 0);
    let at = first.length;
    const seen = new Set<number>();
    while (at < total) {
      if (next === 0) throw this.err(from, `overflow chain ends after ${at} of ${total} bytes`);
      if (seen.has(next)) throw this.err(next, 'overflow chain visits this page twice (a cycle)');
      seen.add(next);
      const o = this.page(next);
      const n = Math.min(this.usable - 4, total - at);
      out.set(o.subarray(4, 4 + n), at);
      at += n;
      next = u32(o, 0);
    }
    return out;
  }

  private decodeRecord(rec: Uint8Array, page: number): SqlValue[] {
    const cut = () => this.err(page, 'record header is cut');
    const [hs, first] = varint(rec, 0, rec.length, cut);
    const headerEnd = toNumber(hs);
    if (typeof headerEnd !== 'number' || headerEnd > rec.length) throw cut();
    const values: SqlValue[] = [];
    let h = first;
    let body = headerEnd;
    while (h < headerEnd) {
      const [st, nh] = varint(rec, h, headerEnd, cut);
      h = nh;
      const t = Number(st);
      const len = serialLength(t);
      if (body + len > rec.length) throw this.err(page, `record value of ${len} bytes runs past its record`);
      values.push(this.value(rec, body, t, len));
      body += len;
    }
    return values;
  }

  private value(r: Uint8Array, at: number, t: number, len: number): SqlValue {
    switch (t) {
      case 0:
        return null;
      case 8:
        return 0;
      case 9:
        return 1;
      case 7:
        return new DataView(r.buffer, r.byteOffset + at, 8).getFloat64(0);
      case 10:
      case 11:
        return null;
      default:
        if (t >= 1 && t <= 6) return intBE(r, at, len);
        return t % 2 === 0 ? r.slice(at, at + len) : this.decodeText(r.subarray(at, at + len));
    }
  }

  private page(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 1 || n > this.pageCount)
      throw this.err(n, `page ${n} lies outside the file (${this.pageCount} pages)`);
    const p = this.src.read((n - 1) * this.pageSize, this.pageSize);
    if (p.length < this.pageSize) throw this.err(n, 'the file is cut inside this page');
    return p;
  }

  private err(page: number, what: string): FormatError {
    return new FormatError(this.file, `SQLite page ${page}`, what);
  }
}

const u32 = (p: Uint8Array, at: number): number =>
  ((p[at] << 24) >>> 0) + (p[at + 1] << 16) + (p[at + 2] << 8) + p[at + 3];

function varint(p: Uint8Array, at: number, end: number, cut: () => Error): [bigint | number, number] {
  let v = 0;
  for (let i = 0; i < 7; i++) {
    if (at + i >= end) throw cut();
    const b = p[at + i];
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return [v, at + i + 1];
  }
  // Seven bytes hold 49 bits, exact in a double; the last two go on in BigInt.
  if (at + 7 >= end) throw cut();
  const b7 = p[at + 7];
  const big = (BigInt(v) << 7n) | BigInt(b7 & 0x7f);
  if (b7 < 0x80) return [big, at + 8];
  if (at + 8 >= end) throw cut();
  return [(big << 8n) | BigInt(p[at + 8]), at + 9];
}

function toNumber(v: bigint | number): number | bigint {
  if (typeof v === 'number') return v;
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

function serialLength(t: number): number {
  if (t <= 4) return t === 0 ? 0 : t;
  if (t === 5) return 6;
  if (t === 6 || t === 7) return 8;
  if (t < 12) return 0;
  return Math.floor((t - 12) / 2);
}

function intBE(r: Uint8Array, at: number, len: number): number | bigint {
  if (len <= 6) {
    // Two's complement of `len` bytes: exact in a double up to 48 bits.
    let u = 0;
    for (let i = 0; i < len; i++) u = u * 256 + r[at + i];
    return r[at] & 0x80 ? u - 2 ** (8 * len) : u;
  }
  return toNumber(new DataView(r.buffer, r.byteOffset + at, 8).getBigInt64(0));
}
