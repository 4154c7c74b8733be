import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import {
  parseNvidiaSmiCsv,
  detectNvidiaSmi,
  smiNumber,
  QUERY_FIELDS,
  parseComputeApps,
} from '../../src/core/formats/gpu/nvidiaSmi';
import { parseNvidiaSmiXml } from '../../src/core/formats/gpu/nvidiaSmiXml';
import { parseNvidiaSmiQuery } from '../../src/core/formats/gpu/nvidiaSmiQuery';
import { detectKind } from '../../src/core/formats/detect';
import { summarizeTelemetry } from '../../src/core/analysis/gpu/telemetrySummary';
import { FormatError } from '../../src/core/formats/formatError';
import { REAL, read } from '../helpers';

const SMI = path.join(REAL, 'nvidia_smi');

/** The raw output of one command in an nvidia_gpu_exporter capture file. */
function captureSection(file: string, command: RegExp, which: 'first' | 'last' = 'first'): string {
  const lines = read(path.join(SMI, file)).split('\n');
  const match = (l: string) => l.startsWith('# $ nvidia-smi') && command.test(l);
  const all = lines.map((l, i) => (match(l) ? i : -1)).filter((i) => i >= 0);
  const start = all.length === 0 ? -1 : which === 'first' ? all[0] : all[all.length - 1];
  assert.ok(start >= 0, `${file} has ${command}`);
  let i = start + 2; // the command line, then the closing #### line
  const out: string[] = [];
  for (; i < lines.length && !lines[i].startsWith('####'); i++) out.push(lines[i]);
  return out.join('\n');
}

test('missing-value markers of every driver read as "no value"', () => {
  for (const v of [
    '[N/A]',
    'N/A',
    '[Not Supported]',
    '[Requested functionality has been deprecated]',
    'Requested functionality has been deprecated',
    '[Unknown Error]',
    '[Insufficient Permissions]',
    '[GPU is lost]',
  ]) {
    assert.equal(smiNumber(v), undefined, v);
  }
  assert.equal(smiNumber('61 %'), 61);
  assert.equal(smiNumber('80.50 W'), 80.5);
  assert.equal(smiNumber('32768 MiB'), 32768);
  assert.equal(smiNumber('71 C'), 71);
});

test('a real --query-gpu loop log (V100S, with units and timestamps)', () => {
  const file = path.join(SMI, 'query_gpu_v100s_miris_gpu_log.csv');
  const s = parseNvidiaSmiCsv(read(file), file);
  assert.equal(detectNvidiaSmi(read(file)), 'csv');
  assert.equal(s.samples.length, 107);
  assert.ok(s.samples.every((x) => x.index === 0 && x.name === 'Tesla V100S-PCIE-32GB' && x.memoryTotalMiB === 32768));
  assert.ok((s.samples[1].time ?? 0) - (s.samples[0].time ?? 0) > 900, 'one-second loop');
  const [g] = summarizeTelemetry(s);
  assert.equal(g.utilization.max, 19);
  assert.equal(g.memoryUsedMiB.max, 1094);
  assert.equal(g.powerW.mean, null, 'power was not queried');
});

test('real full --query-gpu captures: H100 MIG (Linux), RTX 2080 SUPER (Windows WDDM), L40S', () => {
  const mig = captureSection('linux-x86_64__nvidia-h100-mig__590.48.01.txt', /--query-gpu=timestamp,driver_version/);
  const s = parseNvidiaSmiCsv(mig, 'h100-mig');
  assert.equal(s.samples[0].name, 'NVIDIA H100 80GB HBM3');
  assert.ok(s.samples[0].memoryTotalMiB && s.samples[0].memoryTotalMiB > 80000);
  const win = parseNvidiaSmiCsv(
    captureSection('windows-x86_64__nvidia-geforce-rtx-2080-super__591.86.txt', /--query-gpu=timestamp,driver_version/),
    'win',
  );
  assert.equal(win.samples[0].name, 'NVIDIA GeForce RTX 2080 SUPER');
  assert.equal(typeof win.samples[0].temperatureC, 'number');
  const l40s = parseNvidiaSmiCsv(
    captureSection('linux-x86_64__nvidia-l40s__595.80.txt', /--query-gpu=timestamp,driver_version/),
    'l40s',
  );
  assert.ok((l40s.samples[0].powerLimitW ?? 0) > 0);
  const exporter = parseNvidiaSmiCsv(read(path.join(SMI, 'exporter_testdata_query.txt')), 'q');
  assert.deepEqual(
    exporter.samples.map((x) => [x.index, x.fanPct, x.memoryUsedMiB]),
    [
      [0, 38, 575],
      [1, 50, 1234],
    ],
  );
});

