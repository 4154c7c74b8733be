import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync, writeFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync, gunzipSync } from 'node:zlib';
import { readTorchTrace, parseTorchTrace, TorchTraceBuilder } from '../../src/core/formats/torch/torchTrace';
import { TraceEventScanner } from '../../src/core/formats/torch/jsonEventScanner';
import { analyzeTorchTrace } from '../../src/core/analysis/torch/torchAnalysis';
import { FormatError } from '../../src/core/formats/formatError';
import { detectFileKind } from '../../src/core/open/openFile';
import { REAL } from '../helpers';

const T = (name: string) => path.join(REAL, name);

test('legacy bare-array trace (torch 1.13 on the CPU) matches key_averages() of the same run', async () => {
  const trace = await readTorchTrace(T('torch1.13.1-debian_cpu_legacy_mlp.trace.json'));
  assert.equal(trace.form, 'legacy');
  assert.equal(trace.gpu.length, 0);
  const expected = JSON.parse(readFileSync(T('torch1.13.1-debian_cpu_legacy_mlp.key_averages.json'), 'utf8')).rows as {
    name: string;
    calls: number;
    selfCpuUs: number;
    totalCpuUs: number;
  }[];
  const ours = new Map(analyzeTorchTrace(trace).ops.map((o) => [o.name, o]));
  assert.equal(ours.size, expected.length, 'the same operators');
  for (const e of expected) {
    const o = ours.get(e.name);
    assert.ok(o, `operator ${e.name}`);
    assert.equal(o.calls, e.calls, `${e.name} calls`);
    // The trace rounds each event to whole microseconds; key_averages sums the unrounded times.
    const tol = e.calls * 1.5 + 0.01 * e.totalCpuUs;
    assert.ok(Math.abs(o.totalCpuUs - e.totalCpuUs) <= tol, `${e.name} total ${o.totalCpuUs} vs ${e.totalCpuUs}`);
    assert.ok(
      Math.abs(o.selfCpuUs - Math.max(0, e.selfCpuUs)) <= tol * 2,
      `${e.name} self ${o.selfCpuUs} vs ${e.selfCpuUs}`,
    );
  }
});

test('Kineto trace of torch 2.11 on an H200 matches key_averages() of the same run, runtime calls out of self CPU', async () => {
  const trace = await readTorchTrace(T('h200/torch2.11.0-cu130_h200_train.pt.trace.json.gz'));
  assert.equal(trace.form, 'kineto');
  const expected = JSON.parse(readFileSync(T('h200/torch2.11.0-cu130_h200_train.key_averages.json'), 'utf8')) as {
    torch: string;
    ops: Record<
      string,
      { count: number; self_cpu_us: number; cpu_total_us: number; self_device_us: number; device_total_us: number }
    >;
  };
  assert.match(expected.torch, /^2\.11/);
  const ours = new Map(analyzeTorchTrace(trace).ops.map((o) => [o.name, o]));
  const annotations = new Set(trace.ops.filter((o) => o.kind === 'annotation').map((o) => o.name));
  let compared = 0;
  for (const [name, e] of Object.entries(expected.ops)) {
    // key_averages() also lists runtime calls and kernels by name, and gives annotations
    // (ProfilerStep*, Optimizer.step#…) no CPU time at all; the operator table is the operators.
    if (name === 'ProfilerStep*' || annotations.has(name) || e.cpu_total_us === 0 || !ours.has(name)) {
      assert.ok(
        name === 'ProfilerStep*' ||
          annotations.has(name) ||
          e.cpu_total_us === 0 ||
          trace.runtime.some((r) => r.name === name),
        `${name} is in key_averages() but not in the operator table`,
      );
      continue;
    }
    const o = ours.get(name)!;
    compared++;
    assert.equal(o.calls, e.count, `${name} calls`);
    const tol = (v: number) => Math.max(0.5 * e.count, 0.01 * v);
    assert.ok(
      Math.abs(o.totalCpuUs - e.cpu_total_us) <= tol(e.cpu_total_us),
      `${name} total ${o.totalCpuUs} vs ${e.cpu_total_us}`,
    );
    assert.ok(
      Math.abs(o.selfCpuUs - e.self_cpu_us) <= tol(e.self_cpu_us),
      `${name} self ${o.selfCpuUs} vs ${e.self_cpu_us}`,
    );
    assert.ok(
      Math.abs(o.selfDeviceUs - e.self_device_us) <= tol(e.self_device_us),
      `${name} self device ${o.selfDeviceUs} vs ${e.self_device_us}`,
    );
    assert.ok(
      Math.abs(o.totalDeviceUs - e.device_total_us) <= tol(e.device_total_us),
      `${name} device ${o.totalDeviceUs} vs ${e.device_total_us}`,
    );
  }
  assert.ok(compared >= 40, `${compared} operators compared`);
});

