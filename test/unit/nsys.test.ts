import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readNsysSqliteFile } from '../../src/core/formats/nsight/nsysSqlite';
import { parseNsysStatsCsv } from '../../src/core/formats/nsight/nsysStatsCsv';
import { HANDMADE, REAL } from '../helpers';

const SQLITE = path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');
const HANDMADE_DIR = HANDMADE;

test("nsys stats CSV (hand-made in nsys 2024 shape, numbers of the real export): every report on one stdout, SKIPPED and NOTICE lines, quoted names; kernels equal the SQLite reader's", async () => {
  const file = path.join(HANDMADE_DIR, 'handmade-nsys2024-stats-stdout-all-reports.csv');
  const csv = parseNsysStatsCsv(fs.readFileSync(file, 'utf8'), file);
  const db = await readNsysSqliteFile(SQLITE);
  assert.equal(csv.kernels.length, db.kernels.length);
  csv.kernels.forEach((k, i) => {
    assert.equal(k.name, db.kernels[i].name);
    assert.deepEqual(
      [k.calls, k.totalNs, k.minNs, k.maxNs, k.medianNs],
      [db.kernels[i].calls, db.kernels[i].totalNs, db.kernels[i].minNs, db.kernels[i].maxNs, db.kernels[i].medianNs],
    );
    assert.ok(Math.abs(k.timePct - db.kernels[i].timePct) <= 0.05 + 1e-9, 'Time (%) printed with one decimal');
  });
  assert.ok(
    csv.kernels.some((k) => k.name.includes(', ')),
    'names with commas came through their quotes',
  );
  assert.deepEqual(
    csv.api.map((a) => [a.name, a.calls, a.totalNs]),
    db.api.map((a) => [a.name, a.calls, a.totalNs]),
  );
  assert.deepEqual(
    csv.memoryTime.map((m) => [m.name, m.calls, m.totalNs]),
    db.memoryTime.map((m) => [m.name, m.calls, m.totalNs]),
  );
  for (const m of csv.memorySize) {
    const d = db.memoryTime.find((x) => x.name === m.name);
    assert.ok(
      d?.totalBytes !== undefined && Math.abs((m.totalBytes ?? 0) - d.totalBytes) <= 0.0005e6 * 1.01,
      `${m.name}: MB with three decimals`,
    );
  }
  assert.equal(csv.nvtx.length, 40);
  assert.ok(csv.nvtx.every((n) => n.style === 'PushPop'));
  assert.deepEqual(csv.skipped, ['osrt_sum: /home/user/run/report.sqlite does not contain OS Runtime trace data.']);
  assert.equal(csv.osrt.length, 0);
  // The trace table: per-launch rows, blank cells on memcpy rows, device from "NVIDIA H100 80GB HBM3 (1)".
  assert.equal(csv.activities?.length, 200);
  assert.deepEqual(
    csv.activities?.slice(0, 200).map((a) => [a.startNs, a.endNs, a.deviceId, a.name]),
    db.activities
      ?.filter((a) => a.kind !== 'memset')
      .slice(0, 200)
      .map((a) => [a.startNs, a.endNs, a.deviceId, a.name]),
  );
  assert.ok(csv.activities?.some((a) => a.kind === 'memcpy' && a.bytes !== undefined && a.grid === undefined));
  assert.deepEqual(
    csv.devices.map((d) => d.deviceId),
    [0, 1],
  );
});

test('nsys stats CSV: 2021-era report names and columns, and one report per file with --timeunit usec and thousands separators', () => {
  const oldFile = path.join(HANDMADE_DIR, 'handmade-nsys2021-stats-old-report-names.csv');
  const old = parseNsysStatsCsv(fs.readFileSync(oldFile, 'utf8'), oldFile);
  assert.ok(old.kernels.length > 10 && old.api.length > 5);
  assert.equal(old.kernels[0].totalNs, 31121662);
  assert.equal(old.kernels[0].medianNs, 0, 'no median column in 2021');
  assert.deepEqual(
    old.skipped.map((s) => s.split(':')[0]),
    ['nvtxsum'],
  );
  const msFile = path.join(HANDMADE_DIR, 'handmade-nsys-stats-usec_cuda_gpu_kern_sum.csv');
  const ms = parseNsysStatsCsv(fs.readFileSync(msFile, 'utf8'), msFile);
  assert.equal(ms.kernels[0].calls, 248);
  assert.ok(Math.abs(ms.kernels[0].totalNs - 31121662) < 1, `"31,121.662" µs → ns: ${ms.kernels[0].totalNs}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-nsys-'));
  try {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      bad,
      'Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name\n1.0,abc,1,1,1,1,1,0,k\n',
    );
    assert.throws(
      () => parseNsysStatsCsv(fs.readFileSync(bad, 'utf8'), bad),
      new RegExp(
        `^FormatError: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:line 2: expected a number in column "Total Time \\(ns\\)", found "abc"`,
      ),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nsys stats cuda_gpu_trace alone (one row per launch): the kernel and copy summaries come from the launches', async () => {
  const file = path.join(HANDMADE_DIR, 'handmade-nsys2024-stats-cuda_gpu_trace-only.csv');
  const csv = parseNsysStatsCsv(fs.readFileSync(file, 'utf8'), file);
  const db = await readNsysSqliteFile(SQLITE);
  assert.equal(csv.activities?.filter((a) => a.kind === 'kernel').length, 3442);
  assert.equal(csv.kernels.length, db.kernels.length);
  assert.deepEqual(
    csv.kernels.map((k) => [k.name, k.calls, k.totalNs, k.minNs, k.maxNs, k.medianNs]),
    db.kernels.map((k) => [k.name, k.calls, k.totalNs, k.minNs, k.maxNs, k.medianNs]),
  );
  const copies = db.memoryTime.filter((m) => m.name.startsWith('[CUDA memcpy'));
  assert.deepEqual(
    csv.memoryTime.map((m) => [m.name, m.calls, m.totalNs]).sort(),
    copies.map((m) => [m.name, m.calls, m.totalNs]).sort(),
  );
  assert.deepEqual(csv.skipped, []);
});

test('nsys stats: each SKIPPED line names its own report, also reports flamelens does not read', () => {
  const file = path.join(HANDMADE_DIR, 'handmade-nsys2024-stats-default-reports-mostly-skipped.csv');
  const csv = parseNsysStatsCsv(fs.readFileSync(file, 'utf8'), file);
  assert.deepEqual(
    csv.skipped.map((s) => s.split(':')[0]),
    [
      'nvtx_sum',
      'osrt_sum',
      'openmp_sum',
      'opengl_khr_range_sum',
      'vulkan_marker_sum',
      'dx12_pix_sum',
      'wddm_queue_sum',
      'um_sum',
      'openacc_sum',
      'syscall_sum',
    ],
  );
  assert.match(csv.skipped[7], /^um_sum: .* does not contain CUDA Unified Memory CPU page faults data\.$/);
  assert.equal(csv.kernels.length, 5);
});
