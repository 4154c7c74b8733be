// Nsight Systems SQLite exports on the timeline: the real 2x H100 export (nsys 2026.2.1) read in
// time, checked against the summary reader of the same file, and a hand-made export for what the
// real one does not show (two processes with the same correlation ids, OS runtime calls, sizes).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNsysTraceFile, threadOf } from '../../src/core/formats/nsight/nsysTrace';
import { readNsysSqliteFile } from '../../src/core/formats/nsight/nsysSqlite';
import { torchTimeline, spanDetails } from '../../src/core/analysis/torch/torchTimeline';
import { namesMatching, spansNamed } from '../../src/core/analysis/timeline/timelineQuery';
import { CATEGORIES } from '../../src/core/analysis/timeline/timelineIndex';
import { openFile } from '../../src/core/open/openFile';
import { FormatError } from '../../src/core/formats/formatError';
import { HANDMADE, REAL } from '../helpers';

const SQLITE = path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');
const CLASH = path.join(HANDMADE, 'handmade-nsys-two-processes-osrt-sizes.sqlite');

test('the real 2x H100 export in time: every kernel, copy, CUDA call and NVTX range, as the summary reader counts them', async () => {
  const trace = await readNsysTraceFile(SQLITE);
  const report = await readNsysSqliteFile(SQLITE);
  assert.equal(trace.form, 'nsys');
  assert.match(trace.meta['Nsight Systems'] ?? '', /^2026\.2/);
  const kernels = trace.gpu.filter((g) => g.kind === 'kernel');
  assert.equal(
    kernels.length,
    report.kernels.reduce((s, k) => s + k.calls, 0),
  );
  // Per name, the summed durations (µs here, ns there) are the summary's.
  const total = new Map<string, number>();
  for (const k of kernels) total.set(k.name, (total.get(k.name) ?? 0) + k.dur);
  for (const k of report.kernels) assert.ok(Math.abs(total.get(k.name)! * 1000 - k.totalNs) < 1, k.name);
  assert.equal(
    trace.gpu.filter((g) => g.kind !== 'kernel').length,
    report.memoryTime.reduce((s, m) => s + m.calls, 0),
  );
  assert.equal(
    trace.runtime.length,
    report.api.reduce((s, a) => s + a.calls, 0),
  );
  assert.equal(
    trace.ops.length,
    report.nvtx.reduce((s, a) => s + a.calls, 0),
  );
  // Times from the first row, in order; two processes (pids 111 and 112), one GPU each.
  assert.equal(
    Math.min(...trace.gpu.map((g) => g.ts), ...trace.runtime.map((r) => r.ts), ...trace.ops.map((o) => o.ts)),
    0,
  );
  for (let i = 1; i < trace.gpu.length; i++) assert.ok(trace.gpu[i].ts >= trace.gpu[i - 1].ts);
  assert.deepEqual([...new Set(trace.runtime.map((r) => r.pid))].sort(), ['111', '112']);
  assert.deepEqual([...new Set(kernels.map((k) => k.device))].sort(), [0, 1]);
  // emit_nvtx ranges: operators by name; FSDP's record_function ranges stay annotations.
  assert.ok(trace.ops.some((o) => o.kind === 'op' && o.name === 'aten::view'));
  assert.ok(trace.ops.some((o) => o.kind === 'annotation' && o.name.startsWith('FSDP::post_forward (')));
});

test('a kernel of the real export selected on the timeline: its launch, the aten operator around it, the flow', async () => {
  const trace = await readNsysTraceFile(SQLITE);
  const tt = torchTimeline(trace);
  const ix = tt.index;
  assert.ok(ix.lanes.some((l) => l.key.startsWith('gpu') && l.group === 'GPU 1'));
  assert.ok(ix.lanes.some((l) => l.group === 'process 112'));
  // The trace's own kernels (the critical path's lane names its stretches "path: …" after them).
  const gemms = [...spansNamed(ix, namesMatching(ix, 'gemm')).spans].filter((k) => ix.eventOf[k] < tt.base.end);
  assert.ok(gemms.length > 10, 'GEMM kernels on the timeline');
  // The export is trimmed in time: about half its kernels were launched before it starts (the
  // GPU runs some 420 ms behind). The same ids in the other process are other launches.
  const launched = new Set(trace.runtime.map((r) => r.correlation));
  let linked = 0;
  let expected = 0;
  for (const k of gemms) {
    const d = spanDetails(tt, trace, k)!;
    assert.equal(d.category, 'kernel');
    if (launched.has(trace.gpu[ix.eventOf[k] - tt.base.gpu].correlation)) expected++;
    if (!d.launchedBy) continue;
    linked++;
    assert.match(d.launchedBy.name, /^cu(da)?LaunchKernel|^cudaGraphLaunch|^cuLaunch/);
    assert.equal(ix.cat[d.launchedBy.flat], CATEGORIES.indexOf('runtime'));
    assert.equal(d.flows.length, 1);
    assert.ok(d.flows[0].toUs >= d.flows[0].fromUs - 1, 'the kernel starts after its launch returns');
    // The launch runs on the thread of the process whose GPU ran the kernel.
    const laneOfLaunch = ix.lanes[ix.rowLane[d.launchedBy.row]];
    assert.equal(laneOfLaunch.group, d.lane.startsWith('GPU 0') ? 'process 111' : 'process 112');
    if (d.operator) assert.match(d.operator.name, /^aten::/);
  }
  assert.ok(expected > 100);
  assert.equal(linked, expected, 'every kernel whose launch is in the export is linked to it');
});