test('Kineto trace (A100): kernels attributed to their operators through correlation ids', async () => {
  const trace = await readTorchTrace(T('torchtrace_hta__event_sync_trace.json.gz'));
  assert.equal(trace.form, 'kineto');
  assert.ok(trace.distributedInfo, 'distributedInfo is kept');
  assert.ok(trace.deviceProperties.length > 0);
  const s = analyzeTorchTrace(trace);
  assert.equal(s.attributed, trace.gpu.length, 'every kernel and copy found its operator');
  const kernelTotal = trace.gpu.reduce((a, g) => a + g.dur, 0);
  const selfDevice = s.ops.reduce((a, o) => a + o.selfDeviceUs, 0);
  assert.equal(selfDevice, kernelTotal, "each GPU activity counted once as some operator's self device time");
  const ones = s.ops.find((o) => o.name === 'aten::ones');
  assert.ok(ones && ones.totalDeviceUs >= ones.selfDeviceUs);
  for (const g of s.gpu) assert.ok(g.busyUs <= g.spanUs && Math.abs(g.busyUs + g.idleUs - g.spanUs) < 1e-6);
});

test('traces of every era and vendor read: 2021 capitalised categories, ROCm, CPU-only, H100 with python_function', async () => {
  const v100 = await readTorchTrace(T('torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz'));
  assert.equal(v100.categories['Kernel'], 9564);
  assert.equal(v100.gpu.filter((g) => g.kind === 'kernel').length, 9564);
  assert.equal(v100.gpu.filter((g) => g.kind === 'memset').length, 439);
  const v100s = analyzeTorchTrace(v100);
  // 733 activities of this trace have no runtime call in it and no operator with their external
  // id (launched before the profiling window opened): they stay unattributed.
  assert.ok(v100s.attributed / v100.gpu.length > 0.9, `${v100s.attributed} of ${v100.gpu.length} attributed`);
  assert.ok(v100s.kernels[0].totalUs >= v100s.kernels[1].totalUs);
  assert.ok(Math.abs(v100s.kernels.reduce((a, k) => a + k.gpuPct, 0) - 100) < 1e-6);

  const rocm = await readTorchTrace(T('torchtrace_hta__mi250_minitoy_train_ROCm6_2_kineto.json.gz'));
  assert.ok(rocm.runtime.some((r) => r.name.startsWith('hip')));
  assert.ok(analyzeTorchTrace(rocm).attributed > 0);

  const cpu = await readTorchTrace(T('torchtrace_hta__rank-34.Jul_15_10_52_41.1074.pt.trace.json.gz'));
  assert.equal(cpu.gpu.length, 0);
  assert.deepEqual(analyzeTorchTrace(cpu).gpu, []);

  const h100 = await readTorchTrace(T('torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz'));
  assert.equal(h100.pythonFunctions, 1385);
  assert.ok(h100.memory.length > 0 && h100.memory.every((m) => m.device === 0 || m.device === -1));
  assert.equal(h100.meta.displayTimeUnit, 'ms');
  const k = analyzeTorchTrace(h100).kernels[0];
  assert.ok(k.grid && k.block, 'grid and block of the kernels');
});

