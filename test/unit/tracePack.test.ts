// A PyTorch trace sent between threads as columns (core/open/tracePack): what is rebuilt equals
// what was packed, on every real trace form (Kineto of 2021-2026, legacy, ROCm, cuda_sync, an
// Nsight Systems export and a CPU profile in time order) and on hand-written edge cases; the
// rebuild lets the event loop run between its slices and gives up when told to.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { openFile } from '../../src/core/open/openFile';
import { parseTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { packTorchTrace, unpackTorchTrace } from '../../src/core/open/tracePack';
import type { TorchTrace } from '../../src/core/model/torchTrace';
import { PYSPY_SPEEDSCOPE, REAL } from '../helpers';

const traces = [
  ...readdirSync(REAL)
    .filter((f) => f.startsWith('torchtrace_') || f.endsWith('.trace.json'))
    .map((f) => path.join(REAL, f)),
  ...readdirSync(path.join(REAL, 'h200'))
    .filter((f) => f.endsWith('.pt.trace.json.gz'))
    .map((f) => path.join(REAL, 'h200', f)),
];

async function roundTrip(trace: TorchTrace, options?: Parameters<typeof unpackTorchTrace>[1]): Promise<TorchTrace> {
  const { packed, buffers } = packTorchTrace(trace);
  // As posted to another thread: the buffers moved, the rest cloned.
  const sent = structuredClone(packed, { transfer: buffers });
  assert.ok(
    buffers.every((b) => b.byteLength === 0),
    'every column was moved, none copied',
  );
  return unpackTorchTrace(sent, options);
}

test('every real trace comes back equal, keys in the same order', async () => {
  assert.ok(traces.length >= 10, `${traces.length} real traces`);
  for (const file of traces) {
    const opened = await openFile(file, { cacheDir: '' });
    assert.equal(opened.kind, 'torch-trace', file);
    const trace = (opened as { trace: TorchTrace }).trace;
    const back = await roundTrip(trace, { slice: 1000 });
    assert.deepEqual(back, trace, file);
    assert.deepEqual(Object.keys(back), Object.keys(trace), file);
    for (const list of ['ops', 'runtime', 'gpu', 'python', 'memory'] as const)
      if (trace[list].length)
        assert.deepEqual(Object.keys(back[list][0]), Object.keys(trace[list][0]), `${file}: ${list}`);
  }
});

test('an Nsight Systems export and a CPU profile in time order come back equal', async () => {
  for (const file of [path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite'), PYSPY_SPEEDSCOPE]) {
    const opened = await openFile(file, { cacheDir: '', inTime: true });
    assert.equal(opened.kind, 'torch-trace', file);
    const trace = (opened as { trace: TorchTrace }).trace;
    assert.ok(trace.gpu.length + trace.python.length > 0, file);
    assert.deepEqual(await roundTrip(trace), trace, file);
  }
});

test('hand-written edge cases: undefined apart from missing, NaN and -0, odd types and keys, shared lists', async () => {
  const trace = parseTorchTrace(
    JSON.stringify({
      traceEvents: [
        { ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: 10, dur: 5, args: { 'Input Dims': [[2, 3]] } },
        { ph: 'X', cat: 'user_annotation', name: 'step', pid: 1, tid: 1, ts: 9, dur: 20 },
        { ph: 'X', cat: 'kernel', name: 'k', pid: 0, tid: 7, ts: 12, dur: 1, args: { grid: [4, 1, 1], stream: 7 } },
        { ph: 'X', cat: 'kernel', name: 'k', pid: 0, tid: 7, ts: 14, dur: 1, args: { grid: [4, 1, 1], stream: 7 } },
      ],
    }),
    'edge.json',
  );
  const k = trace.gpu;
  // The byte reader shares equal lists between kernels (NumberLists); here, by hand.
  k[1].grid = k[0].grid;
  // What no reader writes today, but a packer must carry as structured clone would.
  const odd = trace as unknown as { gpu: unknown[]; ops: unknown[] };
  odd.gpu.push({ ...k[0], ts: NaN, dur: -0 });
  odd.gpu.push({ ...k[0], ts: '12' }); // a string where a number goes
  odd.gpu.push({ ...k[0], extra: { deep: [1] } }); // a key beyond the model
  odd.gpu.push({ dur: 1, ts: 2, name: 'reversed', kind: 'kernel', device: 0, stream: 1 }); // another key order
  odd.ops.push({ name: 'x', kind: 'op', ts: 1, dur: 1, pid: '1', tid: '1', externalId: undefined });
  const back = await roundTrip(trace, { slice: 2 });
  assert.deepEqual(back, trace);
  assert.ok(Object.is(back.gpu[2].dur, -0) && Number.isNaN(back.gpu[2].ts));
  assert.equal(back.gpu[0].grid, back.gpu[1].grid, 'a shared list stays shared');
  assert.deepEqual(Object.keys(back.gpu[5]), ['dur', 'ts', 'name', 'kind', 'device', 'stream']);
  const op = back.ops.at(-1)!;
  assert.ok('externalId' in op && !('inputDims' in op), 'a key with undefined is kept, a missing key stays missing');
  assert.ok(!('inputDims' in back.ops[1]) && 'inputDims' in back.ops[0]);
});

test('the rebuild lets the event loop run between slices, and stops when the read is no longer wanted', async () => {
  const trace = (await openFile(
    traces.find((f) => f.includes('h200_train'))!,
    { cacheDir: '' },
  )) as {
    trace: TorchTrace;
  };
  const events = trace.trace.ops.length + trace.trace.runtime.length + trace.trace.gpu.length;
  assert.ok(events > 300, `${events} events`);
  // Other work queued after the rebuild started runs before it ends.
  let ran = false;
  const done = roundTrip(trace.trace, { slice: 100 });
  setImmediate(() => (ran = true));
  const back = await done;
  assert.ok(ran, 'the event loop ran during the rebuild');
  assert.deepEqual(back, trace.trace);
  let pauses = 0;
  await roundTrip(trace.trace, { slice: 100, pause: async () => void pauses++ });
  assert.ok(pauses >= Math.floor(events / 100), `${pauses} pauses for ${events}+ objects`);
  // Cancelled: it gives up at its next pause.
  let asked = 0;
  await assert.rejects(roundTrip(trace.trace, { slice: 100, stop: () => ++asked > 1 }), /no longer wanted/);
  assert.equal(asked, 2);
});
