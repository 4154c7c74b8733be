// CUDA allocator snapshots (issue 22): the pickle reader runs data opcodes only and refuses any
// global outside its allowlist by name; the ten real snapshots (torch 2.0 to 2.11) read into the
// model with the figures PROVENANCE.md states (computed there by Python's own pickle); the
// timeline's baseline, peak and what was live at the peak on a hand-made history; the real H200
// out-of-memory snapshot explained.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readPickle, readPickleFile, PickleError } from '../../src/core/formats/pickle/pickleReader';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import {
  memorySnapshotFrom,
  parseMemorySnapshot,
  readMemorySnapshot,
} from '../../src/core/formats/torch/memorySnapshot';
import { analyzeMemory, liveBytesProfile } from '../../src/core/analysis/memory/torchMemory';
import { FormatError } from '../../src/core/formats/formatError';
import { REAL } from '../helpers';

/** Pickle bytes from opcodes and their arguments (strings as SHORT_BINUNICODE). */
function pk(...parts: (number | string | number[])[]): Uint8Array {
  const out: number[] = [0x80, 4];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') {
      const b = Buffer.from(p, 'utf8');
      out.push(0x8c, b.length, ...b);
    } else out.push(...p);
  }
  out.push(0x2e);
  return Uint8Array.from(out);
}
const EMPTY_DICT = 0x7d;
const EMPTY_LIST = 0x5d;
const MARK = 0x28;
const SETITEMS = 0x75;
const APPENDS = 0x65;
const BININT1 = (n: number) => [0x4b, n];
const MEMOIZE = 0x94;
const BINGET = (n: number) => [0x68, n];

test('data opcodes: dicts, lists, tuples, ints of every width, floats, bools, None, the memo', () => {
  const v = readPickle(
    pk(
      EMPTY_DICT,
      MEMOIZE,
      MARK,
      'a',
      BININT1(7),
      'big',
      [0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x40], // LONG1 2^62: beyond 2^53, a BigInt
      'neg',
      [0x4a, 0xff, 0xff, 0xff, 0xff], // BININT -1
      'f',
      [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5
      't',
      [0x4b, 1, 0x4b, 2, 0x86], // TUPLE2 (1, 2)
      'l',
      EMPTY_LIST,
      MEMOIZE,
      MARK,
      0x88, // True
      0x4e, // None
      'x',
      MEMOIZE,
      APPENDS,
      'again',
      BINGET(2),
      SETITEMS,
    ),
  ) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), null, 'dicts have no prototype');
  assert.deepEqual({ ...v }, { a: 7, big: 2n ** 62n, neg: -1, f: 1.5, t: [1, 2], l: [true, null, 'x'], again: 'x' });
});

test('integers past 2^47 stay exact numbers up to 2^53, BigInts beyond; negatives of every width', () => {
  const le = (v: bigint, len: number) => {
    const out: number[] = [];
    let x = BigInt.asUintN(8 * len, v);
    for (let k = 0; k < len; k++, x >>= 8n) out.push(Number(x & 0xffn));
    return [0x8a, len, ...out];
  };
  const v = readPickle(
    pk(
      EMPTY_LIST,
      MARK,
      le(2n ** 47n + 5n, 7), // an address past 2^47: 7 bytes, sign byte 0
      le(2n ** 53n - 1n, 8),
      le(2n ** 53n + 1n, 8),
      le(-(2n ** 50n), 7),
      le(-1n, 1),
      APPENDS,
    ),
  );
  assert.deepEqual(v, [2 ** 47 + 5, 2 ** 53 - 1, 2n ** 53n + 1n, -(2 ** 50), -1]);
});