test('the streaming reader gives the same result as reading in one piece, gzipped or not, in any chunking', async () => {
  const gz = readFileSync(T('torchtrace_hta__triton_example.json.gz'));
  const text = (await import('node:zlib')).gunzipSync(gz).toString('utf8');
  const whole = parseTorchTrace(text, 'x.json');
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-trace-'));
  const plain = path.join(dir, 'plain.json');
  writeFileSync(plain, text);
  const streamed = await readTorchTrace(plain);
  assert.deepEqual(streamed, whole);
  const z = path.join(dir, 'again.json.gz');
  writeFileSync(z, gzipSync(text));
  assert.deepEqual(await readTorchTrace(z), whole);
  // A byte-by-byte feed exercises every boundary inside strings, escapes and keys.
  const { TraceEventScanner } = await import('../../src/core/formats/torch/jsonEventScanner');
  const events: unknown[] = [];
  const top: string[] = [];
  const sc = new TraceEventScanner({ event: (e) => events.push(e), topLevel: (k) => top.push(k) });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 7) sc.push(bytes.subarray(i, i + 7));
  sc.end();
  assert.equal(events.length, whole.eventCount);
  assert.ok(top.includes('deviceProperties') && top.includes('baseTimeNanoseconds'));
});

test('bad traces are FormatErrors with the place', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-trace-'));
  const cut = path.join(dir, 'cut.json');
  writeFileSync(cut, '{"traceEvents": [{"ph": "X", "name": "a", "ts": 1, "dur": 2}, {"ph": "X", "na');
  await assert.rejects(
    readTorchTrace(cut),
    (e: unknown) => e instanceof FormatError && /cut\.json:offset \d+: the JSON ends early/.test(e.message),
  );
  const bad = path.join(dir, 'bad.json');
  const badText = '{"traceEvents": [{"ph": "X", "name": "a", "ts": 1, "dur": 2}, {"ph": X}]}';
  writeFileSync(bad, badText);
  const at = badText.indexOf('{"ph": X}');
  await assert.rejects(
    readTorchTrace(bad),
    (e: unknown) => e instanceof FormatError && e.message.includes(`bad.json:offset ${at}: invalid JSON`),
  );
  await assert.rejects(readTorchTrace(path.join(dir, 'none.json')), /none\.json: no such file/);
  const empty = path.join(dir, 'empty.json');
  writeFileSync(empty, '{"traceEvents": []}');
  await assert.rejects(readTorchTrace(empty), /found no trace events/);
});

test('memory over time with the peak and the operator running then; GPU timeline; ranks compared', async () => {
  const { buildTraceView, compareRanks } = await import('../../src/core/analysis/torch/torchView');
  const h100 = buildTraceView(
    await readTorchTrace(T('torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz')),
    'h100',
  );
  const gpu0 = h100.memory.find((m) => m.device === 0);
  assert.ok(gpu0, 'GPU 0 memory series');
  assert.ok(gpu0.points.length > 10 && gpu0.points.length <= 501);
  assert.equal(gpu0.peakAllocated, Math.max(...gpu0.points.map((p) => p[1])), 'the peak survives downsampling');
  assert.ok(gpu0.peakOperator, 'an operator was running at the peak');
  assert.equal(h100.timeline.length, 1);
  const busyFromTimeline = h100.timeline[0].busyPct.reduce((a, p) => a + (p / 100) * h100.timeline[0].bucketUs, 0);
  assert.ok(
    Math.abs(busyFromTimeline - h100.gpu[0].busyUs) < 1e-6 * h100.gpu[0].busyUs + 1e-6,
    'the timeline adds up to the busy time',
  );
  const sync = buildTraceView(await readTorchTrace(T('torchtrace_hta__event_sync_trace.json.gz')), 'sync');
  assert.equal(sync.rank, 0, 'distributedInfo rank');
  const ranks = compareRanks([h100, sync]);
  assert.equal(ranks.find((r) => r.title === 'sync')?.slowdownPct, 0, 'the fastest rank');
  assert.ok((ranks.find((r) => r.title === 'h100')?.slowdownPct ?? 0) > 0);
});

