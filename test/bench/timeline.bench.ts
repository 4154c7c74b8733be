// The trace timeline at scale (issue 20's targets): generated Kineto traces of 100 MB, 1 GB and
// 2 GB shaped like real training traces (a ProfilerStep per 1,000 iterations, python_function >
// cpu_op > cuda_runtime nesting, kernels on three streams, ac2g flows, memcpy, [memory] events),
// each read and indexed in a fresh Node process: ingest + index throughput against JSON.parse's
// on the 100 MB slice (alternating, medians of three; in the threads the reader takes by default
// and in 2, parallelRead.ts), peak resident memory against the file
// size; then, on the 1 GB trace, the real trace view in Chromium fed by the host's answers: the
// first frame after ingest, window queries and frame draws while zooming and panning at 1600 px;
// and the 1 GB trace opened as the editor opens it (openFileIsolated: read in a worker that then
// builds the view and the timeline, the trace rebuilt on this thread in slices after them): when
// each part arrives, the process's peak memory, and the longest stop of this thread's event loop,
// against structured clone's read of the same trace (what this thread did before). The last line printed is the JSON object the
// issue names.
import { createWriteStream, existsSync, statSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { lastSegmentRead, setTraceSegmentWorker } from '../../src/core/formats/torch/parallelRead';
import { torchTimeline } from '../../src/core/analysis/torch/torchTimeline';
import { diagnose } from '../../src/core/analysis/torch/diagnosis';
import { TimelineHost } from '../../src/extension/torch/timelineHost';
import { openFileIsolated } from '../../src/core/open/openFileIsolated';
import { deserialize, serialize } from 'node:v8';
import type { ToHost, ToWebview } from '../../src/shared/protocol/torchTrace';
import type { TraceViewData } from '../../src/core/analysis/torch/torchView';

const ROOT = path.resolve(__dirname, '..', '..');
setTraceSegmentWorker(path.join(ROOT, 'dist', 'traceSegmentWorker.js'));
const OPS = ['aten::addmm', 'aten::mm', 'aten::relu', 'aten::add_', 'aten::copy_', 'aten::softmax', 'aten::layer_norm'];

async function generate(file: string, bytes: number): Promise<void> {
  if (existsSync(file) && statSync(file).size >= bytes) return;
  const out = createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write(
    '{"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "NVIDIA H100 80GB HBM3"}], "traceEvents": [\n',
  );
  let written = 100;
  let t = 1_700_000_000_000;
  let i = 0;
  let first = true;
  const P = 4242;
  while (written < bytes) {
    const parts: string[] = [];
    for (let k = 0; k < 1000; k++, i++, t += 30) {
      if (i % 1000 === 0)
        parts.push(
          `{"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#${i / 1000}", "pid": ${P}, "tid": ${P}, "ts": ${t}, "dur": 29999, "args": {"External id": ${i}}}`,
        );
      const op = OPS[i % OPS.length];
      const s = 7 + (i % 3);
      parts.push(
        `{"ph": "X", "cat": "python_function", "name": "myproject/train.py(${80 + (i % 9)}): step", "pid": ${P}, "tid": ${P}, "ts": ${t + 1}, "dur": 27, "args": {"Python parent id": ${i % 9}, "Python id": ${i}, "Python thread": 0}}`,
        `{"ph": "X", "cat": "cpu_op", "name": "${op}", "pid": ${P}, "tid": ${P}, "ts": ${t + 2}, "dur": 20.5, "args": {"External id": ${i}, "Record function id": 0, "Input Dims": [[64, 1024], [1024, 1024]], "Input type": ["float", "float"], "Ev Idx": ${i}}}`,
        `{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": ${P}, "tid": ${P}, "ts": ${t + 6}, "dur": 6.25, "args": {"External id": ${i}, "cbid": 211, "correlation": ${i}}}`,
        `{"ph": "s", "id": ${i}, "pid": ${P}, "tid": ${P}, "ts": ${t + 6}, "cat": "ac2g", "name": "ac2g"}`,
        `{"ph": "X", "cat": "kernel", "name": "void ${op.slice(6)}_kernel<float, 128>(float const*, float*, int)", "pid": 0, "tid": ${s}, "ts": ${t + 14}, "dur": 18.125, "args": {"External id": ${i}, "queued": 0, "device": 0, "context": 1, "stream": ${s}, "correlation": ${i}, "registers per thread": 64, "shared memory": 16384, "blocks per SM": 4.5, "warps per SM": 18, "grid": [512, 1, 1], "block": [128, 1, 1], "est. achieved occupancy %": 50}}`,
        `{"ph": "f", "id": ${i}, "pid": 0, "tid": ${s}, "ts": ${t + 14}, "cat": "ac2g", "name": "ac2g", "bp": "e"}`,
      );
      if (i % 8 === 0)
        parts.push(
          `{"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]", "pid": ${P}, "tid": ${P}, "ts": ${t + 3}, "args": {"Total Reserved": ${2 ** 30 + (i % 4096) * 4096}, "Total Allocated": ${2 ** 29 + (i % 8192) * 1024}, "Bytes": 4096, "Addr": ${i}, "Device Id": 0, "Device Type": 1}}`,
        );
      if (i % 16 === 0)
        parts.push(
          `{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Pageable -> Device)", "pid": 0, "tid": 10, "ts": ${t + 4}, "dur": 3.5, "args": {"device": 0, "context": 1, "stream": 10, "correlation": ${-i - 1}, "bytes": 262144, "memory bandwidth (GB/s)": 75}}`,
        );
    }
    const chunk = (first ? '' : ',\n') + parts.join(',\n');
    first = false;
    written += chunk.length;
    await write(chunk);
  }
  await write('\n], "traceName": "bench"}\n');
  await new Promise<void>((r) => out.end(() => r()));
}

const rss = () => process.resourceUsage().maxRSS * 1024;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN;

async function ingest(file: string, threads?: number) {
  const t0 = performance.now();
  lastSegmentRead.segments = 0;
  const trace = await readTorchTrace(file, { threads });
  const readMs = performance.now() - t0;
  const tt = torchTimeline(trace);
  const ms = performance.now() - t0;
  // Peak resident memory of ingest + index, before the diagnosis adds its own.
  const ingestRss = rss();
  // Issue 21: the diagnosis (findings, breakdowns, critical paths) costs at most a quarter of ingest + index.
  const d0 = performance.now();
  const findings = diagnose(trace).findings.length;
  return { trace, tt, ms, readMs, diagnoseMs: performance.now() - d0, findings, ingestRss, diagnoseRss: rss() };
}

/** The view in Chromium: the real torch.js page, the host's TimelineHost answering it. */
async function view(file: string) {
  const { trace, tt, ms, readMs, diagnoseMs, ingestRss, diagnoseRss } = await ingest(file);
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-timeline-bench-'));
  writeFileSync(path.join(dir, 'torch.js'), readFileSync(path.join(ROOT, 'dist', 'webview', 'torch.js'), 'utf8'));
  writeFileSync(
    path.join(dir, 'host.html'),
    `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${readFileSync(path.join(ROOT, 'dist', 'webview', 'torch.css'), 'utf8')}</style></head>
<body><div id="app"></div><script>
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.flamelensHost(JSON.stringify(m)).then((r) => { for (const x of JSON.parse(r)) window.postMessage(x, '*'); }) });
</script><script src="torch.js"></script></body></html>`,
  );
  const queryMs: number[] = [];
  let outbox: ToWebview[] = [];
  const host = new TimelineHost(
    async () => [{ trace, label: 'bench' }],
    (m) => outbox.push(m),
    file,
    { info: () => undefined, warn: (s: string) => console.error(s) } as never,
  );
  (host as unknown as { tt: unknown }).tt = Promise.resolve(tt);
  const data: TraceViewData = {
    title: 'bench',
    form: 'kineto',
    spanUs: tt.index.spanUs,
    events: trace.eventCount,
    skipped: [],
    gpuActivities: trace.gpu.length,
    attributed: 0,
    ops: [],
    kernels: [],
    gpu: [],
    timeline: [],
    devices: [],
    memory: [],
    launchers: {},
    steps: { steps: 0, meanStepUs: 0 },
    meta: {},
  };
  const browser = await chromium.launch({
    executablePath: process.env.FLAMELENS_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600 + 40, height: 1000 } });
    await page.exposeFunction('flamelensHost', async (json: string) => {
      const m = JSON.parse(json) as ToHost;
      outbox = [];
      if (m.type === 'ready') outbox.push({ type: 'traceInit', data, interactive: true, tab: 'timeline' });
      else if (m.type === 'timelineOpen') await host.open(m);
      else if (m.type === 'timelineQuery') {
        const q0 = performance.now();
        await host.query(m);
        queryMs.push(performance.now() - q0);
      } else if (m.type === 'timelineSelect') await host.select(m);
      return JSON.stringify(outbox);
    });
    await page.goto(`file://${path.join(dir, 'host.html')}`);
    type Api = {
      flamelensTimeline: {
        stats(): { draws: number[]; answers: number; initAt: number; firstDrawAt: number };
        setWindow(a: number, b: number): void;
        window(): { t0: number; t1: number };
      };
    };
    await page.waitForFunction(() => (window as unknown as Api).flamelensTimeline?.stats().firstDrawAt > 0, null, {
      timeout: 120_000,
    });
    const first = await page.evaluate(() => {
      const s = (window as unknown as Api).flamelensTimeline.stats();
      return s.firstDrawAt - s.initAt;
    });
    const before = await page.evaluate(() => (window as unknown as Api).flamelensTimeline.stats().draws.length);
    queryMs.length = 0;
    // Zoom from the whole trace to 20 µs at a few places, then pan across the whole trace at
    // a window of 1/40 of it, each step waiting for its answer to be drawn.
    const span = tt.index.spanUs;
    const windows: [number, number][] = [];
    for (const at of [0.13, 0.5, 0.87])
      for (let w = span; w > 20; w /= 1.6) windows.push([span * at - w / 2, span * at + w / 2]);
    for (let x = 0; x < span; x += span / 120) windows.push([x, x + span / 40]);
    for (const [a, b] of windows) {
      const n = await page.evaluate(() => (window as unknown as Api).flamelensTimeline.stats().answers);
      await page.evaluate(([x, y]) => (window as unknown as Api).flamelensTimeline.setWindow(x, y), [a, b]);
      await page.waitForFunction((k) => (window as unknown as Api).flamelensTimeline.stats().answers > k, n);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }
    const draws = await page.evaluate(
      (k) => (window as unknown as Api).flamelensTimeline.stats().draws.slice(k),
      before,
    );
    return {
      ms,
      readMs,
      diagnoseMs,
      events: trace.eventCount,
      spans: tt.index.start.length,
      rss: ingestRss,
      diagnoseRss,
      viewRss: rss(),
      firstFrameMs: first,
      queryP95Ms: p95(queryMs),
      drawP95Ms: p95(draws),
      steps: windows.length,
    };
  } finally {
    await browser.close();
  }
}