test('a file read through a window smaller than its values gives what a read of it whole gives', async () => {
  const file = path.join(REAL, 'torch_memory', 'silmont2000_assignment2-systems__mem_snapshot.pickle');
  const whole = readPickle(readFileSync(file));
  const fd = openSync(file, 'r');
  try {
    for (const w of [1, 7, 64, 4096])
      assert.deepEqual(readPickleFile(fd, fstatSync(fd).size, {}, w), whole, `window ${w}`);
    // Cut short: a file that says it is longer than it is ends inside an opcode.
    assert.throws(
      () => readPickleFile(fd, fstatSync(fd).size - 100, {}, 64),
      /ends (inside an opcode|without its STOP)/,
    );
  } finally {
    closeSync(fd);
  }
});

test('a global outside the allowlist is refused by its name, whichever opcode names it', () => {
  // GLOBAL "os\nsystem\n", then a REDUCE that would call it: refused before anything runs.
  const global = pk([0x63, ...Buffer.from('os\nsystem\n')], 'echo hi', 0x85, 0x52);
  assert.throws(
    () => readPickle(global),
    (e: unknown) => e instanceof PickleError && /refused the global os\.system/.test(e.message) && e.offset === 2,
  );
  const stack = pk('builtins', 'eval', 0x93, 'print(1)', 0x85, 0x52);
  assert.throws(() => readPickle(stack), /refused the global builtins\.eval/);
  // An allowed container is built, never called: OrderedDict() + SETITEMS is a dict.
  const od = readPickle(pk('collections', 'OrderedDict', 0x93, 0x29, 0x52, MARK, 'k', BININT1(1), SETITEMS));
  assert.deepEqual({ ...(od as object) }, { k: 1 });
  // Persistent ids (how torch.save stores tensors) are not data: refused.
  assert.throws(() => readPickle(pk('id', 0x51)), /opcode 0x51 is not one of the data opcodes/);
});

test('truncated, cut and hostile pickles fail with the byte offset, never allocate what they claim', () => {
  const whole = pk(EMPTY_LIST, MARK, 'abc', APPENDS);
  assert.throws(() => readPickle(whole.subarray(0, whole.length - 1)), /ends without its STOP opcode/);
  assert.throws(() => readPickle(whole.subarray(0, 6)), /ends inside an opcode/);
  // BINUNICODE8 claiming 2^60 bytes: a length past the end, refused before any allocation.
  const huge = pk([0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10]);
  assert.throws(
    () => readPickle(huge),
    (e: unknown) => e instanceof PickleError && /past the end/.test(e.message),
  );
  assert.throws(() => readPickle(pk(BINGET(9))), /a memo reference \(9\) to nothing stored/);
  assert.throws(() => readPickle(pk(APPENDS)), /wants a mark/);
  assert.throws(() => readPickle(pk(0x8c, 2, 0xff, 0xfe)), /not valid UTF-8/);
  assert.throws(() => readPickle(pk(BININT1(1), BININT1(2))), /values left on the stack/);
  // A list appended to itself (a cycle through the memo) is read, not followed forever.
  const cyc = readPickle(pk(EMPTY_LIST, MEMOIZE, BINGET(0), 0x61)) as unknown[];
  assert.equal(cyc[0], cyc);
});

// Reserved = sum of segment total_size, allocated = sum of allocated_size (PROVENANCE.md's figures).
const REAL_SNAPSHOTS: [
  file: string,
  segments: number,
  blocks: number,
  reserved: number,
  allocated: number,
  entries: number,
][] = [
  ['torch_memory/Yiyi-philosophy_LLM-inference__oom_snapshot.pickle', 176, 463, 11844714496, 11840159744, 1],
  ['torch_memory/LfieLike_SketchKV2__my_snapshot.pickle', 259, 868, 17133731840, 16397578240, 1],
  ['torch_memory/silmont2000_assignment2-systems__mem_snapshot.pickle', 9, 20, 3781165056, 31719936, 97],
  ['torch_memory/ZidongLiu_DeComFL__memory.pickle', 61, 468, 1897922560, 1014430208, 23105],
  ['torch_memory/bcrafton_assignment2-systems__memory_snapshot.pickle', 96, 550, 4238344192, 3072871424, 6486],
];