test('CPU side as a profile (Python frames, annotations, operators by self time) and GPU time per Python function', async () => {
  const { analyzeTorchSources } = await import('../../src/core/analysis/torch/torchSources');
  const { analyzeHotPaths } = await import('../../src/core/analysis/cpu/hotPaths');
  const trace = await readTorchTrace(T('torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz'));
  const { profile, gpuByFunction, gpuTotalUs } = analyzeTorchSources(trace);
  assert.equal(profile.unit, 'microseconds');
  // Self times add up to the time covered by each thread's outermost spans.
  const weight = profile.threads.reduce((a, t) => a + t.weights.reduce((x, y) => x + y, 0), 0);
  assert.ok(weight > 0);
  const pyFrame = profile.frames.find((f) => f.name === '_bootstrap' && f.file === 'threading.py');
  assert.ok(pyFrame && pyFrame.line === 1032 && pyFrame.kind === 'python', 'Kineto\'s "file(line): name" frames');
  assert.ok(
    profile.frames.some((f) => f.name === 'aten::addmm'),
    'operators nested under the Python frames',
  );
  const hot = analyzeHotPaths(profile);
  assert.ok(hot.functions.some((f) => f.file === 'moca/application/profile/profile_model.py'));
  assert.ok(gpuByFunction.length > 0);
  for (const g of gpuByFunction) assert.ok(g.gpuUs <= gpuTotalUs + 1e-6 && g.pct <= 100 + 1e-9);
  const top = gpuByFunction[0];
  assert.ok(
    top.pct > 90,
    `the outermost Python frame launched (nearly) all GPU work: ${top.name} ${top.pct.toFixed(1)}%`,
  );
  assert.ok(
    gpuByFunction.some((g) => /forward/.test(g.name) && g.kernels > 0),
    'a forward() launched kernels',
  );
  // Legacy traces have no Python frames: the profile holds operators only, no GPU lines.
  const legacy = analyzeTorchSources(await readTorchTrace(T('torch1.13.1-debian_cpu_legacy_mlp.trace.json')));
  assert.ok(legacy.profile.frames.every((f) => f.kind === 'other'));
  assert.deepEqual(legacy.gpuByFunction, []);
});

test('each kernel knows the operator and the Python stack it was launched from', async () => {
  const { analyzeTorchSources } = await import('../../src/core/analysis/torch/torchSources');
  const trace = await readTorchTrace(T('torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz'));
  const { launchers } = analyzeTorchSources(trace);
  const kernelNames = new Set(trace.gpu.filter((g) => g.kind === 'kernel').map((g) => g.name));
  assert.equal(Object.keys(launchers).length, kernelNames.size, 'every kernel has a launch site');
  for (const [name, list] of Object.entries(launchers)) {
    assert.ok(list.length >= 1 && list.length <= 3);
    const count = trace.gpu.filter((g) => g.name === name).length;
    assert.ok(list.reduce((a, l) => a + l.launches, 0) <= count);
    assert.ok(list[0].op?.startsWith('aten::'), `${name} launched by ${list[0].op}`);
    assert.ok(
      list[0].stack.some((f) => f.name === 'forward'),
      'from a forward()',
    );
  }
});