/** The trace opened as the editor opens it, this thread's event loop watched meanwhile. */
async function editor(file: string, timelineFirst = false) {
  const t0 = performance.now();
  let last = t0;
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  let viewAt = 0;
  let timelineAt = 0;
  let timelineCame: () => void = () => undefined;
  const timeline = new Promise<void>((resolve) => (timelineCame = resolve));
  const limits = { memoryMB: 8192, timeoutSec: 600, memorySetting: '', timeoutSetting: '' };
  await openFileIsolated(
    path.join(ROOT, 'dist', 'openFileWorker.js'),
    file,
    { cacheDir: '' },
    limits,
    undefined,
    undefined,
    () => {
      timelineAt = performance.now() - t0;
      timelineCame();
    },
    { title: 'bench', timelineFirst, on: () => (viewAt = performance.now() - t0) },
  );
  const traceAt = performance.now() - t0;
  await timeline;
  clearInterval(tick);
  return { ms: traceAt, traceAt, viewAt, timelineAt, longestStopMs: longest, events: 0, rss: rss() };
}

/** What this thread did with the trace before: structured clone's read of the model, in one piece. */
async function cloneRead(file: string) {
  const bytes = serialize(await readTorchTrace(file));
  const t0 = performance.now();
  deserialize(bytes);
  return { ms: performance.now() - t0, events: 0, rss: rss() };
}

