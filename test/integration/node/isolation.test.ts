// The editor reads files in a worker thread with a memory cap and a time budget
// (core/open/openFileIsolated): what comes back equals reading in-process; a file that needs
// more memory or time ends only its worker, with a message naming the file and the setting.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { linuxDescendants } from '../../../src/core/runners/processTree';
import { isAlive } from '../../../src/core/util/process';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openFile } from '../../../src/core/open/openFile';
import { openFileIsolated } from '../../../src/core/open/openFileIsolated';
import { analyzeHotPaths } from '../../../src/core/analysis/cpu/hotPaths';
import { FormatError } from '../../../src/core/formats/formatError';
import { buildCallTree } from '../../../src/core/analysis/cpu/callTree';
import { offerFirstTree, ProfileSession } from '../../../src/core/analysis/cpu/profileSession';
import type { TimelineMessage, TreeMessage, ViewMessage } from '../../../src/core/open/openFileWorker';
import { analyzeTorchSources } from '../../../src/core/analysis/torch/torchSources';
import { buildTraceView } from '../../../src/core/analysis/torch/torchView';
import type { TorchTrace } from '../../../src/core/model/torchTrace';
import { offerTimeline, timelineOf, torchTimeline } from '../../../src/core/analysis/torch/torchTimeline';
import { BUILTIN_FOLDED, ensureBuilt, REAL, ROOT } from '../../helpers';

const WORKER = path.join(ROOT, 'dist', 'openFileWorker.js');
const LIMITS = {
  memoryMB: 512,
  timeoutSec: 120,
  memorySetting: 'the memory setting',
  timeoutSetting: 'the time setting',
};

before(() => ensureBuilt());

test('a profile, a trace and an nsys export read in a worker equal the same files read in-process', async () => {
  for (const file of [
    BUILTIN_FOLDED,
    path.join(REAL, 'torch1.13.1-debian_cpu_legacy_mlp.trace.json'),
    path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite'),
  ]) {
    const here = await openFile(file, { cacheDir: '' });
    const there = await openFileIsolated(WORKER, file, { cacheDir: '' }, LIMITS);
    assert.deepEqual(there, here, file);
    if (there.kind === 'cpu-profile') {
      assert.ok(there.profile.threads[0].parent instanceof Int32Array, 'stack tables come back as typed arrays');
      assert.deepEqual(
        analyzeHotPaths(there.profile),
        analyzeHotPaths(here.kind === 'cpu-profile' ? here.profile : there.profile),
      );
    }
  }
  await assert.rejects(
    openFileIsolated(
      WORKER,
      path.join(REAL, 'nvidia_smi', 'a10g.xml'),
      { cacheDir: '', expect: { kinds: ['cpu-profile'], what: 'X wants profiles' } },
      LIMITS,
    ),
    (e: unknown) =>
      e instanceof FormatError &&
      /a10g\.xml: this is an nvidia-smi -q -x XML log, but X wants profiles/.test(e.message),
  );
});

test('a file that needs more memory than the cap ends its worker with a message; this process goes on', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-isolated-'));
  const file = path.join(dir, 'broad.folded');
  const lines: string[] = [];
  for (let i = 0; i < 1_000_000; i++) lines.push(`main;work;fn_${i} 1`);
  writeFileSync(file, lines.join('\n') + '\n');
  await assert.rejects(
    openFileIsolated(WORKER, file, { cacheDir: '' }, { ...LIMITS, memoryMB: 48 }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.file === file &&
      /needed more than 48 MiB of memory, so flamelens stopped \(the memory setting sets the limit\)/.test(e.message),
  );
  // And with room, the same file reads.
  const ok = await openFileIsolated(WORKER, file, { cacheDir: '' }, LIMITS);
  assert.equal(ok.kind, 'cpu-profile');
});

test('a file that takes longer than the budget ends its worker with a message', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-isolated-'));
  const file = path.join(dir, 'long.folded');
  const lines: string[] = [];
  for (let i = 0; i < 300_000; i++) lines.push(`main;work;fn_${i} 1`);
  writeFileSync(file, lines.join('\n') + '\n');
  // A budget far below what starting a worker and reading 300,000 lines take on any machine.
  await assert.rejects(
    openFileIsolated(WORKER, file, { cacheDir: '' }, { ...LIMITS, timeoutSec: 0.001 }),
    (e: unknown) =>
      e instanceof FormatError &&
      /took longer than 0\.001 s, so flamelens stopped \(the time setting sets the limit\)/.test(e.message),
  );
});