test('noheader,nounits rows read with the field list of the query (values from a real capture)', () => {
  const s = parseNvidiaSmiCsv(
    '2026/07/14 09:00:27.792, 0, GPU-0000, NVIDIA H100 80GB HBM3, [N/A], [N/A], 12, 81559, 33, 71.50, 700.00, 1980, 2619, [N/A], P0\n',
    'loop',
    QUERY_FIELDS,
  );
  assert.deepEqual(
    { ...s.samples[0], time: undefined },
    {
      time: undefined,
      index: 0,
      uuid: 'GPU-0000',
      name: 'NVIDIA H100 80GB HBM3',
      memoryUsedMiB: 12,
      memoryTotalMiB: 81559,
      temperatureC: 33,
      powerDrawW: 71.5,
      powerLimitW: 700,
      smClockMHz: 1980,
      memClockMHz: 2619,
      pstate: 'P0',
    },
  );
});

test('every real -q -x XML (DTD v10-v13, MIG, GRID, GeForce, Tesla) parses with its GPUs', () => {
  const files = readdirSync(SMI).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 17);
  for (const f of files) {
    const text = read(path.join(SMI, f));
    assert.equal(detectNvidiaSmi(text), 'xml', f);
    const s = parseNvidiaSmiXml(text, f);
    assert.ok(s.samples.length >= 1, f);
    for (const g of s.samples) {
      assert.ok(g.name, `${f}: name`);
      if (g.memoryUsedMiB !== undefined && g.memoryTotalMiB !== undefined)
        assert.ok(g.memoryUsedMiB <= g.memoryTotalMiB, `${f}: memory`);
    }
  }
  const dual = parseNvidiaSmiXml(read(path.join(SMI, 'dual_2080-v13.xml')), 'dual');
  assert.equal(dual.samples.length, 2);
  const a100 = parseNvidiaSmiXml(read(path.join(SMI, 'a100-sxm4-v12.xml')), 'a100');
  assert.equal(a100.samples[0].mig, true);
  assert.equal(a100.samples[0].utilizationGpu, undefined, 'MIG: no whole-GPU utilisation');
  assert.equal(a100.samples[0].powerDrawW, 67.03);
  assert.equal(a100.samples[0].smClockMHz, 1275, 'the current clock, not the application or max clock');
  const v13 = parseNvidiaSmiXml(read(path.join(SMI, 'rtx-3080-v13.xml')), 'v13');
  assert.equal(v13.samples[0].powerDrawW, 142.33, 'v13 instant power draw');
  assert.equal(v13.samples[0].utilizationGpu, 65);
});

test('bad nvidia-smi files are FormatErrors naming the place', () => {
  assert.throws(
    () => parseNvidiaSmiCsv('index, utilization.gpu [%]\n0, 5 %, extra\n', 'x.csv'),
    (e: unknown) => e instanceof FormatError && /x\.csv:2: expected 2 comma-separated values, found 3/.test(e.message),
  );
  assert.throws(() => parseNvidiaSmiCsv('0, 5\n', 'y.csv'), /y\.csv:1: expected a --query-gpu CSV header/);
  assert.throws(
    () => parseNvidiaSmiXml('<?xml version="1.0"?><other/>', 'z.xml'),
    /z\.xml: expected an <nvidia_smi_log>/,
  );
});