test('launch sites shared by spans at one place, kept apart where only a call stack tells them apart (hand-written)', async () => {
  const { analyzeTorchSources } = await import('../../src/core/analysis/torch/torchSources');
  const op = (ts: number, stack: string) => ({
    ph: 'X',
    cat: 'cpu_op',
    name: 'aten::mm',
    pid: 1,
    tid: 1,
    ts,
    dur: 10,
    args: { 'Call stack': stack },
  });
  const launch = (ts: number, correlation: number) => ({
    ph: 'X',
    cat: 'cuda_runtime',
    name: 'cudaLaunchKernel',
    pid: 1,
    tid: 1,
    ts,
    dur: 1,
    args: { correlation },
  });
  const kernel = (name: string, ts: number, correlation: number) => ({
    ph: 'X',
    cat: 'kernel',
    name,
    pid: 0,
    tid: 7,
    ts,
    dur: 2,
    args: { correlation, stream: 7, device: 0 },
  });
  const trace = parseTorchTrace(
    JSON.stringify({
      traceEvents: [
        // A Python span on the thread: its operators' call stacks are not in the profile's frames.
        { ph: 'X', cat: 'python_function', name: 'a.py(1): f', pid: 1, tid: 1, ts: 0, dur: 100 },
        { ph: 'X', cat: 'python_function', name: 'a.py(1): f', pid: 1, tid: 1, ts: 400, dur: 100 },
        { ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: 410, dur: 10 },
        { ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: 440, dur: 10 },
        op(200, 'x.py(5): g'),
        op(300, 'y.py(7): h'),
        launch(202, 1),
        launch(302, 2),
        launch(412, 3),
        launch(442, 4),
        launch(20, 0),
        kernel('k', 205, 1),
        kernel('k', 305, 2),
        kernel('m', 415, 3),
        kernel('m', 445, 4),
        // Correlation 0 is no id (CUPTI counts from 1): linked to nothing, as in the diagnosis.
        kernel('z', 25, 0),
      ],
    }),
    'launch-sites-handwritten.json',
  );
  const { launchers } = analyzeTorchSources(trace);
  const sites = (name: string) =>
    launchers[name]?.map((l) => [l.op, l.stack.map((f) => `${f.file}:${f.line}`).join(' '), l.launches]);
  assert.deepEqual(
    sites('k'),
    [
      ['aten::mm', 'x.py:5', 1],
      ['aten::mm', 'y.py:7', 1],
    ],
    'two operators at the same place, told apart by their call stacks',
  );
  assert.deepEqual(sites('m'), [['aten::mm', 'a.py:1', 2]], 'two launches under the same frames: one site');
  assert.equal(launchers.z, undefined);
});

test('every real trace in the fixtures reads and analyses consistently', async () => {
  const { readdirSync } = await import('node:fs');
  const files = readdirSync(REAL).filter((f) => f.startsWith('torchtrace_'));
  assert.ok(files.length >= 11);
  for (const f of files) {
    const trace = await readTorchTrace(T(f));
    const s = analyzeTorchTrace(trace);
    assert.ok(trace.eventCount > 0, f);
    assert.ok(s.ops.length > 0, `${f}: operators`);
    for (const o of s.ops)
      assert.ok(o.selfCpuUs <= o.totalCpuUs + 1e-6 && o.selfDeviceUs <= o.totalDeviceUs + 1e-6, `${f}: ${o.name}`);
    const kernelUs = trace.gpu.filter((g) => g.kind === 'kernel').reduce((a, g) => a + g.dur, 0);
    assert.ok(
      Math.abs(s.kernels.reduce((a, k) => a + k.totalUs, 0) - kernelUs) < 1e-6 * Math.max(1, kernelUs),
      `${f}: kernel totals`,
    );
    for (const g of s.gpu) assert.ok(g.busyUs <= g.spanUs + 1e-6, `${f}: busy within span`);
    assert.ok(s.attributed <= trace.gpu.length);
  }
  const nccl = analyzeTorchTrace(await readTorchTrace(T('torchtrace_hta__nccl_data.json.gz')));
  assert.ok(
    nccl.gpu.some((g) => g.communicationUs > 0),
    'NCCL kernels count as communication',
  );
  const resnet = await readTorchTrace(
    T('torchtrace_kineto_tb_plugin__resnet50_nw0_worker0.1623143089861.pt.trace.json.gz'),
  );
  assert.ok(resnet.memory.length > 0, '2021 [memory] events');
});

