// The critical path of a step (issue 21, point 6), as Holistic Trace Analysis builds it: edges
// along the call stack, launch delays and gaps between kernels, synchronisations; pinned on
// traces small enough to work out by hand, and on HTA's own event-sync trace, where HTA's test
// publishes the synchronisation edges it expects.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { criticalPath, MAX_STEPS, stepGraph, type PathGraph } from '../../src/core/analysis/torch/criticalPath';
import { REAL } from '../helpers';

type Ev = Record<string, unknown>;
const trace = (events: Ev[]) => parseTorchTrace(`{"traceEvents": ${JSON.stringify(events)}}`, 'handmade.json');
const op = (name: string, ts: number, dur: number, cat = 'cpu_op'): Ev => ({
  ph: 'X',
  cat,
  name,
  pid: 1,
  tid: 1,
  ts,
  dur,
});
const rt = (name: string, ts: number, dur: number, correlation: number): Ev => ({
  ph: 'X',
  cat: 'cuda_runtime',
  name,
  pid: 1,
  tid: 1,
  ts,
  dur,
  args: { correlation },
});
const kernel = (name: string, ts: number, dur: number, correlation: number, stream = 7): Ev => ({
  ph: 'X',
  cat: 'kernel',
  name,
  pid: 0,
  tid: stream,
  ts,
  dur,
  args: { device: 0, stream, correlation },
});
const step = (n: number, ts: number, dur: number): Ev => op(`ProfilerStep#${n}`, ts, dur, 'user_annotation');

/** The edges of a step's graph as [from event name:start|end, to …, kind, weight]. */
function edges(g: PathGraph, names: (k: number) => string): [string, string, string, number][] {
  const node = (v: number) => `${names(v >> 1)}:${v % 2 ? 'end' : 'start'}`;
  return g.src.map((s, e) => [node(s), node(g.dst[e]), g.kind[e], g.weight[e]]);
}
const orders = (t: ReturnType<typeof trace>) => ({
  opOrder: Int32Array.from(t.ops.keys()),
  rtOrder: Int32Array.from(t.runtime.keys()),
  gpuOrder: Int32Array.from(t.gpu.keys()),
  gpuByCorr: new Map(t.gpu.map((g, i) => [g.correlation!, [i]])),
});

// relu [0,100) > clamp_min [15,85) > cudaLaunchKernel [29,46); then mm [120,150) (top level).
// The kernel [60,90) was launched at 29 on an empty stream: a launch delay of 31.
const NESTED = [
  op('aten::relu', 0, 100),
  op('aten::clamp_min', 15, 70),
  rt('cudaLaunchKernel', 29, 17, 1),
  kernel('clamp_kernel', 60, 30, 1),
  op('aten::mm', 120, 30),
];

test('along the call stack: the edges HTA draws, their weights and the event each is charged to', () => {
  const t = trace(NESTED);
  const { g } = stepGraph(t, { name: 'trace', start: 0, end: 150 }, orders(t));
  const name = (k: number) => {
    const e = g.events[k];
    return e.list === 'ops'
      ? t.ops[e.index].name
      : e.list === 'runtime'
        ? t.runtime[e.index].name
        : t.gpu[e.index].name;
  };
  assert.deepEqual(edges(g, name), [
    ['aten::relu:start', 'aten::clamp_min:start', 'work', 15],
    ['aten::clamp_min:start', 'cudaLaunchKernel:start', 'work', 14],
    ['cudaLaunchKernel:start', 'cudaLaunchKernel:end', 'work', 17],
    ['cudaLaunchKernel:end', 'aten::clamp_min:end', 'work', 39],
    ['aten::clamp_min:end', 'aten::relu:end', 'work', 15],
    ['aten::relu:end', 'aten::mm:start', 'dependency', 0],
    ['aten::mm:start', 'aten::mm:end', 'work', 30],
    ['clamp_kernel:start', 'clamp_kernel:end', 'work', 30],
    ['cudaLaunchKernel:start', 'clamp_kernel:start', 'launch', 31],
  ]);
  // Charged as HTA's cases: start→start to the source, end→end to the destination.
  const charged = g.attr.map((a) => (a < 0 ? '' : name(a)));
  assert.deepEqual(charged.slice(0, 5), [
    'aten::relu',
    'aten::clamp_min',
    'cudaLaunchKernel',
    'aten::clamp_min',
    'aten::relu',
  ]);
});

