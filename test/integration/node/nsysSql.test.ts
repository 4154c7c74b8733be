import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { readNsysSqliteFile } from '../../../src/core/formats/nsight/nsysSqlite';
import { FormatError } from '../../../src/core/formats/formatError';
import { REAL } from '../../helpers';

const SQLITE = path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');

/** The oracle: Python's own sqlite3 and statistics modules on the same file. */
function pythonOracle(): {
  kernels: [string, number, number, number, number, number, number][];
  api: [string, number, number][];
  memcpy: [number, number, number, number][];
  nvtx: number;
  busy: [number, number][];
} {
  const script = `
import sqlite3, statistics, json, sys
c = sqlite3.connect(sys.argv[1])
s = dict(c.execute('select id, value from StringIds'))
k = {}
for start, end, name in c.execute('select start, end, demangledName from CUPTI_ACTIVITY_KIND_KERNEL'):
    k.setdefault(s[name], []).append(end - start)
kernels = sorted(([n, len(d), sum(d), statistics.median(d), min(d), max(d), statistics.stdev(d) if len(d) > 1 else 0] for n, d in k.items()), key=lambda r: -r[2])
api = {}
for start, end, name in c.execute('select start, end, nameId from CUPTI_ACTIVITY_KIND_RUNTIME'):
    n = s[name].split('_v')[0] if '_v' in s[name] and s[name].rsplit('_v', 1)[1].isdigit() else s[name]
    a = api.setdefault(n, [0, 0]); a[0] += 1; a[1] += end - start
memcpy = [list(r) for r in c.execute('select copyKind, count(*), sum(end - start), sum(bytes) from CUPTI_ACTIVITY_KIND_MEMCPY group by copyKind order by copyKind')]
nvtx = c.execute('select count(*) from NVTX_EVENTS where end is not null and eventType in (59, 60)').fetchone()[0]
busy = []
for (dev,) in c.execute('select distinct deviceId from CUPTI_ACTIVITY_KIND_KERNEL order by deviceId'):
    iv = sorted(c.execute('select start, end from CUPTI_ACTIVITY_KIND_KERNEL where deviceId = ? union all select start, end from CUPTI_ACTIVITY_KIND_MEMCPY where deviceId = ? union all select start, end from CUPTI_ACTIVITY_KIND_MEMSET where deviceId = ?', (dev, dev, dev)).fetchall())
    total, cur = 0, None
    for a, b in iv:
        if b <= a: continue
        if cur and a <= cur[1]: cur[1] = max(cur[1], b)
        else:
            if cur: total += cur[1] - cur[0]
            cur = [a, b]
    total += cur[1] - cur[0]
    busy.append([dev, total])
print(json.dumps({'kernels': kernels, 'api': sorted([[n, v[0], v[1]] for n, v in api.items()], key=lambda r: -r[2]), 'memcpy': memcpy, 'nvtx': nvtx, 'busy': busy}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, SQLITE], { encoding: 'utf8' }));
}

test('nsys SQLite export (real, 2× H100, nsys 2026.2.1): kernel, API, transfer and NVTX summaries and per-device busy time match SQL on the same file', async () => {
  const r = await readNsysSqliteFile(SQLITE);
  const o = pythonOracle();
  assert.equal(r.version, '2026.2.1.210');
  assert.equal(r.kernels.length, o.kernels.length);
  r.kernels.forEach((k, i) => {
    const [name, calls, total, median, min, max, stdev] = o.kernels[i];
    assert.deepEqual(
      [k.name, k.calls, k.totalNs, k.medianNs, k.minNs, k.maxNs],
      [name, calls, total, median, min, max],
      `kernel ${i}`,
    );
    assert.ok(Math.abs(k.stddevNs - stdev) < 1e-6 * Math.max(1, stdev), `stddev of ${name}`);
  });
  assert.ok(Math.abs(r.kernels.reduce((a, k) => a + k.timePct, 0) - 100) < 1e-9);
  assert.deepEqual(
    r.api.map((a) => [a.name, a.calls, a.totalNs]),
    o.api,
  );
  const labels: Record<number, string> = { 1: 'Host-to-Device', 2: 'Device-to-Host', 8: 'Device-to-Device' };
  for (const [kind, count, time, bytes] of o.memcpy) {
    const m = r.memoryTime.find((x) => x.name === `[CUDA memcpy ${labels[kind]}]`);
    assert.deepEqual([m?.calls, m?.totalNs, m?.totalBytes], [count, time, bytes], `copy kind ${kind}`);
  }
  assert.equal(
    r.nvtx.reduce((a, n) => a + n.calls, 0),
    o.nvtx,
  );
  assert.deepEqual(
    r.devices.map((d) => [d.deviceId, d.busyNs]),
    o.busy,
  );
  for (const d of r.devices) {
    assert.equal(d.buckets.length, 200);
    const fromBuckets = (d.buckets.reduce((a, b) => a + b, 0) * (d.endNs - d.startNs)) / 200;
    assert.ok(Math.abs(fromBuckets - d.busyNs) / d.busyNs < 1e-6, 'the buckets add up to the busy time');
  }
  assert.ok(
    r.skipped.some((s) => s.startsWith('osrt_sum')),
    'the export has no OS runtime trace, and says so',
  );
});

test('nsys SQLite: a file that is not SQLite, and an SQLite file that is not an nsys export, are clear errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-nsys-'));
  try {
    const notDb = path.join(dir, 'report.sqlite');
    fs.writeFileSync(notDb, 'Time (%),Total Time (ns)\n');
    await assert.rejects(
      readNsysSqliteFile(notDb),
      (e: unknown) =>
        e instanceof FormatError &&
        e.message === `${notDb}:offset 0: expected an SQLite database (nsys export --type sqlite)`,
    );
    const other = path.join(dir, 'other.sqlite');
    execFileSync('python3', [
      '-c',
      'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table t(x)"); c.commit()',
      other,
    ]);
    await assert.rejects(
      readNsysSqliteFile(other),
      /other\.sqlite:SQLite: not an Nsight Systems export: it has no StringIds table/,
    );
    const truncated = path.join(dir, 'truncated.sqlite');
    fs.writeFileSync(truncated, fs.readFileSync(SQLITE).subarray(0, 8192));
    await assert.rejects(
      readNsysSqliteFile(truncated),
      (e: unknown) => e instanceof FormatError && e.message.startsWith(truncated),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nsys SQLite: PyTorch emit_nvtx ranges are also grouped by operator (suffixes "op_id = N" removed), checked against Python sqlite3', async () => {
  const { readNsysSqliteFile, nvtxOperatorName } = await import('../../../src/core/formats/nsight/nsysSqlite');
  const { buildNsysView, NVTX_ROWS } = await import('../../../src/core/analysis/nsight/nsightView');
  assert.equal(nvtxOperatorName('aten::linear, seq = 12, op_id = 314279, sizes = [[64, 128]]'), 'aten::linear');
  assert.equal(nvtxOperatorName('train step 3'), 'train step 3');
  const script = `import sqlite3, sys, re, json
c = sqlite3.connect(sys.argv[1])
g = {}
for text, tid, s, e in c.execute("select n.text, n.textId, n.start, n.end from NVTX_EVENTS n where n.end is not null and n.eventType in (59, 60)"):
    name = text if text is not None else c.execute("select value from StringIds where id = ?", (tid,)).fetchone()[0]
    name = re.split(r", (?:seq|op_id|sizes|input_op_ids) = ", name)[0]
    a = g.setdefault(name, [0, 0]); a[0] += 1; a[1] += e - s
print(json.dumps(g))`;
  const expected = JSON.parse(execFileSync('python3', ['-c', script, SQLITE], { encoding: 'utf8' })) as Record<
    string,
    [number, number]
  >;
  const r = await readNsysSqliteFile(SQLITE);
  assert.ok(r.nvtxOperators, 'grouped: the names carry op_id suffixes');
  assert.equal(r.nvtxOperators.length, Object.keys(expected).length);
  assert.ok(
    r.nvtxOperators.length < r.nvtx.length / 10,
    `${r.nvtxOperators.length} operators for ${r.nvtx.length} ranges`,
  );
  for (const op of r.nvtxOperators) assert.deepEqual([op.calls, op.totalNs], expected[op.name], op.name);
  const view = buildNsysView(r, 'h100');
  assert.equal(view.nvtx.length, Math.min(NVTX_ROWS, r.nvtx.length));
  assert.equal(view.nvtxCount, r.nvtx.length);
  assert.ok(JSON.stringify(view).length < 1.5e6, 'the message to the webview stays small');
});