test('hand-made export: the same correlation ids in two processes link each launch to its own kernel; OSRT, sizes, a mark, an unended row', async () => {
  const trace = await readNsysTraceFile(CLASH);
  const tt = torchTimeline(trace);
  const kernels = trace.gpu.filter((g) => g.kind === 'kernel');
  assert.equal(kernels.length, 2);
  assert.notEqual(kernels[0].correlation, kernels[1].correlation, 'moved apart per process');
  for (const k of [...spansNamed(tt.index, namesMatching(tt.index, 'sgemm')).spans].filter(
    (f) => tt.index.eventOf[f] < tt.base.end,
  )) {
    const d = spanDetails(tt, trace, k)!;
    const launchLane = tt.index.lanes[tt.index.rowLane[d.launchedBy!.row]];
    assert.equal(launchLane.group, d.lane.startsWith('GPU 0') ? 'process 4242' : 'process 5353');
    assert.equal(d.operator?.name, 'aten::mm');
    assert.deepEqual(
      d.args.find(([k]) => k === 'correlation'),
      ['correlation', '11'],
      'shown as written',
    );
    const op = spanDetails(tt, trace, d.operator!.flat)!;
    assert.deepEqual(
      op.args.find(([k]) => k === 'input shapes'),
      ['input shapes', '[[64, 128], [128, 32]]'],
    );
    assert.deepEqual(
      op.launches.map((l) => l.flat),
      [k],
      'the operator launched that kernel only',
    );
  }
  const osrt = trace.runtime.filter((r) => r.name === 'pthread_cond_wait');
  assert.deepEqual(
    osrt.map((r) => [r.pid, r.tid, r.dur, r.correlation]),
    [
      ['4242', '4243', 6, undefined],
      ['5353', '5354', 6, undefined],
    ],
  );
  assert.equal(trace.meta['Nsight Systems'], 'handmade');
  assert.ok(trace.ops.some((o) => o.kind === 'annotation' && o.name === 'train_step'));
  assert.ok(!trace.ops.some((o) => o.name === 'a mark'), 'marks have no duration to draw');
  assert.deepEqual(trace.skipped, [
    { why: 'CUPTI_ACTIVITY_KIND_RUNTIME: a row without an end (or ending before it starts)', count: 1 },
  ]);
  assert.ok(trace.gpu.some((g) => g.kind === 'memcpy' && g.name === 'Memcpy kind 2' && g.bytes === 4096));
});

test('threads of nsys: pid and tid from a globalTid, exactly above 2^53 too', () => {
  assert.deepEqual(threadOf(281476838981743), { pid: '111', tid: '111', proc: String(281476838981743n >> 24n) });
  const big = (0xabn << 56n) | (77n << 24n) | 78n;
  assert.deepEqual([threadOf(big).pid, threadOf(big).tid], ['77', '78']);
});

test('the timeline opens an Nsight export as a trace; without the option it is still refused as not a trace', async () => {
  const opened = await openFile(SQLITE, {
    cacheDir: '',
    inTime: true,
    expect: { kinds: ['torch-trace'], what: 'x' },
  });
  assert.equal(opened.kind, 'torch-trace');
  await assert.rejects(
    openFile(SQLITE, { cacheDir: '', expect: { kinds: ['torch-trace'], what: 'the trace view shows traces' } }),
    (e: unknown) =>
      e instanceof FormatError && /Nsight Systems SQLite export, but the trace view shows traces/.test(e.message),
  );
});