test('operators with a recorded call stack put GPU time on the calling lines (torch 1.9 Kineto trace)', async () => {
  const { analyzeTorchSources, parseCallStack } = await import('../../src/core/analysis/torch/torchSources');
  const trace = await readTorchTrace(
    T('torchtrace_kineto_tb_plugin__resnet50_nw0_worker0.1623143089861.pt.trace.json.gz'),
  );
  assert.ok(
    trace.ops.some((o) => o.callStack?.includes('resnet50_profiler_api.py(46): <module>')),
    '"Call stack" argument kept',
  );
  const { profile, gpuByFunction, gpuTotalUs, launchers } = analyzeTorchSources(trace);
  const calls = gpuByFunction.filter((g) => g.site === 'call' && g.file === 'resnet50_profiler_api.py');
  assert.ok(calls.length >= 2, 'several lines of the script launched GPU work');

  // Brute-force oracle: each GPU activity → its runtime call (correlation) → the innermost
  // operator on that thread enclosing the call that has a call stack → the lines in it.
  const rt = new Map(trace.runtime.filter((r) => r.correlation !== undefined).map((r) => [r.correlation, r]));
  const expected = new Map<number, number>();
  for (const g of trace.gpu) {
    const r = g.correlation !== undefined ? rt.get(g.correlation) : undefined;
    if (!r) continue;
    let inner: (typeof trace.ops)[number] | undefined;
    for (const o of trace.ops) {
      if (o.pid !== r.pid || o.tid !== r.tid || !o.callStack) continue;
      if (o.ts <= r.ts + 1e-3 && r.ts <= o.ts + o.dur + 1e-3 && (!inner || o.dur <= inner.dur)) inner = o;
    }
    if (!inner) continue;
    for (const f of parseCallStack(inner.callStack as string)) {
      if (f.file === 'resnet50_profiler_api.py') expected.set(f.line, (expected.get(f.line) ?? 0) + g.dur);
    }
  }
  assert.deepEqual(new Set(calls.map((c) => c.line)), new Set(expected.keys()));
  for (const c of calls) {
    assert.ok(
      Math.abs(c.gpuUs - (expected.get(c.line) ?? 0)) < 1e-6 * gpuTotalUs + 1e-3,
      `line ${c.line}: ${c.gpuUs} vs ${expected.get(c.line)}`,
    );
    assert.ok(c.pct > 0 && c.pct <= 100);
  }
  const forward = calls.find((c) => c.line === 46);
  assert.ok(forward && forward.kernels > 10, 'the line that calls the model launched its kernels');
  // The flame graph nests those operators under the Python frames of their stack.
  assert.ok(profile.frames.some((f) => f.file === 'resnet50_profiler_api.py' && f.line === 46 && f.kind === 'python'));
  // A kernel's launchers carry the Python stack of the call.
  assert.ok(
    Object.values(launchers).some((ls) => ls.some((l) => l.stack.some((f) => f.file === 'resnet50_profiler_api.py'))),
  );
});

test("event scanner: every chunking of events with braces, commas and escaped quotes in strings gives JSON.parse's events", async () => {
  const { TraceEventScanner } = await import('../../src/core/formats/torch/jsonEventScanner');
  // Hand-made edge cases (strings that look like event boundaries), then a real trace.
  const tricky = [
    { ph: 'X', name: 'a}, {"b": 1}', ts: 1, dur: 2, args: { x: { y: {} }, s: '}\\"}, {' } },
    { ph: 'X', name: '\\', ts: 3, dur: 1, args: { 'k}': ['}', '{', [{}]] } },
    { ph: 'X', name: 'ünï}cødé ⚡', ts: 4, dur: 1 },
  ];
  const real = JSON.parse(
    (await import('node:zlib')).gunzipSync(readFileSync(T('torchtrace_hta__triton_example.json.gz'))).toString('utf8'),
  ) as { traceEvents: unknown[] };
  const events = [...tricky, ...real.traceEvents.slice(0, 400), ...tricky];
  const text = JSON.stringify({ schemaVersion: 1, traceEvents: events, trailing: { a: '}' } }, null, 1);
  const bytes = Buffer.from(text);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 60; trial++) {
    const got: unknown[] = [];
    const sc = new TraceEventScanner({ event: (e) => got.push(e) });
    const max = trial < 20 ? trial + 1 : Math.floor(rand() * 20000) + 1;
    for (let i = 0; i < bytes.length;) {
      const n = Math.max(1, Math.floor(rand() * max));
      sc.push(bytes.subarray(i, i + n));
      i += n;
    }
    sc.end();
    assert.deepEqual(got, events, `chunks up to ${max} bytes`);
  }
});

