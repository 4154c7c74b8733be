import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseNcuCsv, looksLikeNcuCsv } from '../../src/core/formats/nsight/ncuCsv';
import { summarizeLaunch, findings, kernelTotals, compareKernels } from '../../src/core/analysis/nsight/ncuSummary';
import { REAL, HANDMADE, read } from '../helpers';

const NCU = path.join(REAL, 'ncu');

test('ncu details CSV (real, ncu 2026.2.1, RTX 5070, Windows): BOM, ==PROF== and program output before the header, thousands separators, raw metric names', () => {
  const file = path.join(NCU, 'rtx5070_win_details_saxpy.csv');
  const text = read(file);
  assert.ok(text.startsWith('\uFEFF'), 'the capture starts with a BOM');
  assert.ok(looksLikeNcuCsv(text));
  const r = parseNcuCsv(text, file);
  assert.equal(r.page, 'details');
  assert.equal(r.launches.length, 1);
  assert.deepEqual(r.messages, [
    '==PROF== Connected to process 58960 (C:\\Users\\jidro\\Documents\\Elijah\\ML_DL_ETC\\Projects\\Corrected Projects\\GPU Roofline Profiler\\build\\roofline_profiler.exe)',
    '==PROF== Disconnected from process 58960',
  ]);
  const l = r.launches[0];
  assert.equal(l.name, 'unnamed>::saxpy_kernel(float, const float *, float *, int)');
  assert.deepEqual([l.block, l.grid, l.device, l.cc, l.processId], ['(256, 1, 1)', '(65536, 1, 1)', 0, '12.0', 58960]);
  assert.equal(Object.keys(l.metrics).filter((k) => !k.includes(' / ')).length, 12);
  assert.deepEqual(l.metrics['dram__bytes_op_read.sum'], {
    value: 134221568,
    unit: 'byte',
    section: 'Command line profiler metrics',
  });
  const s = summarizeLaunch(l);
  assert.equal(s.durationNs, 292928);
  assert.equal(s.smThroughputPct, 22.3);
  assert.equal(s.achievedOccupancyPct, 83.82);
  assert.equal(s.dramBytes, 134221568 + 43631104);
  // saxpy moves 3 × 4 B per element: near the RTX 5070's ~600 GB/s measured DRAM bandwidth.
  assert.ok(Math.abs((s.dramBytesPerS ?? 0) / 1e9 - 607.16) < 0.01, `${s.dramBytesPerS}`);
  assert.equal(s.flops, undefined, 'no FLOP counters in this capture: no roofline intensity');

  const gemmFile = path.join(NCU, 'rtx5070_win_details_gemm_tiled.csv');
  const gemm = summarizeLaunch(parseNcuCsv(read(gemmFile), gemmFile).launches[0]);
  assert.deepEqual(
    [gemm.durationNs, gemm.smThroughputPct, gemm.achievedOccupancyPct, gemm.block, gemm.grid],
    [10195552, 88.9, 66.65, '(32, 32, 1)', '(64, 64, 1)'],
  );
  // Before/after: two real reports compared kernel by kernel (different kernels: each on one side).
  const cmp = compareKernels([s], [gemm]);
  assert.deepEqual(
    cmp.map((c) => [c.name, c.before?.calls ?? 0, c.after?.calls ?? 0]),
    [
      ['void unnamed>::gemm_tiled_kernel<32>(const float *, const float *, float *, int, int, int)', 0, 1],
      ['unnamed>::saxpy_kernel(float, const float *, float *, int)', 1, 0],
    ],
  );
});

test('ncu raw page (hand-made: no real raw page was available): units row, one row per launch, FLOP counters give the roofline position', () => {
  const file = path.join(HANDMADE, 'handmade-ncu-raw-page-two-launches.csv');
  const r = parseNcuCsv(read(file), file);
  assert.equal(r.page, 'raw');
  assert.equal(r.launches.length, 2);
  const [ew, mm] = r.launches.map(summarizeLaunch);
  assert.equal(ew.durationNs, 12480, 'usecond → ns');
  assert.equal(ew.dramBytes, 8.39e6 + 4194.3e3, 'Mbyte and Kbyte with a thousands separator');
  assert.equal(mm.flops, 2 * 268435456);
  assert.ok(Math.abs((mm.arithmeticIntensity ?? 0) - (2 * 268435456) / (6.29e6 + 2097.15e3)) < 1e-9);
  assert.ok(Math.abs((mm.flopsPerS ?? 0) - (2 * 268435456) / 412.61e-6) < 1);
  assert.deepEqual([mm.registersPerThread, mm.memThroughputPct, mm.achievedOccupancyPct], [122, 42.17, 16.43]);
  assert.deepEqual(
    kernelTotals([ew, mm]).map((k) => k.name),
    ['ampere_sgemm_128x64_tn', ew.name],
  );
  assert.ok(r.messages.some((m) => m.startsWith('==PROF== Profiling "gemm_kernel"')));
});

