// nvidia-smi's default table (plain `nvidia-smi`, and `nvidia-smi -l N` logs of it): real tables
// from drivers 580, 590, 591 and 595 read against the `nvidia-smi -q` printed at the same moment.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openFile } from '../../src/core/open/openFile';
import { parseNvidiaSmiTable, looksLikeNvidiaSmiTable } from '../../src/core/formats/gpu/nvidiaSmiTable';
import { parseNvidiaSmiQuery } from '../../src/core/formats/gpu/nvidiaSmiQuery';
import { parseNvidiaSmiCsv } from '../../src/core/formats/gpu/nvidiaSmi';
import { envelope } from '../../src/core/analysis/gpu/telemetryEnvelope';
import { detectKind } from '../../src/core/formats/detect';
import { summarizeTelemetry } from '../../src/core/analysis/gpu/telemetrySummary';
import { parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { FormatError } from '../../src/core/formats/formatError';
import { REAL, read } from '../helpers';

const SMI = path.join(REAL, 'nvidia_smi');
const TABLES = readdirSync(SMI).filter((n) => n.startsWith('nvidia-smi-table_'));

test('every real table is detected from its content and reads as the -q of the same capture and phase says', () => {
  assert.ok(TABLES.length >= 8, TABLES.join(', '));
  for (const name of TABLES) {
    const text = read(path.join(SMI, name));
    assert.equal(detectKind(Buffer.from(text), 'gpu.txt'), 'nvidia-smi-table', name);
    const table = parseNvidiaSmiTable(text, name);
    const q = parseNvidiaSmiQuery(read(path.join(SMI, name.replace('nvidia-smi-table_', 'nvidia-smi-q_'))), 'q');
    assert.equal(table.source, 'nvidia-smi-table');
    assert.equal(table.driverVersion, q.driverVersion, name);
    assert.equal(table.cudaVersion, q.cudaVersion, name);
    assert.equal(table.samples.length, q.samples.length, name);
    table.samples.forEach((a, i) => {
      const b = q.samples[i];
      assert.equal(a.index, i, name);
      // The table cuts long names: "NVIDIA GeForce RTX 2080 ..." for "NVIDIA GeForce RTX 2080 SUPER".
      assert.ok(a.name && b.name!.startsWith(a.name.replace(/\s*\.\.\.$/, '')), `${name}: ${a.name} / ${b.name}`);
      assert.equal(a.memoryTotalMiB, b.memoryTotalMiB, `${name}: memory total`);
      assert.equal(a.powerLimitW, Math.round(b.powerLimitW!), `${name}: power limit`);
      assert.equal(a.mig, b.mig, `${name}: MIG`);
      // Printed a second or so apart: close, not always equal.
      assert.ok(Math.abs(a.temperatureC! - b.temperatureC!) <= 3, `${name}: temperature`);
      assert.ok(Math.abs(a.memoryUsedMiB! - b.memoryUsedMiB!) <= 256, `${name}: memory used`);
      if (a.mig) assert.equal(a.utilizationGpu, undefined, `${name}: no utilisation under MIG`);
      else assert.equal(typeof a.utilizationGpu, 'number', name);
      assert.equal(typeof a.time, 'number', `${name}: the table's timestamp`);
    });
    if (!name.includes('windows'))
      assert.deepEqual(
        table.processes.map((p) => p.pid).sort(),
        q.processes.map((p) => p.pid).sort(),
        `${name}: processes`,
      );
  }
  // Read to the value (the H100 under load; the 2x RTX 4090 of a user's log).
  const h100 = parseNvidiaSmiTable(
    read(path.join(SMI, 'nvidia-smi-table_linux-h100-80gb-hbm3_590.48.01_load.txt')),
    'h',
  );
  const { index, fanPct, temperatureC, pstate, powerDrawW, powerLimitW, memoryUsedMiB, utilizationGpu } =
    h100.samples[0];
  assert.deepEqual(
    { index, fanPct, temperatureC, pstate, powerDrawW, powerLimitW, memoryUsedMiB, utilizationGpu },
    {
      index: 0,
      fanPct: undefined,
      temperatureC: 59,
      pstate: 'P0',
      powerDrawW: 629,
      powerLimitW: 700,
      memoryUsedMiB: 19818,
      utilizationGpu: 100,
    },
  );
  assert.deepEqual(
    h100.processes.map((p) => [p.gpuIndex, p.pid, p.name, p.usedMemoryMiB]),
    [
      [0, 11327, '/root/tools/memhog', 2566],
      [0, 11328, '/root/tools/memhog', 1542],
      [0, 11345, './gpu_burn', 15690],
    ],
  );
  const rtx = parseNvidiaSmiTable(read(path.join(SMI, 'table_2x_rtx4090_driver580.txt')), 'rtx');
  assert.deepEqual(
    rtx.samples.map((s) => [s.index, s.name, s.fanPct, s.temperatureC, s.powerDrawW, s.memoryUsedMiB]),
    [
      [0, 'NVIDIA GeForce RTX 4090', 0, 30, 29, 1583],
      [1, 'NVIDIA GeForce RTX 4090', 0, 33, 22, 1583],
    ],
  );
  assert.equal(rtx.processes.length, 10);
  assert.equal(rtx.samples[0].time, new Date(2026, 0, 31, 14, 36, 5).getTime(), 'local time, as printed');
  const win = parseNvidiaSmiTable(
    read(path.join(SMI, 'nvidia-smi-table_windows-geforce-rtx-2080-super_591.86_load.txt')),
    'w',
  );
  assert.deepEqual(
    win.processes.find((p) => p.pid === 12332),
    { gpuIndex: 0, pid: 12332, name: 'C:\\Windows\\explorer.exe', usedMemoryMiB: undefined },
  );
});

test('a log of tables (`nvidia-smi -l`) is a series: one reading per table, at its timestamp', () => {
  // Two real tables of one machine, one after the other, as `nvidia-smi -l 5 > log` writes them.
  const idle = read(path.join(SMI, 'nvidia-smi-table_linux-h100-80gb-hbm3_590.48.01_idle.txt'));
  const load = read(path.join(SMI, 'nvidia-smi-table_linux-h100-80gb-hbm3_590.48.01_load.txt'));
  const series = parseNvidiaSmiTable(idle + load, 'log');
  assert.equal(series.samples.length, 2);
  const [a, b] = series.samples;
  assert.ok(a.time! < b.time!, 'in time order');
  assert.deepEqual(
    series.samples.map((s) => [s.utilizationGpu, s.powerDrawW, s.memoryUsedMiB]),
    [
      [0, 69, 0],
      [100, 629, 19818],
    ],
  );
  const [gpu] = summarizeTelemetry(series);
  assert.equal(gpu.samples, 2);
  assert.equal(gpu.utilization.max, b.utilizationGpu);
});

test('what is not a table is not taken for one; a table cut short says where', () => {
  const text = read(path.join(SMI, 'table_2x_rtx4090_driver580.txt'));
  assert.ok(looksLikeNvidiaSmiTable(text));
  assert.ok(looksLikeNvidiaSmiTable(text.split('\n').slice(1).join('\n')), 'without its timestamp line');
  assert.ok(!looksLikeNvidiaSmiTable('main;work 5\n'));
  assert.ok(!looksLikeNvidiaSmiTable(read(path.join(SMI, 'nvidia-smi-q_linux-l40s_595.80_idle.txt'))));
  // Cut after GPU 1's first row (no real file shows this).
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('|   1  NVIDIA GeForce RTX 4090'));
  assert.throws(
    () => parseNvidiaSmiTable(lines.slice(0, at + 1).join('\n'), 'cut.txt'),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message ===
        `cut.txt:${at + 1}: expected the readings of GPU 1 (fan, temperature, power, memory) on the row after it`,
  );
  assert.throws(
    () => parseNvidiaSmiTable(lines.slice(0, 8).join('\n'), 'head.txt'),
    /head\.txt: expected at least one GPU in the nvidia-smi table/,
  );
});

