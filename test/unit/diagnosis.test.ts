// Why the GPU is idle (issue 21): HTA's definitions pinned on traces small enough to work out by
// hand (two streams overlapping, copies, communication, each kind of idle gap, a sync under a
// Python frame), and the same analyses on real traces checked against figures counted here
// from the raw events by another road.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import {
  gpuBreakdown,
  launchesByCorrelation,
  streamIdle,
  streamsIdle,
} from '../../src/core/analysis/torch/gpuBreakdown';
import { launchStats, streamQueues } from '../../src/core/analysis/torch/launchStats';
import { syncPoints } from '../../src/core/analysis/torch/syncPoints';
import { diagnose } from '../../src/core/analysis/torch/diagnosis';
import { REAL } from '../helpers';

type Ev = Record<string, unknown>;
const trace = (events: Ev[], extra = '') =>
  parseTorchTrace(`{"traceEvents": ${JSON.stringify(events)}${extra}}`, 'handmade.json');
const kernel = (name: string, ts: number, dur: number, stream: number, correlation: number, cat = 'kernel'): Ev => ({
  ph: 'X',
  cat,
  name,
  pid: 0,
  tid: stream,
  ts,
  dur,
  args: { device: 0, stream, correlation },
});
const launch = (ts: number, dur: number, correlation: number, name = 'cudaLaunchKernel'): Ev => ({
  ph: 'X',
  cat: 'cuda_runtime',
  name,
  pid: 1,
  tid: 1,
  ts,
  dur,
  args: { correlation },
});

// Stream 7: gemm [0,100) · copy [200,210) launched at 150 (after gemm ended: host wait) · gemm
// [300,400) launched at 205 (before the copy ended; 90 µs gap: other) · relu [410,420) launched
// at 350 (10 µs gap: kernel wait). Stream 20: an NCCL all-reduce [50,150) beside the first gemm.
const TWO_STREAMS = [
  launch(-10, 5, 1),
  kernel('gemm', 0, 100, 7, 1),
  launch(20, 5, 2),
  kernel('ncclDevKernel_AllReduce_Sum_f32_RING_LL', 50, 100, 20, 2),
  launch(150, 4, 3, 'cudaMemcpyAsync'),
  kernel('Memcpy HtoD (Pageable -> Device)', 200, 10, 7, 3, 'gpu_memcpy'),
  launch(205, 6, 4),
  kernel('gemm', 300, 100, 7, 4),
  launch(350, 8, 5),
  kernel('relu', 410, 10, 7, 5),
];

test('temporal breakdown, overlap and GPU time by mix on two overlapping streams', () => {
  const b = gpuBreakdown(trace(TWO_STREAMS));
  const origin = 10; // the trace's times start at its first event (the launch at -10)
  assert.deepEqual(b.temporal, [
    // span [0, 420); busy [0,150) + [200,210) + [300,400) + [410,420) = 270; compute (gemm, relu) 210.
    { rank: 0, device: 0, spanUs: 420, idleUs: 150, computeUs: 210, nonComputeUs: 60 },
  ]);
  const o = b.overlap[0];
  assert.equal(o.communicationUs, 100);
  assert.equal(o.overlappedUs, 50, 'the all-reduce runs beside the gemm for [50,100)');
  assert.equal(o.commComputeOverlapPct, 50);
  assert.deepEqual(o.byMix, { compute: 160, 'communication + compute': 50, communication: 50, memory: 10 });
  const s7 = b.idle.find((s) => s.stream === 7)!;
  assert.deepEqual(
    s7.gaps.map((g) => [g.start - origin, g.end - origin, g.category]),
    [
      [100, 200, 'host wait'],
      [210, 300, 'other'],
      [400, 410, 'kernel wait'],
    ],
  );
  assert.deepEqual([s7.hostWaitUs, s7.otherUs, s7.kernelWaitUs], [100, 90, 10]);
  const s20 = b.idle.find((s) => s.stream === 20)!;
  assert.equal(s20.gaps.length, 0, 'one activity: no gap');
});

test('a trace with no communication has no overlap share; a CPU-only trace has no breakdown', () => {
  const b = gpuBreakdown(trace(TWO_STREAMS.filter((e) => !String(e.name).startsWith('nccl'))));
  assert.equal(b.overlap[0].communicationUs, 0);
  assert.equal(b.overlap[0].commComputeOverlapPct, undefined);
  assert.ok(!('communication' in b.overlap[0].byMix));
  const cpu = diagnose(trace([{ ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: 0, dur: 5 }]));
  assert.deepEqual([cpu.temporal, cpu.idle, cpu.overlap, cpu.queue, cpu.findings], [[], [], [], [], []]);
});