test('--query-compute-apps of real captures: processes per GPU, idle (header only), Windows [N/A] memory', () => {
  const idle = parseComputeApps(
    captureSection('linux-x86_64__nvidia-h100-mig__590.48.01.txt', /--query-compute-apps/),
    'idle',
  );
  assert.deepEqual(idle, [], 'a header and no rows: nobody uses the GPU');
  const h100 = parseComputeApps(
    captureSection('linux-x86_64__nvidia-h100-mig__590.48.01.txt', /--query-compute-apps/, 'last'),
    'h100',
  );
  assert.deepEqual(
    h100.map((p) => [p.pid, p.name, p.usedMemoryMiB]),
    [
      [21180, '/root/tools/memhog', 2296],
      [21181, '/root/tools/memhog', 1272],
      [21198, './gpu_burn', 7484],
    ],
  );
  assert.ok(h100.every((p) => p.gpuUuid?.startsWith('GPU-')));
  const win = parseComputeApps(
    captureSection('windows-x86_64__nvidia-geforce-rtx-2080-super__591.86.txt', /--query-compute-apps/, 'last'),
    'win',
  );
  assert.ok(win.length >= 5);
  assert.ok(
    win.every((p) => p.usedMemoryMiB === undefined && p.pid > 0),
    'WDDM reports no per-process memory',
  );
  assert.ok(win.some((p) => p.name === 'C:\\Windows\\explorer.exe'));
  // flamelens' own query (noheader, nounits, process_name last) and a name holding a comma (hand-made: no real capture has one).
  const own = parseComputeApps('GPU-1, 4242, 812, python train.py --lr 0.1,0.2\nNo running processes found\n', 'own', [
    'gpu_uuid',
    'pid',
    'used_gpu_memory',
    'process_name',
  ]);
  assert.deepEqual(own, [{ gpuUuid: 'GPU-1', pid: 4242, name: 'python train.py --lr 0.1, 0.2', usedMemoryMiB: 812 }]);
  assert.throws(
    () => parseComputeApps('GPU-1, x, 1, p', 'bad.csv', ['gpu_uuid', 'pid', 'used_gpu_memory', 'process_name']),
    (e: unknown) => e instanceof FormatError && /bad\.csv:1: expected a process id/.test(e.message),
  );
});

test('nvidia-smi -q text reads like the XML: the same readings as the --query-gpu and --query-compute-apps of the same moment', () => {
  const cases: [string, string][] = [
    ['nvidia-smi-q_linux-h100-mig_590.48.01_load.txt', 'linux-x86_64__nvidia-h100-mig__590.48.01.txt'],
    ['nvidia-smi-q_linux-l40s_595.80_load.txt', 'linux-x86_64__nvidia-l40s__595.80.txt'],
    [
      'nvidia-smi-q_windows-geforce-rtx-2080-super_591.86_load.txt',
      'windows-x86_64__nvidia-geforce-rtx-2080-super__591.86.txt',
    ],
  ];
  for (const [q, capture] of cases) {
    const text = read(path.join(SMI, q));
    assert.equal(detectKind(Buffer.from(text), q), 'nvidia-smi-q');
    const series = parseNvidiaSmiQuery(text, q);
    const csv = parseNvidiaSmiCsv(captureSection(capture, /--query-gpu=timestamp,driver_version/, 'last'), 'csv');
    assert.match(read(path.join(SMI, capture)), new RegExp(`^Driver Version\\s+: ${series.driverVersion}$`, 'm'));
    const [a] = series.samples;
    const [b] = csv.samples;
    assert.deepEqual([a.name, a.uuid, a.memoryTotalMiB, a.pstate], [b.name, b.uuid, b.memoryTotalMiB, b.pstate], q);
    // Read 0.2-0.5 s apart under load: close, not equal.
    assert.ok(Math.abs((a.memoryUsedMiB ?? 0) - (b.memoryUsedMiB ?? 0)) <= 64, `${q}: memory used`);
    assert.ok(Math.abs((a.temperatureC ?? 0) - (b.temperatureC ?? 0)) <= 3, `${q}: temperature`);
    assert.equal(a.powerLimitW, b.powerLimitW, `${q}: power limit`);
    const apps = parseComputeApps(captureSection(capture, /--query-compute-apps/, 'last'), 'apps');
    assert.deepEqual(
      series.processes.map((p) => [p.pid, p.name]).sort(),
      apps.map((p) => [p.pid, p.name]).sort(),
      `${q}: processes`,
    );
  }
  const l40s = parseNvidiaSmiQuery(read(path.join(SMI, 'nvidia-smi-q_linux-l40s_595.80_load.txt')), 'l40s');
  assert.deepEqual(
    [l40s.samples[0].utilizationGpu, l40s.samples[0].powerDrawW, l40s.samples[0].smClockMHz],
    [9, 110.01, 2520],
  );
  assert.equal(
    parseNvidiaSmiQuery(read(path.join(SMI, 'nvidia-smi-q_linux-h100-mig_590.48.01_load.txt')), 'm').samples[0].mig,
    true,
  );
  assert.throws(() => parseNvidiaSmiQuery('Timestamp : now\n', 'x.txt'), /x\.txt:1: expected nvidia-smi -q output/);
});