test('five real snapshots, torch 2.0 to 2.7+: the figures PROVENANCE.md states', async () => {
  for (const [rel, segments, blocks, reserved, allocated, entries] of REAL_SNAPSHOTS) {
    const s = await readMemorySnapshot(path.join(REAL, rel));
    assert.equal(s.segments.length, segments, rel);
    assert.equal(
      s.segments.reduce((n, x) => n + x.blocks.length, 0),
      blocks,
      rel,
    );
    const a = analyzeMemory(s);
    assert.equal(a.devices.length, 1, rel);
    assert.equal(a.devices[0].reservedBytes, reserved, rel);
    assert.equal(a.devices[0].allocatedBytes, allocated, rel);
    assert.equal(a.devices[0].traceEntries, entries, rel);
    for (let i = 1; i < a.largest.length; i++) assert.ok(a.largest[i - 1].sizeBytes >= a.largest[i].sizeBytes, rel);
    // The flame graph of live bytes holds exactly the allocated bytes.
    const p = liveBytesProfile(s, rel);
    assert.equal(
      p.threads[0].weights.reduce((x, y) => x + y, 0),
      allocated,
      rel,
    );
  }
  // torch 2.0: blocks have no address and no frames; both come from their history.
  const old = await readMemorySnapshot(path.join(REAL, REAL_SNAPSHOTS[0][0]));
  assert.match(old.layout, /torch 2\.0/);
  const top = analyzeMemory(old).largest[0];
  assert.ok(top.address > 0);
  assert.deepEqual(top.pythonFrame, {
    file: '/home/dingyiran/FlexGen/flexgen/pytorch_backend.py',
    line: 190,
    name: 'allocate',
  });
});

test('records compacted while reading (frames as ids, entries as columns) give the model of a plain read', async () => {
  const dirs = [path.join(REAL, 'torch_memory'), path.join(REAL, 'h200')];
  const files = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((n) => n.endsWith('.pickle'))
      .map((n) => path.join(d, n)),
  );
  assert.equal(files.length, 10);
  for (const f of files) {
    const compact = await readMemorySnapshot(f);
    const plain = memorySnapshotFrom(readPickle(readFileSync(f)), f);
    // Frames and stacks may be numbered in another order: compare what each names.
    const named = (s: typeof plain) => ({
      segments: s.segments.map((g) => ({
        ...g,
        blocks: g.blocks.map((b) => ({ ...b, stack: s.stacks[b.stack]?.map((id) => s.frames[id]) })),
      })),
      histories: s.histories.map((h) => ({
        ...h,
        stack: [...h.stack].map((id) => s.stacks[id]?.map((fr) => s.frames[fr])),
        timeUs: [...h.timeUs],
      })),
      annotations: s.annotations,
      settings: s.settings,
      layout: s.layout,
    });
    assert.deepEqual(named(compact), named(plain), path.basename(f));
  }
});

