// Memory by operator (issue 22, point 3): a trace's [memory] events charged to the innermost
// operator on their thread (self) and to every operator around it (total), on a hand-made trace
// worked out by hand, and on the real H200 trace (torch 2.11, profile_memory) against sums of
// its raw events.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { memoryByOperator } from '../../src/core/analysis/torch/opMemory';
import { REAL } from '../helpers';

type Ev = Record<string, unknown>;
const op = (name: string, ts: number, dur: number): Ev => ({ ph: 'X', cat: 'cpu_op', name, pid: 1, tid: 1, ts, dur });
const mem = (ts: number, bytes: number, device = 0): Ev => ({
  ph: 'i',
  cat: 'cpu_instant_event',
  s: 't',
  name: '[memory]',
  pid: 1,
  tid: 1,
  ts,
  args: { Bytes: bytes, 'Device Id': device, 'Total Allocated': 0, 'Total Reserved': 0 },
});

test('self and total per operator and device; a recursive name counts once per event', () => {
  // linear [0,100) > addmm [10,60) > (alloc 400 at 20, alloc 100 at 30); linear frees 100 at 80;
  // a nested "f" inside "f" allocates 8 on the CPU at 210; one event outside any operator.
  const t = parseTorchTrace(
    JSON.stringify({
      traceEvents: [
        op('aten::linear', 0, 100),
        op('aten::addmm', 10, 50),
        mem(20, 400),
        mem(30, 100),
        mem(80, -100),
        op('f', 200, 50),
        op('f', 205, 10),
        mem(210, 8, -1),
        mem(500, 64),
      ],
    }),
    'handmade.json',
  );
  const rows = memoryByOperator(t);
  const get = (name: string, device: number) => rows.find((r) => r.name === name && r.device === device)!;
  assert.deepEqual(get('aten::addmm', 0), {
    name: 'aten::addmm',
    device: 0,
    allocations: 2,
    frees: 0,
    allocatedBytes: 500,
    freedBytes: 0,
    selfIncreaseBytes: 500,
    totalIncreaseBytes: 500,
  });
  const linear = get('aten::linear', 0);
  assert.deepEqual(
    [linear.allocations, linear.frees, linear.freedBytes, linear.selfIncreaseBytes, linear.totalIncreaseBytes],
    [0, 1, 100, -100, 400],
  );
  const f = get('f', -1);
  assert.deepEqual([f.allocations, f.selfIncreaseBytes, f.totalIncreaseBytes], [1, 8, 8], 'recursion: once');
  assert.equal(rows.length, 3, 'the event outside any operator is charged to none');
});

test('the real H200 trace: self increases add up to the bytes of the events inside operators', async () => {
  const file = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz');
  const rows = memoryByOperator(await readTorchTrace(file));
  assert.ok(rows.length > 10);
  const raw = (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { traceEvents: Ev[] }).traceEvents;
  const ops = raw.filter((e) => e.ph === 'X' && (e.cat === 'cpu_op' || e.cat === 'user_annotation'));
  const inside = (e: Ev) =>
    ops.some(
      (o) =>
        o.pid === e.pid &&
        o.tid === e.tid &&
        Number(o.ts) <= Number(e.ts) + 1e-3 &&
        Number(e.ts) <= Number(o.ts) + Number(o.dur) + 1e-3,
    );
  const events = raw.filter((e) => e.name === '[memory]' && Number((e.args as Ev).Bytes) !== 0 && inside(e));
  for (const device of new Set(events.map((e) => Number((e.args as Ev)['Device Id'])))) {
    const expected = events
      .filter((e) => Number((e.args as Ev)['Device Id']) === device)
      .reduce((s, e) => s + Number((e.args as Ev).Bytes), 0);
    const ours = rows.filter((r) => r.device === device).reduce((s, r) => s + r.selfIncreaseBytes, 0);
    assert.equal(ours, expected, `device ${device}`);
  }
  const allocs = events.filter((e) => Number((e.args as Ev).Bytes) > 0).length;
  assert.equal(
    rows.reduce((s, r) => s + r.allocations, 0),
    allocs,
  );
});
