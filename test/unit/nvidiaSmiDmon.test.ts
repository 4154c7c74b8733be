// `nvidia-smi dmon` logs: the real dmon of drivers 590, 591 and 595 (no time column, as
// `dmon -c 5` prints), and a hand-made `-o DT -s pucm` log for the columns no real file shows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { parseNvidiaSmiDmon } from '../../src/core/formats/gpu/nvidiaSmiDmon';
import { detectKind } from '../../src/core/formats/detect';
import { telemetryJson, telemetryText } from '../../src/cli/present/telemetry';
import { FormatError } from '../../src/core/formats/formatError';
import { HANDMADE, REAL, read } from '../helpers';

const SMI = path.join(REAL, 'nvidia_smi');
const DMON = readdirSync(SMI).filter((n) => n.startsWith('nvidia-smi-dmon_'));
const DT = path.join(HANDMADE, 'handmade-nvidia-smi-dmon-o-DT-s-pucm-2gpus-past-midnight.txt');

test('every real dmon log is detected and read: 5 readings numbered 1 s apart, and says so', () => {
  assert.ok(DMON.length >= 6, DMON.join(', '));
  for (const name of DMON) {
    const text = read(path.join(SMI, name));
    assert.equal(detectKind(Buffer.from(text), 'dmon.log'), 'nvidia-smi-dmon', name);
    const s = parseNvidiaSmiDmon(text, name);
    assert.deepEqual(
      s.samples.map((x) => [x.index, x.time]),
      [0, 1, 2, 3, 4].map((k) => [0, k * 1000]),
      name,
    );
    assert.match(s.note ?? '', /no time column \(nvidia-smi dmon -o DT adds one\)/);
    for (const x of s.samples) assert.equal(typeof x.powerDrawW, 'number', name);
  }
  const load = parseNvidiaSmiDmon(read(path.join(SMI, 'nvidia-smi-dmon_linux-h100-80gb-hbm3_590.48.01_load.txt')), 'h');
  assert.deepEqual(
    load.samples.map((x) => [
      x.powerDrawW,
      x.temperatureC,
      x.utilizationGpu,
      x.utilizationMemory,
      x.memClockMHz,
      x.smClockMHz,
    ]),
    [
      [631, 63, 100, 10, 2619, 1980],
      [634, 63, 100, 10, 2619, 1980],
      [633, 64, 100, 9, 2619, 1980],
      [634, 64, 100, 9, 2619, 1980],
      [636, 65, 100, 9, 2619, 1980],
    ],
  );
  assert.equal(telemetryJson(load).note, load.note, 'the JSON says it too');
  assert.equal('note' in telemetryJson(parseNvidiaSmiDmon(read(DT), 'dt')), false);
  // MIG: dmon prints "-" for utilisation, which is no value, not 0.
  const mig = parseNvidiaSmiDmon(read(path.join(SMI, 'nvidia-smi-dmon_linux-h100-mig_590.48.01_load.txt')), 'm');
  assert.deepEqual(
    mig.samples.map((x) => [x.utilizationGpu, x.powerDrawW]),
    [
      [undefined, 438],
      [undefined, 440],
      [undefined, 437],
      [undefined, 439],
      [undefined, 439],
    ],
  );
  assert.match(
    telemetryText('dmon.log', load, 'dmon'),
    /^dmon\.log: nvidia-smi dmon, 1 GPU\(s\) \(no time column.*\nGPU 0: 5 sample\(s\), utilisation mean 100% max 100%/,
  );
});

test('dmon -o DT: readings at their date and time, past midnight in order; fb is memory used; a repeated header is read again', () => {
  const text = read(DT);
  const s = parseNvidiaSmiDmon(text, 'dt');
  assert.equal(s.note, undefined);
  const at = (d: number, h: number, m: number, sec: number) => new Date(2026, 11, d, h, m, sec).getTime();
  assert.deepEqual(
    s.samples.map((x) => [x.index, x.time, x.powerDrawW, x.memoryUsedMiB, x.utilizationGpu]),
    [
      [0, at(7, 23, 59, 58), 631, 19818, 100],
      [1, at(7, 23, 59, 58), 88, 5, 0],
      [0, at(7, 23, 59, 59), 634, 19818, 100],
      [1, at(7, 23, 59, 59), 90, 5, 3],
      [0, at(8, 0, 0, 0), 102, 19818, 0],
      [1, at(8, 0, 0, 0), undefined, 5, undefined],
    ],
  );
  // Time alone (dmon -o T): past midnight, the next day.
  const timeOnly = text
    .split('\n')
    .map((l) =>
      l
        .replace(/^#Date\s+/, '#')
        .replace(/^#YYYYMMDD\s+/, '#')
        .replace(/^ \d{8}\s+/, ' '),
    )
    .join('\n');
  const t = parseNvidiaSmiDmon(timeOnly, 't').samples.map((x) => x.time!);
  assert.deepEqual(
    t.map((x) => x - t[0]),
    [0, 0, 1000, 1000, 2000, 2000],
  );
});

test('a dmon row that does not fit its header says where', () => {
  const text = read(DT).split('\n');
  text[3] = text[3].replace(/\s+0\s*$/, '');
  assert.throws(
    () => parseNvidiaSmiDmon(text.join('\n'), 'cut.log'),
    (e: unknown) =>
      e instanceof FormatError && /^cut\.log:4: expected 17 columns, as the "# Date Time gpu pwr/.test(e.message),
  );
  const bad = read(DT).replace(' 20261207   23:59:58      0 ', ' 20261207   23:59:58      x ');
  assert.throws(
    () => parseNvidiaSmiDmon(bad, 'bad.log'),
    /bad\.log:3: expected a GPU index in the "gpu" column, found "x"/,
  );
});