/**
 * A floor for any reader written in JavaScript: every string (escapes skipped) and number (its
 * digits summed) of the file walked once, nothing kept, no key looked at. Reading a trace must
 * do at least this, so its speed bounds ingest + index from above.
 */
function bareTokens(b: Buffer): number {
  let tokens = 0;
  let digits = 0;
  const n = b.length;
  for (let i = 0; i < n;) {
    const c = b[i];
    if (c === 0x22) {
      i++;
      while (i < n && b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1;
      i++;
      tokens++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i++;
      for (
        let d = b[i];
        i < n && ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d);
        d = b[++i]
      )
        digits += d & 15;
      tokens++;
    } else i++;
  }
  return tokens + (digits & 1);
}

async function child(file: string, mode: string): Promise<void> {
  if (mode === 'editor' || mode === 'editor-timeline')
    console.log(JSON.stringify(await editor(file, mode === 'editor-timeline')));
  else if (mode === 'clone') console.log(JSON.stringify(await cloneRead(file)));
  else if (mode === 'floor') {
    const t0 = performance.now();
    const tokens = bareTokens(readFileSync(file));
    console.log(JSON.stringify({ ms: performance.now() - t0, events: tokens, rss: rss() }));
  } else if (mode === 'json') {
    const t0 = performance.now();
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: unknown[] };
    console.log(JSON.stringify({ ms: performance.now() - t0, events: doc.traceEvents.length, rss: rss() }));
  } else if (mode.startsWith('ingest')) {
    const r = await ingest(file, mode === 'ingest' ? undefined : Number(mode.slice(6)));
    console.log(
      JSON.stringify({
        ms: r.ms,
        readMs: r.readMs,
        events: r.trace.eventCount,
        spans: r.tt.index.start.length,
        rss: r.ingestRss,
        diagnoseRss: r.diagnoseRss,
        threads: lastSegmentRead.segments + 1,
        diagnoseMs: r.diagnoseMs,
      }),
    );
  } else console.log(JSON.stringify(await view(file)));
}