test("a profile's first call tree, built in the worker after the profile, equals the tree built here", async () => {
  const trees: TreeMessage[] = [];
  let handed: (t: TreeMessage) => void = () => undefined;
  const came = new Promise<TreeMessage>((resolve) => (handed = resolve));
  const opened = await openFileIsolated(WORKER, BUILTIN_FOLDED, { cacheDir: '' }, LIMITS, undefined, (t) => {
    trees.push(t);
    handed(t);
  });
  assert.equal(opened.kind, 'cpu-profile');
  if (opened.kind !== 'cpu-profile') return;
  // The profile is whole and usable before the tree has come.
  const built = buildCallTree(opened.profile);
  const arrived = await came;
  assert.ok(arrived.tree, 'a tree came');
  assert.deepEqual(arrived.tree, built);
  assert.ok(arrived.tree.total instanceof Float64Array && arrived.tree.childIds instanceof Int32Array);
  assert.equal(trees.length, 1, 'handed over once');

  // A session of the profile answers from the offered tree, once it arrived; without one, it builds its own.
  offerFirstTree(opened.profile, Promise.resolve(arrived.tree));
  const session = new ProfileSession(opened.profile);
  assert.ok(session.firstTree);
  await session.firstTree;
  assert.equal(session.tree([], false), arrived.tree);
  const own = new ProfileSession(structuredClone(opened.profile));
  assert.equal(own.firstTree, undefined);
  assert.deepEqual(own.tree([], false), built);
  // An offer of nothing (the worker failed): the session builds the tree itself.
  const failed = structuredClone(opened.profile);
  offerFirstTree(failed, Promise.resolve(undefined));
  const fallback = new ProfileSession(failed);
  await fallback.firstTree;
  assert.deepEqual(fallback.tree([], false), built);
});

test('no call tree is handed over for a file that is no profile, nor for a read that ran out of time', async () => {
  const calls: TreeMessage[] = [];
  const trace = await openFileIsolated(
    WORKER,
    path.join(REAL, 'torch1.13.1-debian_cpu_legacy_mlp.trace.json'),
    { cacheDir: '' },
    LIMITS,
    undefined,
    (t) => calls.push(t),
  );
  assert.equal(trace.kind, 'torch-trace');
  assert.equal(calls.length, 0, 'no tree for a trace');
  // A read that fails the time budget hands over no tree either, and rejects as before.
  await assert.rejects(
    openFileIsolated(WORKER, BUILTIN_FOLDED, { cacheDir: '' }, { ...LIMITS, timeoutSec: 0.001 }, undefined, (t) =>
      calls.push(t),
    ),
    /took longer than 0\.001 s/,
  );
  assert.equal(calls.length, 0);
});

test("a trace's timeline index, built in the worker after the trace, equals the index built here and is lent to its view", async () => {
  const file = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz');
  let handOver: (t: TimelineMessage) => void = () => undefined;
  const message = new Promise<TimelineMessage>((resolve) => (handOver = resolve));
  const opened = await openFileIsolated(WORKER, file, { cacheDir: '' }, LIMITS, undefined, undefined, (t) =>
    handOver(t),
  );
  assert.equal(opened.kind, 'torch-trace');
  const trace = (opened as { trace: TorchTrace }).trace;
  // The index comes after the trace, in a message of its own (the worker is still running).
  const tt = (await message).timeline!;
  assert.ok(tt, 'a timeline came');
  assert.deepEqual(tt, torchTimeline(trace), 'the same index as built in this process, typed arrays and all');
  assert.ok(tt.index.start instanceof Float64Array && tt.index.levels.length > 0);
  // Lent to the trace's view: it is what timelineOf answers, not a new build.
  offerTimeline(trace, Promise.resolve(tt));
  assert.equal(await timelineOf(trace), tt);
  // Nothing offered: built on demand, equal.
  const again = await openFile(file, { cacheDir: '' });
  assert.deepEqual(await timelineOf((again as { trace: TorchTrace }).trace), tt);
  // No timeline is handed over for a CPU profile.
  const none: TimelineMessage[] = [];
  const profile = await openFileIsolated(WORKER, BUILTIN_FOLDED, { cacheDir: '' }, LIMITS, undefined, undefined, (t) =>
    none.push(t),
  );
  assert.equal(profile.kind, 'cpu-profile');
  assert.equal(none.length, 0);
});

