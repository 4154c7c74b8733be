// The ranks of a distributed run compared (issue 21, point 7): steps, the operators that differ,
// waiting in collectives; on two hand-made ranks worked out by hand, and on the real H200 gloo
// ranks against figures counted here from their raw events.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { diagnoseRanks } from '../../src/core/analysis/torch/rankDiagnosis';
import { REAL } from '../helpers';

type Ev = Record<string, unknown>;
const trace = (rank: number, events: Ev[]) =>
  parseTorchTrace(
    `{"distributedInfo": {"rank": ${rank}}, "traceEvents": ${JSON.stringify(events)}}`,
    `rank${rank}.json`,
  );
const x = (cat: string, name: string, ts: number, dur: number, args: Ev = {}): Ev => ({
  ph: 'X',
  cat,
  name,
  pid: 1,
  tid: 1,
  ts,
  dur,
  args,
});
const nccl = (ts: number, dur: number): Ev => ({
  ph: 'X',
  cat: 'kernel',
  name: 'ncclDevKernel_AllReduce_Sum_f32_RING_LL',
  pid: 0,
  tid: 7,
  ts,
  dur,
  args: { device: 0, stream: 7 },
});

// Rank 0: steps of 100 and 120 µs, a matmul of 50 a step, all-reduces of 30 and 40.
// Rank 1: steps of 150 and 120 µs, a matmul of 90 a step, all-reduces of 10 and 40.
const RANK0 = [
  x('user_annotation', 'ProfilerStep#1', 0, 100),
  x('cpu_op', 'aten::mm', 5, 50),
  nccl(60, 30),
  x('user_annotation', 'ProfilerStep#2', 100, 120),
  x('cpu_op', 'aten::mm', 105, 50),
  nccl(160, 40),
];
const RANK1 = [
  x('user_annotation', 'ProfilerStep#1', 0, 150),
  x('cpu_op', 'aten::mm', 5, 90),
  nccl(100, 10),
  x('user_annotation', 'ProfilerStep#2', 150, 120),
  x('cpu_op', 'aten::mm', 155, 90),
  nccl(250, 40),
];

test('per step the slowest rank, the operators that differ, the wait in collectives', () => {
  const r = diagnoseRanks([
    { trace: trace(0, RANK0), label: 'rank 0' },
    { trace: trace(1, RANK1), label: 'rank 1' },
  ]);
  assert.deepEqual(r.ranks, [0, 1]);
  assert.deepEqual(r.steps, [
    { step: 'ProfilerStep#1', us: [100, 150], slowest: 'rank 1', slowerPct: 50 },
    { step: 'ProfilerStep#2', us: [120, 120], slowest: 'rank 0', slowerPct: 0 },
  ]);
  const mm = r.operators.find((o) => o.name === 'aten::mm')!;
  assert.deepEqual([mm.perStepUs, mm.spreadUs, mm.slowest], [[50, 90], 40, 'rank 1']);
  assert.equal(r.operators[0].name, 'aten::mm', 'the largest difference first');
  // First all-reduce: 30 and 10, the least 10: rank 0 waited 20. Second: 40 and 40: no wait.
  assert.deepEqual(
    r.communication.map((c) => [c.communicationUs, c.waitUs, c.matched, c.source]),
    [
      [70, 20, 2, 'GPU kernels'],
      [50, 0, 2, 'GPU kernels'],
    ],
  );
  assert.ok(Math.abs(r.communication[0].waitPct - (100 * 20) / 70) < 1e-9);
  const [slow, wait] = r.findings;
  assert.equal(slow.kind, 'ranks');
  assert.match(slow.text, /^rank 1 is the slowest rank in 1 of 2 steps; the widest gap is ProfilerStep#1, 50% slower/);
  assert.match(slow.text, /aten::mm \(\+0\.04 ms a step\)/);
  assert.equal(slow.savingUs, 50);
  assert.equal(wait.kind, 'rank-wait');
  assert.match(wait.text, /^rank 0 spends 29% of its communication time waiting for the other ranks/);
});

test('a collective one rank did not reach is not compared', () => {
  const r = diagnoseRanks([
    { trace: trace(0, RANK0), label: 'rank 0' },
    { trace: trace(1, RANK1.slice(0, 3)), label: 'rank 1' },
  ]);
  assert.deepEqual(
    r.communication.map((c) => [c.collectives, c.matched, c.waitUs]),
    [
      [2, 1, 20],
      [1, 1, 0],
    ],
  );
  assert.deepEqual(
    r.steps.map((s) => s.step),
    ['ProfilerStep#1'],
    'only the steps every rank recorded',
  );
});

test('the H200 gloo ranks: step times and waits as counted from the raw events', async () => {
  const files = [0, 1].map((r) => path.join(REAL, 'h200', `torch2.11.0-cu130_h200_gloo2_rank${r}.pt.trace.json.gz`));
  const traces = await Promise.all(files.map((f) => readTorchTrace(f)));
  const r = diagnoseRanks(traces.map((t, i) => ({ trace: t, label: `rank ${i}` })));
  // Another road: the raw JSON, the CPU-side ProfilerStep and gloo:all_reduce annotations.
  const raw = files.map(
    (f) => (JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as { traceEvents: Ev[] }).traceEvents,
  );
  const ann = (evs: Ev[], name: RegExp) =>
    evs
      .filter((e) => e.cat === 'user_annotation' && name.test(String(e.name)))
      .sort((a, b) => Number(a.ts) - Number(b.ts));
  const steps = raw.map((evs) => new Map(ann(evs, /^ProfilerStep#/).map((e) => [e.name, Number(e.dur)])));
  assert.deepEqual(
    r.steps.map((s) => s.step),
    ['ProfilerStep#2', 'ProfilerStep#3', 'ProfilerStep#4'],
  );
  for (const s of r.steps) assert.deepEqual(s.us, [steps[0].get(s.step), steps[1].get(s.step)]);
  const colls = raw.map((evs) => ann(evs, /^gloo:all_reduce$/).map((e) => Number(e.dur)));
  assert.deepEqual(
    colls.map((c) => c.length),
    [6, 6],
  );
  const waits = [0, 1].map((k) => colls[k].reduce((s, d, i) => s + d - Math.min(colls[0][i], colls[1][i]), 0));
  for (const k of [0, 1]) {
    assert.ok(
      Math.abs(r.communication[k].waitUs - waits[k]) < 1e-6,
      `rank ${k}: ${r.communication[k].waitUs} vs ${waits[k]}`,
    );
    assert.ok(r.communication[k].waitUs > 0);
  }
});
