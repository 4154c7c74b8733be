// Nsight: reading the real 2x H100 SQLite export (2.2 MB, 3,442 kernel launches, 16,582 NVTX
// ranges) and building what the view is sent, median of 5 after a warm-up; the size of that
// message; the ncu CSV pages. Figures, not pass/fail.
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { readNsysSqliteFile } from '../../src/core/formats/nsight/nsysSqlite';
import { buildNsysView, buildNcuView } from '../../src/core/analysis/nsight/nsightView';
import { parseNcuCsv } from '../../src/core/formats/nsight/ncuCsv';

const ROOT = path.resolve(__dirname, '..', '..');
const SQLITE = path.join(ROOT, 'test', 'fixtures', 'real', 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite');

async function median(f: () => Promise<unknown> | unknown, n = 5): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(n / 2)];
}

async function main(): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const report = await readNsysSqliteFile(SQLITE);
  const rss1 = process.memoryUsage().rss;
  const read = await median(() => readNsysSqliteFile(SQLITE));
  const build = await median(() => buildNsysView(report, 'h100'));
  const payload = JSON.stringify(buildNsysView(report, 'h100')).length;
  console.log(
    `nsys SQLite export (2.2 MB, ${report.activities?.length ?? 0} GPU activities, ${report.nvtx.length} NVTX ranges): read ${read.toFixed(0)} ms, view data ${build.toFixed(1)} ms, message to the webview ${(payload / 1024).toFixed(0)} KiB, RSS +${((rss1 - rss0) / 2 ** 20).toFixed(0)} MiB on first read`,
  );
  for (const f of ['rtx5070_win_details_gemm_tiled.csv', 'rtx5070_win_details_saxpy.csv']) {
    const text = readFileSync(path.join(ROOT, 'test', 'fixtures', 'real', 'ncu', f), 'utf8');
    const t = await median(() => buildNcuView(parseNcuCsv(text, f), f), 20);
    console.log(`ncu ${f}: parse + view data ${t.toFixed(2)} ms`);
  }
}

void main();