test('the real H200 out-of-memory snapshot (torch 2.11): the failed request explained', async () => {
  const s = await readMemorySnapshot(path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train_oom_snapshot.pickle'));
  const [o] = analyzeMemory(s).oom;
  assert.equal(o.requestedBytes, 300219760640);
  assert.equal(o.freeBytes, 148892680192);
  assert.deepEqual(o.askedAt && [path.basename(o.askedAt.file), o.askedAt.line], ['train_capture.py', 36]);
  assert.match(
    o.text,
    /^asked 279\.6 GB on device 0 at .*train_capture\.py:36 <module> with 138\.7 GB free; 398 MB held/,
  );
  assert.match(o.text, /more than the device has free even with the cache emptied$/);
  assert.ok(o.top && o.top.file.endsWith('train_capture.py') && o.top.pct > 0 && o.top.pct <= 100);
});

/** A snapshot as the pickle reader gives it, for hand-made histories. */
function handmade(history: Record<string, unknown>[], blocks: Record<string, unknown>[]) {
  const frames = (line: number) => [
    { filename: '??', name: 'torch::unwind::unwind()', line: 0 },
    { filename: 'train.py', name: 'step', line },
  ];
  return memorySnapshotFrom(
    {
      segments: [
        {
          device: 0,
          address: 0,
          total_size: 1000,
          allocated_size: blocks.reduce((a, b) => a + Number(b.size), 0),
          active_size: 0,
          requested_size: 0,
          stream: 0,
          segment_type: 'large',
          blocks: blocks.map((b) => ({ ...b, frames: frames(Number(b.line)) })),
        },
      ],
      device_traces: [
        history.map((e, i) => ({ stream: 0, time_us: 1000 + 10 * i, frames: frames(Number(e.line ?? 0)), ...e })),
      ],
    },
    'handmade.pickle',
  );
}

test('the active memory timeline: live before the history, the peak, what was live then by line', () => {
  // Live at the end: A (100, line 10, allocated before the history) and C (300, line 30).
  // History: B alloc 200 (line 20) · free A · C alloc 300 · free B.
  // Totals: 100 → 300 → 200 → 500 (peak: A freed, B and C live) → 300.
  const s = handmade(
    [
      { action: 'alloc', addr: 200, size: 200, line: 20 },
      { action: 'free_requested', addr: 0, size: 100 },
      { action: 'free_completed', addr: 0, size: 100 },
      { action: 'alloc', addr: 500, size: 300, line: 30 },
      { action: 'free_completed', addr: 200, size: 200 },
    ],
    [{ address: 500, size: 300, requested_size: 300, state: 'active_allocated', line: 30 }],
  );
  const [t] = analyzeMemory(s).timelines;
  assert.equal(t.baselineBytes, 100, 'A was live before the history: freed in it, never allocated in it');
  assert.equal(t.peakBytes, 500);
  assert.equal(t.peakEntry, 3);
  assert.equal(t.axis, 'time');
  assert.equal(t.peakX, 30, 'µs from the first entry');
  assert.deepEqual(
    t.atPeak.map((l) => [l.line, l.bytes, l.count]),
    [
      [30, 300, 1],
      [20, 200, 1],
    ],
  );
  assert.deepEqual(
    t.bytes,
    [100, 300, 300, 200, 500, 300],
    'every entry (under 1,000), free_requested changes nothing',
  );
  const line30 = t.stacked.find((x) => x.label === 'step (train.py:30)')!;
  assert.deepEqual(line30.bytes, [0, 0, 0, 0, 300, 300]);
});

test('bad snapshots: the place in the file is named', () => {
  const bad = (v: unknown) => () => memorySnapshotFrom(v, 'bad.pickle');
  assert.throws(
    bad({ other: 1 }),
    (e: unknown) => e instanceof FormatError && /expected a CUDA allocator snapshot/.test(e.message),
  );
  assert.throws(
    bad({ segments: [{ address: 1, total_size: 'x', blocks: [] }] }),
    /bad\.pickle:segments\[0\]: 'total_size' is not a number/,
  );
  assert.throws(
    bad({ segments: [{ address: 1, total_size: 8, blocks: [{ size: 8, state: 'inactive', frames: 'no' }] }] }),
    /segments\[0\]\.blocks\[0\]: 'frames' is not a list/,
  );
  assert.throws(
    () => parseMemorySnapshot(Uint8Array.from([0x80, 4, 0x5d]), 'cut.pickle'),
    /cut\.pickle:byte 3: the pickle ends without its STOP/,
  );
  // An empty snapshot (no segments) is a snapshot with nothing in it.
  assert.deepEqual(analyzeMemory(memorySnapshotFrom({ segments: [], device_traces: [] }, 'empty.pickle')).devices, []);
  // The bare list of segments of torch.cuda.memory_snapshot().
  const bare = memorySnapshotFrom(
    [{ device: 1, address: 0, total_size: 64, blocks: [{ size: 64, state: 'active_allocated' }] }],
    'x',
  );
  assert.deepEqual(
    analyzeMemory(bare).devices.map((d) => [d.device, d.reservedBytes, d.allocatedBytes]),
    [[1, 64, 64]],
  );
});