test("flamelens' own key_averages.json is named, not taken for a broken profile", () => {
  const file = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.key_averages.json');
  assert.throws(
    () => parseProfile(read(file), 'key_averages.json'),
    /key_averages\.json: this is torch's key_averages\(\) table as flamelens saves it beside a trace/,
  );
});

test("a long log is sent to the page as its envelope: every field's peaks and dips, the last reading as read", () => {
  const samples = parseNvidiaSmiCsv(read(path.join(SMI, 'query_gpu_v100s_miris_gpu_log.csv')), 'v100s').samples;
  assert.ok(samples.length > 100);
  // Made to move (the real log is mostly idle): no real file has a long enough log of a busy GPU.
  const moving = samples.map((s, i) => ({ ...s, utilizationGpu: (i * 37) % 101, temperatureC: 30 + ((i * 13) % 50) }));
  const out = envelope(moving, 10);
  assert.ok(out.length <= 2 * 10 + Math.ceil(moving.length / 10), `${out.length}`);
  assert.ok(out.length < moving.length / 2);
  assert.equal(out.at(-1), moving.at(-1), 'the last reading is the log’s own');
  assert.equal(out[0].time, moving[0].time);
  for (let i = 1; i < out.length; i++) assert.ok(out[i].time! >= out[i - 1].time!, 'in time order');
  for (const k of ['utilizationGpu', 'temperatureC', 'memoryUsedMiB'] as const) {
    const vals = (xs: typeof out) => xs.map((s) => s[k]).filter((v): v is number => v !== undefined);
    assert.equal(Math.max(...vals(out)), Math.max(...vals(moving)), `${k} max`);
    assert.equal(Math.min(...vals(out)), Math.min(...vals(moving)), `${k} min`);
  }
  assert.deepEqual(envelope(moving.slice(0, 20), 10), moving.slice(0, 20), 'short logs are sent whole');
});

test('a table saved by Windows PowerShell (`nvidia-smi > gpu.txt`: UTF-16 with a BOM, CRLF) opens as the same readings', async () => {
  const name = 'nvidia-smi-table_windows-geforce-rtx-2080-super_591.86_load.txt';
  const text = read(path.join(SMI, name));
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-smi-table-'));
  try {
    const file = path.join(dir, 'gpu.txt');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]),
    );
    const opened = await openFile(file, { cacheDir: '' });
    assert.ok(opened.kind === 'gpu-telemetry' && opened.format === 'table', opened.kind);
    assert.deepEqual(opened.series, parseNvidiaSmiTable(text, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