test('the longest path and what it is made of', () => {
  const cp = criticalPath(trace(NESTED));
  assert.equal(cp.steps.length, 1, 'no ProfilerStep: the trace is one step');
  const s = cp.steps[0];
  // Through the kernel: relu:start →15→ clamp:start →14→ launch:start →31→ kernel →30: 90.
  // On the CPU: relu's 100, the dependency edge (weight 0) to mm, mm's 30: 130, the longest.
  assert.equal(s.lengthUs, 130);
  assert.equal(s.bound, 'CPU');
  assert.equal(s.cpuUs, 130);
  assert.equal(s.gpuUs + s.waitingUs, 0);
  // A longer kernel makes the GPU the path: 15 + 14 + 31 + 200 = 260 > 130.
  const long = criticalPath(trace(NESTED.map((e) => (e.name === 'clamp_kernel' ? { ...e, dur: 200 } : e)))).steps[0];
  assert.equal(long.lengthUs, 260);
  assert.deepEqual([long.cpuUs, long.waitingUs, long.gpuUs, long.bound], [29, 31, 200, 'GPU']);
  assert.deepEqual(
    long.segments.map((x) => [x.kind, x.name, x.end - x.start]),
    [
      ['cpu', 'aten::relu', 15],
      ['cpu', 'aten::clamp_min', 14],
      ['launch', 'clamp_kernel', 31],
      ['gpu', 'clamp_kernel', 200],
    ],
  );
  assert.deepEqual(long.top[0], { name: 'clamp_kernel', kind: 'gpu', us: 200 });
});

test('launch delay or gap between kernels; a synchronize waits for the last kernel', () => {
  // k1 [10,110) launched at 0; k2 launched at 20 (k1 still running) runs [130,150): a gap of 20
  // after k1; k3 launched at 200 after k2 ended runs [230,240): a launch delay of 30. The
  // cudaDeviceSynchronize [250,400) returns when… nothing is left: it waits for k3 (ends 240).
  const t = trace([
    rt('cudaLaunchKernel', 0, 5, 1),
    kernel('k1', 10, 100, 1),
    rt('cudaLaunchKernel', 20, 5, 2),
    kernel('k2', 130, 20, 2),
    rt('cudaLaunchKernel', 200, 5, 3),
    kernel('k3', 230, 10, 3),
    rt('cudaDeviceSynchronize', 250, 150, 4),
    op('aten::add', 410, 10),
  ]);
  const { g, recorded } = stepGraph(t, { name: 'trace', start: 0, end: 420 }, orders(t));
  assert.equal(recorded, false, 'no cuda_sync records: synchronisations are inferred');
  const byKind = (k: string) => g.kind.map((x, e) => (x === k ? e : -1)).filter((e) => e >= 0);
  assert.deepEqual(
    byKind('kernel gap').map((e) => g.weight[e]),
    [20],
    'k2 was launched while k1 ran: a gap, not a launch delay',
  );
  assert.deepEqual(
    byKind('launch').map((e) => g.weight[e]),
    [10, 30],
  );
  const sync = byKind('sync');
  assert.equal(sync.length, 1);
  assert.equal(g.ts[g.src[sync[0]]], 240, 'from the end of k3');
  assert.equal(g.ts[g.dst[sync[0]]], 400, 'to the end of the synchronize');
  const zero = g.kind.findIndex((k, e) => k === 'work' && g.ts[g.src[e]] === 250 && g.ts[g.dst[e]] === 400);
  assert.equal(g.weight[zero], 0, 'the synchronize itself is waiting, not work');
  const s = criticalPath(t).steps[0];
  // Longest: k1's launch delay 10, k1 100, the gap 20, k2 20 = 150 (the CPU side reaches the
  // synchronize's end at 50, through k3: 15 + 30 + 10 − 5, and the add at 60).
  assert.deepEqual([s.lengthUs, s.cpuUs, s.gpuUs, s.waitingUs, s.bound], [150, 0, 120, 30, 'GPU']);
});

test('a kernel that runs past the end of its step belongs to the step that launched it', () => {
  const t = trace([
    step(1, 0, 100),
    op('aten::mm', 10, 20),
    rt('cudaLaunchKernel', 12, 5, 1),
    kernel('long_gemm', 40, 150, 1),
    step(2, 100, 100),
    op('aten::relu', 110, 10),
    rt('cudaLaunchKernel', 112, 5, 2),
    kernel('relu_kernel', 195, 5, 2),
  ]);
  const cp = criticalPath(t);
  assert.deepEqual(
    cp.steps.map((s) => s.step),
    ['ProfilerStep#1', 'ProfilerStep#2'],
  );
  const [s1, s2] = cp.steps;
  assert.ok(
    s1.segments.some((x) => x.name === 'long_gemm' && x.end - x.start === 150),
    'the 150 µs kernel is on step 1’s path although it ends in step 2',
  );
  assert.ok(!s2.segments.some((x) => x.name === 'long_gemm'), 'and not on step 2’s');
  // Step 2: relu_kernel waits for long_gemm on the same stream; long_gemm is not in step 2's
  // graph, so relu_kernel is reached through its launch: 2 (relu→launch) + 78 delay + 5.
  assert.equal(s2.lengthUs, 2 + (195 - 112) + 5);
  assert.equal(cp.longest, 0);
});

