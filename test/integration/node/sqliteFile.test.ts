// The page-by-page SQLite reader against Python's sqlite3 (the oracle) on databases Python makes
// here: four page sizes, three text encodings, overflow chains, every integer width, floats,
// blobs, a rowid alias, a column added later, b-trees several levels deep; then the real nsys
// export; then corrupt files, each an error naming the file and the page, never a hang.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SqliteFile, type SqlValue } from '../../../src/core/formats/nsight/sqliteFile';
import { parseCreateTable } from '../../../src/core/formats/nsight/sqliteSchema';
import { FormatError } from '../../../src/core/formats/formatError';
import { REAL } from '../../helpers';

const NSYS = path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');

const MAKE = `
import sqlite3, sys, random
path, page, enc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(path)
c.execute(f"pragma page_size = {page}")
c.execute(f"pragma encoding = '{enc}'")
c.execute("""create table t (
  -- a comment, with a comma, and (parentheses)
  id integer primary key,
  "quoted, name" text default 'a,b',
  n integer not null check (n > -10000000000000000000),
  f real, b blob)""")
c.execute("create table later (x integer, y text)")
c.execute("create table "  + '"odd table"' + " ([first] text, \`second\` int, primary key([first]))")
c.execute("create index t_n on t(n)")
r = random.Random(7)
ints = [0, 1, -1, 127, -128, 32767, -32768, 8388607, -8388608, 2**31 - 1, -2**31, 2**47 - 1, -2**47, 2**53 + 1, 2**63 - 1, -2**63]
for i in range(3000):
  n = ints[i % len(ints)] if i < 64 else r.randint(-2**40, 2**40)
  text = "é✓ " * r.randint(0, 8) if i % 97 else "long " + "x✓" * r.randint(3000, 9000)
  blob = bytes(r.randrange(256) for _ in range(r.randint(0, 40))) if i % 5 else (b"" if i % 10 else None)
  c.execute("insert into t(id, \\"quoted, name\\", n, f, b) values (?, ?, ?, ?, ?)", (i * 3 + 1, text, n, r.random() * 1e6 - 5e5, blob))
for i in range(50): c.execute("insert into later values (?, ?)", (i, str(i)))
c.execute("alter table later add column z text default 'zz'")
c.execute("insert into later values (99, 'after', 'set')")
c.execute("insert into " + '"odd table"' + " values ('a', 1), ('b', 2)")
c.commit()
`;

const DUMP = `
import sqlite3, json, sys
c = sqlite3.connect(sys.argv[1])
out = {}
for (name,) in c.execute("select name from sqlite_master where type = 'table'"):
    cols = [r[1] for r in c.execute(f'pragma table_info("{name}")')]
    sel = ", ".join('"' + x.replace('"', '""') + '"' for x in cols)
    def enc(v):
        if isinstance(v, bytes): return "blob:" + v.hex()
        if isinstance(v, int) and abs(v) > 2**53 - 1: return "big:" + str(v)
        return v
    out[name] = [[enc(v) for v in r] for r in c.execute(f'select {sel} from "{name}" order by rowid')]
print(json.dumps(out))
`;

function encode(v: SqlValue | undefined): unknown {
  if (v instanceof Uint8Array) return 'blob:' + Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return 'big:' + v.toString();
  return v;
}

function dumpOurs(file: string): Record<string, unknown[][]> {
  const db = SqliteFile.open(file);
  try {
    const out: Record<string, unknown[][]> = {};
    for (const [name, t] of db.tables()) {
      out[name] = [];
      for (const r of db.rows(name)) out[name].push(t.columns.map((c) => encode(r[c])));
    }
    return out;
  } finally {
    db.close();
  }
}

const oracle = (file: string) =>
  JSON.parse(execFileSync('python3', ['-c', DUMP, file], { encoding: 'utf8', maxBuffer: 1 << 30 }));