test("a trace's tables, diagnosis and sources, built in the worker before its timeline and the trace's rebuild, equal those built here", async () => {
  // Opened on its Timeline tab (timelineFirst), the timeline comes first, its arrays moved, not
  // copied: nothing the view is built from after it may share them. Either way, the same.
  for (const timelineFirst of [false, true])
    for (const file of [
      path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz'),
      path.join(REAL, 'torchtrace_hta__control.json.gz'),
    ]) {
      const order: string[] = [];
      let viewCame: (v: ViewMessage) => void = () => undefined;
      const viewMessage = new Promise<ViewMessage>((resolve) => (viewCame = resolve));
      let timelineCame: (t: TimelineMessage) => void = () => undefined;
      const timelineMessage = new Promise<TimelineMessage>((resolve) => (timelineCame = resolve));
      const opened = await openFileIsolated(
        WORKER,
        file,
        { cacheDir: '' },
        LIMITS,
        undefined,
        undefined,
        (t) => {
          order.push('timeline');
          timelineCame(t);
        },
        {
          title: 'the title',
          timelineFirst,
          on: (v) => {
            order.push('view');
            viewCame(v);
          },
        },
      );
      order.push('trace');
      assert.equal(opened.kind, 'torch-trace');
      const trace = (opened as { trace: TorchTrace }).trace;
      const { view } = await viewMessage;
      assert.ok(view, `${file}: a view came`);
      const sources = analyzeTorchSources(trace);
      assert.deepEqual(view.sources, sources, file);
      assert.deepEqual(view.data, buildTraceView(trace, 'the title', sources), file);
      assert.ok(view.data.ops.length > 0 && view.data.diagnosis, file);
      // Built from the same trace as the view: neither took the other's arrays.
      assert.deepEqual((await timelineMessage).timeline, torchTimeline(trace), file);
      // The trace is rebuilt here only after both: the worker builds them without this thread
      // rebuilding beside it, and only one copy of the model is alive at a time.
      assert.deepEqual(
        order,
        timelineFirst ? ['timeline', 'view', 'trace'] : ['view', 'timeline', 'trace'],
        `${file}: the ${timelineFirst ? 'timeline, the view' : 'view, the timeline'}, then the trace`,
      );
    }
  // A worker that fails hands over no view, with why: here a read that runs out of time.
  const missing: ViewMessage[] = [];
  await assert.rejects(
    openFileIsolated(
      WORKER,
      path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz'),
      { cacheDir: '' },
      { ...LIMITS, timeoutSec: 0.001 },
      undefined,
      undefined,
      undefined,
      { title: 't', on: (v) => missing.push(v) },
    ),
    /took longer than 0\.001 s/,
  );
  assert.equal(missing.length, 0, 'nothing was handed over for a read that never came back');
});

test("a trace's read reports its progress: in order, up to the file's size, before the trace", async () => {
  const gz = path.join(REAL, 'torchtrace_hta__control.json.gz');
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-progress-'));
  const plain = path.join(dir, 'control.json');
  writeFileSync(plain, gunzipSync(readFileSync(gz)));
  for (const file of [plain, gz]) {
    const seen: [number, number][] = [];
    let came = false;
    const opened = await openFileIsolated(
      WORKER,
      file,
      { cacheDir: '', onProgress: (done, total) => seen.push([done, total]) },
      LIMITS,
      undefined,
      undefined,
      () => (came = true),
      { title: 't', on: () => undefined },
    );
    assert.equal(opened.kind, 'torch-trace');
    const size = statSync(file).size;
    assert.ok(seen.length >= (file === plain ? 10 : 1), `${file}: ${seen.length} reports`);
    assert.ok(
      seen.every(([d, t], i) => t === size && d > 0 && d <= t && (i === 0 || d > seen[i - 1][0])),
      `${file}: in order, within the file: ${JSON.stringify(seen)}`,
    );
    assert.equal(seen[seen.length - 1][0], size, `${file}: the last report is the whole file`);
    assert.ok(came, 'the timeline came before the trace (a view was asked for)');
  }
});