test('GPU → GPU: cudaStreamWaitEvent makes the next kernel of the waiting stream wait', () => {
  const sync = (name: string, ts: number, dur: number, correlation: number, args: Ev): Ev => ({
    ph: 'X',
    cat: 'cuda_sync',
    name,
    pid: 0,
    tid: 0,
    ts,
    dur,
    args: { device: 0, correlation, ...args },
  });
  // a [10,200) on stream 20; cudaEventRecord (corr 3) on stream 20 after it; stream 7 waits for
  // that event (cudaStreamWaitEvent, corr 4), then b is launched to stream 7 and runs [205,215).
  const t = trace([
    rt('cudaLaunchKernel', 0, 5, 1),
    kernel('a', 10, 190, 1, 20),
    rt('cudaEventRecord', 6, 2, 3),
    rt('cudaStreamWaitEvent', 9, 2, 4),
    sync('Stream Wait Event', 12, 1, 4, { stream: 7, wait_on_stream: 20, wait_on_cuda_event_record_corr_id: 3 }),
    rt('cudaLaunchKernel', 12, 5, 2),
    kernel('b', 205, 10, 2, 7),
  ]);
  assert.equal(t.gpuSyncs?.length, 1, 'cuda_sync events are read');
  const s = criticalPath(t).steps[0];
  assert.equal(s.syncs, 'recorded');
  // launch 0 → a (delay 10) → a 190 → sync 0 → b's start: b waited for a, not for its launch.
  assert.deepEqual(
    s.segments.map((x) => [x.kind, x.name]),
    [
      ['launch', 'a'],
      ['gpu', 'a'],
      ['gpu', 'b'],
    ],
  );
  assert.equal(s.lengthUs, 10 + 190 + 10);
});

test("HTA's event-sync trace: the GPU → CPU edges HTA's test expects", async () => {
  // HTA's test_critical_path_analysis_event_sync: the spin kernel's end has a synchronisation edge
  // to the end of cudaEventSynchronize and to the end of cudaDeviceSynchronize.
  const t = await readTorchTrace(path.join(REAL, 'torchtrace_hta__event_sync_trace.json.gz'));
  assert.equal(t.gpuSyncs?.length, 4);
  const step0 = t.ops.find((o) => o.name === 'ProfilerStep#100')!;
  const { g, recorded } = stepGraph(t, { name: step0.name, start: step0.ts, end: step0.ts + step0.dur }, orders(t));
  assert.equal(recorded, true);
  const nameOf = (v: number) => {
    const e = g.events[v >> 1];
    return e.list === 'gpu'
      ? t.gpu[e.index].name
      : e.list === 'runtime'
        ? t.runtime[e.index].name
        : t.ops[e.index].name;
  };
  const syncs = g.src
    .map((s, e) => [s, g.dst[e], g.kind[e], g.weight[e]] as const)
    .filter(([, , k]) => k === 'sync')
    .map(([s, d, , w]) => [nameOf(s), s % 2 ? 'end' : 'start', nameOf(d), d % 2 ? 'end' : 'start', w]);
  const spin = 'at::cuda::(anonymous namespace)::spin_kernel(long)';
  assert.deepEqual(
    syncs.filter(([from]) => from === spin),
    [
      [spin, 'end', 'cudaEventSynchronize', 'end', 0],
      [spin, 'end', 'cudaEventQuery', 'end', 0],
      [spin, 'end', 'cudaDeviceSynchronize', 'end', 0],
    ],
  );
  // The Stream Sync after .item(): from the DtoH copy (the stream's last work) to the call's end.
  assert.ok(syncs.some(([from, , to]) => String(from).startsWith('Memcpy DtoH') && to === 'cudaStreamSynchronize'));
  const s = criticalPath(t).steps[0];
  assert.ok(s.lengthUs > 0 && s.lengthUs <= s.endUs - s.startUs, 'the path fits in its step');
  assert.equal(s.unordered, 0);
});

test('past MAX_STEPS steps, the longest steps get a path, and the trace says how many it has', () => {
  const events: Ev[] = [];
  for (let k = 0; k < MAX_STEPS + 6; k++) {
    const dur = 100 + ((k * 37) % 50); // durations 100..149, in no order
    events.push(step(k, k * 200, dur), op('aten::mm', k * 200 + 1, dur - 2));
  }
  const cp = criticalPath(trace(events));
  assert.equal(cp.stepsInTrace, MAX_STEPS + 6);
  assert.equal(cp.steps.length, MAX_STEPS);
  const kept = new Set(cp.steps.map((s) => s.endUs - s.startUs));
  const shortest = Math.min(...kept);
  const dropped = events
    .filter((e) => String(e.name).startsWith('ProfilerStep#'))
    .filter((e) => !cp.steps.some((s) => s.step === e.name));
  assert.equal(dropped.length, 6);
  for (const d of dropped)
    assert.ok(Number(d.dur) <= shortest, `${d.name} (${d.dur} µs) is not longer than a kept one`);
  assert.deepEqual(
    cp.steps.map((s) => s.startUs),
    [...cp.steps.map((s) => s.startUs)].sort((a, b) => a - b),
    'in time order',
  );
});