test('launch statistics and the queue of each stream', () => {
  const t = trace(TWO_STREAMS);
  const l = launchStats(t);
  assert.equal(l.launched, 5);
  // Delays: 0-(-10+5)=5, 50-25=25, 200-154=46, 300-211=89, 410-358=52.
  assert.equal(l.delayMaxUs, 89);
  assert.equal(l.delayMeanUs, (5 + 25 + 46 + 89 + 52) / 5);
  assert.equal(l.cpuMeanUs, (5 + 5 + 4 + 6 + 8) / 5);
  assert.deepEqual(l.shortKernels, { count: 0, totalUs: 0, kernelPct: 0 }, 'relu is 10 µs: not under 10');
  const q = streamQueues(t, gpuBreakdown(t).idle).find((s) => s.stream === 7)!;
  // +1 at each launch, −1 at each start: -10:+1, 0:-1, 150:+1, 200:-1, 205:+1, 300:-1, 350:+1, 410:-1 (+10).
  assert.deepEqual(Array.from(q.v), [1, 0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(q.t), [0, 10, 160, 210, 215, 310, 360, 420], 'the times above, +10 from the origin');
  assert.equal(q.maxLength, 1);
  // Idle gaps [100,200), [210,300), [400,410): the queue is empty in the first until the copy's
  // launch at 150; in the others the next launch came before the gap: 50 + 0 + 0.
  assert.equal(q.emptyWhileIdleUs, 50);
});

test('a synchronisation under .item() at a Python line, and the GPU idle after it', () => {
  const events: Ev[] = [
    { ph: 'X', cat: 'python_function', name: 'train.py(88): step', pid: 1, tid: 1, ts: 0, dur: 400 },
    { ph: 'X', cat: 'cpu_op', name: 'aten::item', pid: 1, tid: 1, ts: 100, dur: 60 },
    { ph: 'X', cat: 'cpu_op', name: 'aten::_local_scalar_dense', pid: 1, tid: 1, ts: 101, dur: 58 },
    launch(102, 3, 9, 'cudaMemcpyAsync'),
    { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamSynchronize', pid: 1, tid: 1, ts: 106, dur: 50 },
    launch(5, 5, 8),
    kernel('gemm', 20, 130, 7, 8),
    kernel('Memcpy DtoH (Device -> Pageable)', 150, 5, 7, 9, 'gpu_memcpy'),
    launch(300, 5, 10),
    kernel('gemm', 310, 50, 7, 10),
  ];
  const t = trace(events);
  const [s] = syncPoints(t);
  assert.deepEqual(
    { ...s, firstTs: undefined },
    {
      name: 'step',
      file: 'train.py',
      line: 88,
      site: 'def',
      op: 'aten::_local_scalar_dense',
      calls: ['cudaStreamSynchronize'],
      count: 1,
      cpuWaitUs: 50,
      // The copy ends at 155, the sync returns at 156, the next gemm starts at 310.
      gpuIdleAfterUs: 155,
      firstTs: undefined,
      // From the call to the end of the idle gap after it, for the timeline.
      range: [106, 310],
    },
  );
  const d = diagnose(t);
  const sync = d.findings.find((f) => f.kind === 'sync')!;
  assert.match(
    sync.text,
    /^1 wait for the GPU \(cudaStreamSynchronize in aten::_local_scalar_dense\) at step\(\) \(train\.py:88\)/,
  );
  assert.deepEqual(sync.source, { file: 'train.py', line: 88, name: 'step' });
  assert.equal(d.findings[0].kind, 'idle', 'the idle finding (155 µs) ranks first, the sync after it');
});

test('real traces: idle, compute and overlap agree with sums counted from the raw events', async () => {
  for (const name of [
    'torchtrace_hta__nccl_data.json.gz',
    'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz',
    'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz',
  ]) {
    const t = await readTorchTrace(path.join(REAL, name));
    const d = diagnose(t);
    for (const tb of d.temporal) {
      const acts = t.gpu.filter((g) => g.device === tb.device);
      const first = Math.min(...acts.map((g) => g.ts));
      const last = Math.max(...acts.map((g) => g.ts + g.dur));
      assert.ok(Math.abs(tb.spanUs - (last - first)) < 1e-6, `${name}: span`);
      // Busy time by a 1 µs-free road: sweep the sorted edges counting activities running.
      const edges = acts
        .flatMap((g) => [[g.ts, 1] as const, [g.ts + g.dur, -1] as const])
        .sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      let running = 0;
      let busy = 0;
      for (let i = 0; i < edges.length; i++) {
        running += edges[i][1];
        if (running > 0 && i + 1 < edges.length) busy += edges[i + 1][0] - edges[i][0];
      }
      assert.ok(Math.abs(tb.idleUs - (tb.spanUs - busy)) < 1e-3, `${name}: idle ${tb.idleUs} vs ${tb.spanUs - busy}`);
      assert.ok(tb.computeUs + tb.nonComputeUs + tb.idleUs - tb.spanUs < 1e-3);
      const mix = Object.values(d.overlap.find((o) => o.device === tb.device)!.byMix).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(mix - busy) < 1e-3, `${name}: every busy instant once in the mix`);
    }
    const calls = new Set(t.runtime.map((r) => r.correlation).filter((c) => c !== undefined && c > 0));
    const launched = t.gpu.filter((g) => g.correlation !== undefined && calls.has(g.correlation));
    assert.equal(d.launches.launched, launched.length, `${name}: launches matched by correlation`);
  }
});

test("the real H200 trace that leaves the GPU waiting: its waits at the script's lines, every one counted", async () => {
  const file = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_gpu_waits.pt.trace.json.gz');
  const raw = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { traceEvents: Ev[] };
  const syncCalls = raw.traceEvents.filter(
    (e) => e.ph === 'X' && e.cat === 'cuda_runtime' && /^cuda(Stream|Device)Synchronize$/.test(String(e.name)),
  ).length;
  const d = diagnose(await readTorchTrace(file));
  assert.equal(
    d.syncs.reduce((n, s) => n + s.count, 0),
    syncCalls,
    'each synchronisation in the file is placed once',
  );
  // The recording script's own frames, not torch's (torch/cuda/__init__.py's synchronize is
  // kept only where nothing of the script was around it).
  const [top] = d.syncs;
  assert.deepEqual([top.name, top.file, top.line, top.site], ['idle', 'extra_capture.py', 40, 'def']);
  assert.ok(d.syncs.some((s) => s.file === 'extra_capture.py' && s.name === 'batch' && s.op === 'aten::copy_'));
  // Waits in a row end in one idle gap: the GPU idle after them is never more than the idle time.
  for (const s of d.syncs) assert.ok(s.gpuIdleAfterUs <= d.temporal[0].idleUs + 1e-6, `${s.name}: ${s.gpuIdleAfterUs}`);
  assert.deepEqual(
    d.findings.map((f) => f.kind),
    ['idle', 'sync', 'critical-path', 'short-kernels'],
  );
  // The script prepares each batch on the CPU: every step's critical path is CPU-bound, and the
  // CPU-side tensor operators of that preparation are what is most on it.
  assert.deepEqual(
    d.criticalPath.steps.map((s) => s.bound),
    ['CPU', 'CPU', 'CPU', 'CPU'],
  );
  const cp = d.findings.find((f) => f.kind === 'critical-path')!;
  assert.match(cp.text, /^CPU-bound: the critical path of ProfilerStep#2 is 5\.8 ms of its 14 ms, 97% CPU/);
  assert.match(cp.text, /\(4 of 4 steps CPU-bound\); most on it: aten::mul /);
});

test("every stream's idle gaps in one walk equal each stream's own walk, and the breakdown's (real traces)", async () => {
  for (const name of [
    'torchtrace_hta__nccl_data.json.gz',
    'torchtrace_hta__control.json.gz',
    'torchtrace_hta__mi250_minitoy_train_ROCm6_2_kineto.json.gz',
    'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz',
  ]) {
    const t = await readTorchTrace(path.join(REAL, name));
    const launches = launchesByCorrelation(t.runtime);
    const streams: { device: number; stream: number }[] = [];
    for (const g of t.gpu)
      if (!streams.some((s) => s.device === g.device && s.stream === g.stream))
        streams.push({ device: g.device, stream: g.stream });
    const apart = streams.map((s) =>
      streamIdle(
        0,
        s.device,
        s.stream,
        t.gpu.filter((g) => g.device === s.device && g.stream === s.stream),
        launches,
      ),
    );
    // Rows as plain values: the gaps' columns up to their length.
    const plain = (rows: ReturnType<typeof streamsIdle>) =>
      rows.map(({ gaps, ...r }) => ({
        ...r,
        start: Array.from(gaps.start.subarray(0, gaps.length)),
        end: Array.from(gaps.end.subarray(0, gaps.length)),
        code: Array.from(gaps.code.subarray(0, gaps.length)),
      }));
    const together = plain(streamsIdle(t));
    assert.ok(
      together.some((r) => r.start.length > 10),
      `${name}: gaps found`,
    );
    assert.deepEqual(together, plain(apart), `${name}: streams in order of their first activity, the same gaps`);
    const rank = gpuBreakdown(t).idle[0]?.rank ?? 0;
    const byStream = (r: { device: number; stream: number }) => `${r.device} ${r.stream}`;
    assert.deepEqual(
      new Map(plain(streamsIdle(t, rank)).map((r) => [byStream(r), r])),
      new Map(plain(gpuBreakdown(t).idle).map((r) => [byStream(r), r])),
      `${name}: as the diagnosis finds them`,
    );
  }
});