test('ncu details with rule rows (hand-made in ncu 2023+ columns): findings by estimated speedup; section names disambiguate repeated metric names', () => {
  const file = path.join(HANDMADE, 'handmade-ncu-details-with-rules.csv');
  const r = parseNcuCsv(read(file), file);
  const f = findings(r);
  assert.deepEqual(
    f.map((x) => [x.launchId, x.rule, x.speedupPct]),
    [
      [0, 'Occupancy', 83.33],
      [1, 'MemoryCacheAccessPattern', 12.5],
    ],
    'OK results are not findings',
  );
  const s = summarizeLaunch(r.launches[0]);
  assert.equal(s.memThroughputPct, 42.17, 'the % one, not the Gbyte/second one of Memory Workload Analysis');
  assert.equal(s.durationNs, 412610);
  assert.equal(summarizeLaunch(r.launches[1]).durationNs, 12480, '"12,480" nsecond');
  assert.equal(r.launches[0].metrics['Memory Workload Analysis / Memory Throughput'].unit, 'Gbyte/second');
});

test('ncu: a run that profiled no kernel is an empty result with the warning; text that is not ncu CSV is a clear error', () => {
  const file = path.join(HANDMADE, 'handmade-ncu-no-kernels.csv');
  const r = parseNcuCsv(read(file), file);
  assert.equal(r.launches.length, 0);
  assert.ok(r.messages.includes('==WARNING== No kernels were profiled.'));
  assert.throws(
    () => parseNcuCsv('name,value\nx,1\n', 'x.csv'),
    /^FormatError: x\.csv:line 1: expected Nsight Compute CSV/,
  );
  assert.throws(
    () => parseNcuCsv('"ID","Process ID","Kernel Name","Metric Name","Metric Value"\n"0","1","k","m","1\n', 'y.csv'),
    /y\.csv:line 2: bad CSV record: unterminated quoted cell/,
  );
});

test('ncu roofline metrics (hand-made H100 raw page): ceilings from the peak metrics, position from per-cycle rates', () => {
  const r = parseNcuCsv(read(path.join(HANDMADE, 'handmade-ncu-raw-page-roofline-h100.csv')), 'roofline.csv');
  const [add, gemm] = r.launches.map(summarizeLaunch);
  // 2 × 16,896 FMA/cycle × 1.76 GHz; 1,280 bytes/cycle × 2.62 GHz.
  assert.ok(Math.abs(add.peakFlopsPerS! - 2 * 16896 * 1.76e9) < 1e6);
  assert.ok(Math.abs(add.peakDramBytesPerS! - 1280 * 2.62e9) < 1e3);
  assert.ok(Math.abs(add.flopsPerS! - 129.2 * 1.76e9) < 1e6, `${add.flopsPerS}`);
  assert.ok(Math.abs(add.dramBytesPerS! - 50.33e6 / 18.5e-6) < 1e8);
  assert.ok(
    add.arithmeticIntensity! > 0.05 && add.arithmeticIntensity! < 0.12,
    `elementwise add: ${add.arithmeticIntensity} FLOP/byte`,
  );
  assert.ok(Math.abs(gemm.flopsPerS! - 2 * 12628 * 1.76e9) < 1e6);
  assert.ok(gemm.arithmeticIntensity! > 500, `SGEMM: ${gemm.arithmeticIntensity} FLOP/byte`);
  // Below the roof: memory-bound under the bandwidth slope, compute-bound under the FP32 peak.
  assert.ok(add.flopsPerS! < add.arithmeticIntensity! * add.peakDramBytesPerS!);
  assert.ok(gemm.flopsPerS! < gemm.peakFlopsPerS!);
});

test('readNcuCsvFile: a raw page beside X.details.csv from another report (other kernels under the same IDs) is not merged', async () => {
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { readNcuCsvFile } = await import('../../src/core/formats/nsight/ncuCsv');
  const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-ncu-'));
  copyFileSync(path.join(HANDMADE, 'handmade-ncu-details-with-rules.csv'), path.join(dir, 'report.details.csv'));
  const alone = await readNcuCsvFile(path.join(dir, 'report.details.csv'));
  copyFileSync(path.join(HANDMADE, 'handmade-ncu-raw-page-two-launches.csv'), path.join(dir, 'report.raw.csv'));
  const beside = await readNcuCsvFile(path.join(dir, 'report.details.csv'));
  assert.deepEqual(beside.launches, alone.launches);
});