test('SQLite reader: every row of every table equals Python sqlite3, at 4 page sizes and 3 text encodings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-sqlite-'));
  try {
    for (const page of [512, 1024, 4096, 65536])
      for (const enc of ['UTF-8', 'UTF-16le', 'UTF-16be']) {
        const file = path.join(dir, `db-${page}-${enc}.sqlite`);
        execFileSync('python3', ['-c', MAKE, file, String(page), enc]);
        const ours = dumpOurs(file);
        const theirs = oracle(file);
        assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), `${page} ${enc}: the tables`);
        for (const name of Object.keys(theirs)) assert.deepEqual(ours[name], theirs[name], `${page} ${enc}: ${name}`);
        assert.equal(ours.t.length, 3000);
        if (page === 512) {
          const db = SqliteFile.open(file);
          assert.equal(db.pageSize, 512);
          assert.ok(db.pageCount > 1000, `a b-tree of several levels: ${db.pageCount} pages`);
          db.close();
        }
      }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite reader: the real nsys export (47 tables) reads row for row as Python sqlite3 reads it', () => {
  const ours = dumpOurs(NSYS);
  const theirs = oracle(NSYS);
  assert.equal(Object.keys(theirs).length, 47);
  for (const name of Object.keys(theirs)) assert.deepEqual(ours[name], theirs[name], name);
});

test('SQLite reader: CREATE TABLE columns, defaults and the rowid alias, through comments, quotes and constraints', () => {
  assert.deepEqual(parseCreateTable('CREATE TABLE a (id INTEGER NOT NULL PRIMARY KEY, -- c, d\n v TEXT)'), {
    columns: ['id', 'v'],
    rowidColumn: 0,
    defaults: [null, null],
  });
  const b = `create table b (x int primary key default -2.5e3, "y ""z""" text default 'it''s', check (x > 0))`;
  assert.deepEqual(parseCreateTable(b), { columns: ['x', 'y "z"'], rowidColumn: -1, defaults: [-2500, "it's"] });
  assert.deepEqual(parseCreateTable('CREATE TABLE c (k INTEGER, v DEFAULT (1 + 2), PRIMARY KEY (k))'), {
    columns: ['k', 'v'],
    rowidColumn: 0,
    defaults: [null, null],
  });
  assert.equal(parseCreateTable('CREATE TABLE d (k INTEGER PRIMARY KEY DESC, v)')?.rowidColumn, -1);
  assert.equal(parseCreateTable('CREATE TABLE e (k TEXT PRIMARY KEY, v) WITHOUT ROWID'), undefined);
});

test('SQLite reader: corrupt files end in an error naming the file and the page, never a hang', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-sqlite-bad-'));
  const good = fs.readFileSync(NSYS);
  const pageSize = good.readUInt16BE(16);
  const expectError = (name: string, bytes: Buffer, place: RegExp) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    assert.throws(
      () => {
        const db = SqliteFile.open(file);
        try {
          for (const t of db.tables().keys()) for (const _ of db.rows(t)) void _;
        } finally {
          db.close();
        }
      },
      (e: unknown) => e instanceof FormatError && e.message.startsWith(file) && place.test(e.message),
      name,
    );
  };
  // The kernel table's root page, as the schema names it.
  const db = SqliteFile.open(NSYS);
  const root = db.tables().get('CUPTI_ACTIVITY_KIND_KERNEL')!.rootPage;
  db.close();
  const at = (root - 1) * pageSize;
  try {
    expectError('cut.sqlite', good.subarray(0, 16 * pageSize), /SQLite page \d+: page \d+ lies outside the file/);
    assert.equal(good[at], 0x05, 'the kernel table of the real export is an interior page');
    const cycle = Buffer.from(good);
    cycle.writeUInt32BE(root, at + 8); // its right-most child is itself
    expectError('cycle.sqlite', cycle, new RegExp(`SQLite page ${root}: b-tree of .* visits this page twice`));
    const badType = Buffer.from(good);
    badType[at] = 0x42;
    expectError('type.sqlite', badType, new RegExp(`SQLite page ${root}: expected a table b-tree page`));
    const badCell = Buffer.from(good);
    badCell.writeUInt16BE(pageSize + 10, at + (badCell[at] === 0x05 ? 12 : 8));
    expectError('cell.sqlite', badCell, new RegExp(`SQLite page ${root}: cell 0 at offset \\d+ lies outside the page`));
    const header = Buffer.from(good);
    header.writeUInt16BE(1000, 16);
    expectError('pagesize.sqlite', header, /header, offset 16: page size 1000/);
    expectError('short.sqlite', good.subarray(0, 60), /offset 0: expected an SQLite database/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