test('a read cancelled (its view closed) ends at once: while reading, and while its tables and timeline are built', async () => {
  const file = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz');
  // While reading: at the first report of progress.
  const reading = new AbortController();
  const handed: string[] = [];
  await assert.rejects(
    openFileIsolated(
      WORKER,
      file,
      { cacheDir: '', signal: reading.signal, onProgress: () => reading.abort() },
      LIMITS,
      undefined,
      undefined,
      () => handed.push('timeline'),
      { title: 't', on: () => handed.push('view') },
    ),
    /cancelled/,
  );
  assert.deepEqual(handed, [], 'nothing is handed over from a read cancelled before its trace came');
  // After the trace came, when its tables have: the timeline still being built is handed over
  // as missing, now, and the trace is not rebuilt here.
  const building = new AbortController();
  const timelines: TimelineMessage[] = [];
  let views = 0;
  await assert.rejects(
    openFileIsolated(
      WORKER,
      file,
      { cacheDir: '', signal: building.signal },
      LIMITS,
      undefined,
      undefined,
      (t) => timelines.push(t),
      {
        title: 't',
        on: (v) => {
          assert.ok(v.view, 'the tables came');
          views++;
          building.abort();
        },
      },
    ),
    /cancelled/,
  );
  assert.equal(views, 1);
  assert.deepEqual(timelines, [{ timeline: undefined, error: 'cancelled' }]);
  // Cancelled before it starts: no worker does anything.
  await assert.rejects(
    openFileIsolated(WORKER, file, { cacheDir: '', signal: AbortSignal.abort() }, LIMITS),
    /cancelled/,
  );
});

for (const [mode, what] of [
  ['hang-export', 'a hung `nsys export` ends with it'],
  ['hang-export-deaf', 'one that ignores SIGTERM too (killed before the worker is ended)'],
] as const)
  test(`a cancelled read stops the tool it runs: ${what}`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-cancel-nsys-'));
    const report = path.join(dir, 'hung.nsys-rep');
    writeFileSync(report, 'a report the stand-in never exports\n');
    const bin = path.join(ROOT, 'test', 'fixtures', 'bin');
    const env = {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      FLAMELENS_FAKE_NSYS: mode,
      FLAMELENS_FAKE_NSYS_LOG: path.join(dir, 'calls.log'),
    };
    const hanging = () => {
      try {
        return readFileSync(env.FLAMELENS_FAKE_NSYS_LOG, 'utf8').includes('"hanging"');
      } catch {
        return false;
      }
    };
    const exporting = async () => {
      const pids = (await linuxDescendants(process.pid)).filter((p) => isAlive(p));
      return pids.filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('export');
        } catch {
          return false;
        }
      });
    };
    const cancel = new AbortController();
    const read = openFileIsolated(
      WORKER,
      report,
      { cacheDir: path.join(dir, 'cache'), env, signal: cancel.signal },
      LIMITS,
    );
    read.catch(() => undefined);
    // Once the export hangs (its signal handlers in place: a signal during Node's start-up
    // would end even the deaf one), the read is cancelled.
    let running: number[] = [];
    for (const end = Date.now() + 30_000; (running.length === 0 || !hanging()) && Date.now() < end;)
      running = await new Promise<number[]>((r) => setTimeout(() => void exporting().then(r), 50));
    assert.ok(running.length > 0 && hanging(), 'nsys export was started and hangs');
    cancel.abort();
    await assert.rejects(read, /cancelled/);
    // The export's process ends with the read (before, it was left running, hung, for good).
    let left = running;
    for (const end = Date.now() + 20_000; left.length > 0 && Date.now() < end;)
      left = await new Promise<number[]>((r) => setTimeout(() => r(running.filter((p) => isAlive(p))), 50));
    assert.deepEqual(left, [], 'no nsys export left running');
    const files = readdirSync(path.join(dir, 'cache'), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    assert.deepEqual(
      files.map((e) => e.name),
      [],
      'nothing half-written left in the cache',
    );
  });