test('a trace named .pt.trace.json and cut before its events is read as a trace: the error says where it ends, not "unknown profile format"', async () => {
  // The real H100 BERT trace begins with a 10 KiB metadata block: cut at 5,000 bytes, its head shows no traceEvents.
  const whole = gunzipSync(readFileSync(T('torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz')));
  assert.ok(!whole.subarray(0, 5000).toString('utf8').includes('traceEvents'), 'the cut is inside the metadata');
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-trace-'));
  const cut = path.join(dir, 'worker0.1016001.pt.trace.json');
  writeFileSync(cut, whole.subarray(0, 5000));
  assert.equal(await detectFileKind(cut), 'torch-trace');
  await assert.rejects(
    readTorchTrace(cut),
    (e: unknown) => e instanceof FormatError && e.message.includes(`${cut}:offset 5000: the JSON ends early`),
  );
  // The name only breaks the tie: the same bytes under another name are still not taken for a trace,
  // and a speedscope file named like a trace stays a CPU profile.
  const other = path.join(dir, 'cut.json');
  writeFileSync(other, whole.subarray(0, 5000));
  assert.equal(await detectFileKind(other), 'cpu-profile');
  const speedscope = path.join(dir, 'renamed.pt.trace.json');
  writeFileSync(
    speedscope,
    readFileSync(path.join(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json')),
  );
  assert.equal(await detectFileKind(speedscope), 'cpu-profile');
});

test('times that are not numbers or beyond any clock are left out and counted, never Infinity or NaN', () => {
  const ev = (ts: unknown, dur: unknown, name: string) => ({ ph: 'X', cat: 'cpu_op', name, pid: 1, tid: 1, ts, dur });
  const text = JSON.stringify({
    traceEvents: [
      ev(10, 5, 'aten::mm'),
      ev(1e308, 5, 'aten::far'),
      ev('soon', 5, 'aten::when'),
      ev(20, 'long', 'aten::how'),
    ],
  });
  const trace = parseTorchTrace(text, 't.json');
  assert.deepEqual(
    trace.ops.map((o) => o.name),
    ['aten::mm'],
  );
  assert.deepEqual(trace.skipped, [
    { why: 'complete events with "ts" beyond 2^53 µs', count: 1 },
    { why: 'complete events ("ph": "X") without a numeric "ts"', count: 1 },
    { why: 'complete events with a "dur" that is not a number', count: 1 },
  ]);
  const s = analyzeTorchTrace(trace);
  assert.ok(Number.isFinite(s.spanUs) && s.spanUs === 5, `span ${s.spanUs}`);
});

/** The trace as the fields path reads it, pushed in chunks of `size` bytes. */
function readByFields(text: Buffer, size: number): ReturnType<TorchTraceBuilder['build']> {
  const builder = new TorchTraceBuilder('x.json');
  const scanner = new TraceEventScanner({
    event: (v, o) => builder.event(v, o),
    fields: (f, o) => builder.accept(f, o),
    topLevel: (k, v) => builder.topLevel(k, v),
  });
  for (let i = 0; i < text.length; i += size) scanner.push(text.subarray(i, i + size));
  scanner.end();
  return builder.build();
}

test('events read from their bytes give the same trace as JSON.parse, on every real trace and in any chunking', async () => {
  const files = readdirSync(REAL, { recursive: true })
    .map(String)
    .filter((f) => /(pt\.trace\.json|\.json\.gz|trace\.json)$/.test(f) && !/key_averages/.test(f));
  assert.ok(files.length >= 14, files.join());
  for (const f of files) {
    const raw = readFileSync(T(f));
    const text = raw[0] === 0x1f ? gunzipSync(raw) : raw;
    const viaObjects = parseTorchTrace(text.toString('utf8'), 'x.json');
    const streamed = await readTorchTrace(T(f));
    if (viaObjects.form !== 'kineto') continue; // the legacy bare array has no fields path
    assert.deepEqual({ ...streamed }, { ...viaObjects }, `${f}: read from bytes = JSON.parse`);
    for (const size of [4093, 65536])
      assert.deepEqual(readByFields(text, size), viaObjects, `${f} in ${size}-byte chunks`);
  }
});

test('the fields path on hand-made edge cases: escapes, numbers of every form, odd arguments, cuts anywhere', () => {
  const events = [
    '{"ph": "X", "cat": "cpu_op", "name": "a\\"b\\\\c \\u00e9 é", "pid": 1, "tid": "t\\n1", "ts": 5492394849292.478, "dur": 1e1, "args": {"External id": 3, "Input Dims": [[1, 2], []]}}',
    '{"ph": "X", "cat": "kernel", "name": "k", "pid": 0, "tid": "stream 9", "ts": "12", "dur": 12345678901234567.5, "args": {"correlation": -0, "grid": [1, 2.5, 3], "block": ["x"], "args": 1}}',
    '{"ph": "X", "cat": "kernel", "name": 7, "pid": null, "tid": true, "ts": 13, "dur": null, "args": [1, 2]}',
    '{"ph": "X", "cat": "cpu_op", "name": "dup", "pid": 1, "tid": 1, "ts": 14, "dur": 2, "args": {"External id": 1}, "args": {"correlation": 2}, "ts": 15}',
    '{"ph":"X","cat":"cpu_op","name":"tight","pid":1,"tid":1,"ts":0.000001,"dur":3.14159265358979311599796346854,"args":{"Input dims":{"a":[{"b":null}]},"Call stack":"a.py(1): f;b.py(2): g"}}',
    '{ "ph" : "i" , "name" : "[memory]" , "ts" : 16 , "args" : { "Total Allocated" : 1024 , "Bytes" : -5 , "Device Id" : 0 } }',
    '{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD", "pid": 0, "tid": 7, "ts": 17, "dur": 0.5, "unknown": {"deep": [[[[1]]]], "s": "}]\\""}, "args": {"bytes": 262144}}',
  ];
  const text = Buffer.from(`{"traceEvents": [\n${events.join(',\n')}\n], "schemaVersion": 1}`);
  const viaObjects = parseTorchTrace(text.toString('utf8'), 'x.json');
  assert.equal(viaObjects.eventCount, events.length);
  for (let size = 1; size <= 64; size++) assert.deepEqual(readByFields(text, size), viaObjects, `${size}-byte chunks`);
  assert.deepEqual(readByFields(text, text.length), viaObjects, 'one chunk');
  // Invalid JSON inside an event is the same error either way: the file and the offset.
  const bad = Buffer.from('{"traceEvents": [{"ph": "X", "ts": 1, "dur": 01}]}');
  assert.throws(() => readByFields(bad, bad.length), /invalid JSON/);
});

test('the fields path reads keys in any order, escaped or long, as JSON.parse does (its trie of key orders; hand-made)', () => {
  // Events of one kind repeat their keys in one order, which the byte reader learns; here the
  // orders change at every event, past the few a step of the trie keeps and the nodes it may
  // make, with keys escaped ("n\u0061me" is "name"), unknown, and longer than it keeps.
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const events: string[] = [];
  for (let e = 0; e < 3000; e++) {
    const args = shuffle([
      `"External id": ${e}`,
      `"correlation": ${e + 1}`,
      `"stream": ${e % 3}`,
      `"device": 0`,
      `"grid": [${e % 5}, 1, 1]`,
      ...(e % 4 === 0 ? [`"${'long key '.repeat(12 + (e % 7))}": ${e}`] : []),
      ...(e % 9 === 0 ? [`"Call st\\u0061ck": "a.py(${e}): f"`] : []),
    ]);
    const top = shuffle([
      `"ph": "X"`,
      `"cat": "${['kernel', 'cpu_op', 'cuda_runtime', 'user_annotation'][e % 4]}"`,
      `"${e % 11 === 0 ? 'n\\u0061me' : 'name'}": "op ${e % 13}"`,
      `"pid": ${e % 2}`,
      `"tid": ${e % 5}`,
      `"ts": ${e * 10}`,
      `"dur": ${(e % 7) + 0.5}`,
      `"args": {${args.join(', ')}}`,
      ...(e % 3 === 0 ? [`"x${e % 50}": ${e}`] : []),
    ]);
    events.push(`{${top.join(', ')}}`);
  }
  const text = Buffer.from(`{"traceEvents": [\n${events.join(',\n')}\n]}`);
  const viaObjects = parseTorchTrace(text.toString('utf8'), 'x.json');
  assert.equal(viaObjects.eventCount, events.length);
  for (const size of [97, 4096, text.length])
    assert.deepEqual(readByFields(text, size), viaObjects, `${size}-byte chunks`);
});