type Figures = { ms: number; readMs?: number; events: number; spans?: number; rss: number } & Record<string, number>;

function run(file: string, mode: string): Figures | { error: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child', file, mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0)
    return { error: (r.stderr || '').split('\n').filter(Boolean).slice(-3).join(' ') || `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

const MB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4]);
  const sizes = (process.env.FLAMELENS_TIMELINE_SIZES ?? '1024,2048').split(',').map(Number);
  const slice = path.join(tmpdir(), 'flamelens-bench-timeline-100MB.json');
  await generate(slice, 100 * MB);
  const sliceMB = statSync(slice).size / MB;
  const ours: number[] = [];
  const theirs: number[] = [];
  const two: number[] = [];
  const reads: number[] = [];
  const floors: number[] = [];
  let threads = 1;
  // Five rounds, each running ours beside JSON.parse: this machine's speed moves between runs (its
  // JSON.parse has gone from 49 to 84 MB/s), so each round's own ratio is kept as well.
  const rounds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const a = run(slice, 'ingest');
    const b = run(slice, 'json');
    const c = run(slice, 'ingest2');
    const d = run(slice, 'floor');
    if ('error' in a || 'error' in b || 'error' in c || 'error' in d)
      throw new Error(`100 MB slice: ${[a, b, c, d].map((x) => ('error' in x ? x.error : '')).join(' ')}`);
    ours.push(a.ms);
    reads.push(a.readMs ?? NaN);
    theirs.push(b.ms);
    two.push(c.ms);
    floors.push(d.ms);
    rounds.push(b.ms / a.ms);
    threads = a.threads;
  }
  const ingestSlice = sliceMB / (median(ours) / 1000);
  const jsonParseMBps = sliceMB / (median(theirs) / 1000);
  const twoMBps = sliceMB / (median(two) / 1000);
  const floorMBps = sliceMB / (median(floors) / 1000);
  console.log(
    `100 MB slice: ingest + index ${ingestSlice.toFixed(0)} MB/s in ${threads} thread(s) (the default on ${availableParallelism()} cores), JSON.parse alone ${jsonParseMBps.toFixed(0)} MB/s (medians of 5, alternating: ${(ingestSlice / jsonParseMBps).toFixed(2)}x; target 2x; round by round ${median(rounds).toFixed(2)}x, from ${Math.min(...rounds).toFixed(2)}x to ${Math.max(...rounds).toFixed(2)}x); read in 2 threads ${twoMBps.toFixed(0)} MB/s (${(twoMBps / jsonParseMBps).toFixed(2)}x JSON.parse, ${(twoMBps / ingestSlice).toFixed(2)}x the default)`,
  );
  console.log(
    `100 MB slice, where the time goes: reading ${median(reads).toFixed(0)} ms and indexing ${(median(ours) - median(reads)).toFixed(0)} ms of ${median(ours).toFixed(0)} ms (medians); a bare tokenizer, nothing kept, ${median(floors).toFixed(0)} ms (${floorMBps.toFixed(0)} MB/s, ${(floorMBps / jsonParseMBps).toFixed(2)}x JSON.parse): at 2x JSON.parse, ingest + index would have ${(1000 * (sliceMB / (2 * jsonParseMBps)) - median(floors)).toFixed(0)} ms beyond it`,
  );
  let result: Record<string, number> | undefined;
  for (const mb of sizes) {
    const file = path.join(tmpdir(), `flamelens-bench-timeline-${mb}MB.json`);
    await generate(file, mb * MB);
    const bytes = statSync(file).size;
    const r = run(file, mb === sizes[0] ? 'view' : 'ingest');
    if ('error' in r) {
      console.log(`trace ${(bytes / MB).toFixed(0)} MB: failed: ${r.error}`);
      continue;
    }
    const mbps = bytes / MB / (r.ms / 1000);
    let line = `trace ${(bytes / MB).toFixed(0)} MB, ${r.events.toLocaleString('en-US')} events, ${(r.spans ?? 0).toLocaleString('en-US')} spans: ingest + index ${(r.ms / 1000).toFixed(1)} s (${mbps.toFixed(0)} MB/s; reading ${((r.readMs ?? 0) / 1000).toFixed(1)} s), peak RSS ${(r.rss / MB).toFixed(0)} MB (${(r.rss / bytes).toFixed(2)}x the file; target 1.2x)`;
    if (r.diagnoseMs !== undefined)
      line += `; diagnosis ${(r.diagnoseMs / 1000).toFixed(1)} s after it (${((100 * r.diagnoseMs) / r.ms).toFixed(0)}% of ingest + index; target 25%), peak RSS with it ${(r.diagnoseRss / MB).toFixed(0)} MB (${(r.diagnoseRss / bytes).toFixed(2)}x)`;
    if (r.firstFrameMs !== undefined)
      line += `; Chromium: first frame ${r.firstFrameMs.toFixed(0)} ms after ingest (target 500), window query p95 ${r.queryP95Ms.toFixed(1)} ms (target 20), draw p95 ${r.drawP95Ms.toFixed(1)} ms (target 16) over ${r.steps} zoom and pan steps at 1600 px`;
    console.log(line);
    if (mb === sizes[0]) {
      const e = run(file, 'editor');
      const t = run(file, 'editor-timeline');
      const c = run(file, 'clone');
      if ('error' in e || 'error' in c)
        console.log(`editor path: failed: ${'error' in e ? e.error : ''} ${'error' in c ? c.error : ''}`);
      else
        console.log(
          `trace ${(bytes / MB).toFixed(0)} MB opened as the editor opens it: its tables and diagnosis at ${(e.viewAt / 1000).toFixed(1)} s, its timeline at ${(e.timelineAt / 1000).toFixed(1)} s, the trace rebuilt on this thread at ${(e.traceAt / 1000).toFixed(1)} s, peak RSS ${(e.rss / MB).toFixed(0)} MB (${(e.rss / bytes).toFixed(2)}x the file); the longest stop of this thread's event loop ${e.longestStopMs.toFixed(0)} ms, against ${(c.ms / 1000).toFixed(1)} s for structured clone's read of the trace alone (${(e.longestStopMs / c.ms).toFixed(3)}x)`,
        );
      if (!('error' in t))
        console.log(
          `the same opened on its Timeline tab (Open Trace Timeline): its timeline at ${(t.timelineAt / 1000).toFixed(1)} s, its tables at ${(t.viewAt / 1000).toFixed(1)} s, the trace at ${(t.traceAt / 1000).toFixed(1)} s, peak RSS ${(t.rss / MB).toFixed(0)} MB`,
        );
    }
    if (mb === sizes[0])
      result = {
        traceBytes: bytes,
        events: r.events,
        ingestMBps: Math.round(mbps),
        jsonParseMBps: Math.round(jsonParseMBps),
        peakRssBytes: r.rss,
        firstFrameMs: Math.round(r.firstFrameMs),
        queryP95Ms: Number(r.queryP95Ms.toFixed(2)),
        drawP95Ms: Number(r.drawP95Ms.toFixed(2)),
      };
  }
  console.log(JSON.stringify(result ?? {}));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
