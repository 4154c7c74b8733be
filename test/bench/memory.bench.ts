// Memory stays bounded over long sessions (figures, not pass/fail), measured as V8 heap after a
// full GC (node --expose-gc).
//
// 1. A 24-hour GPU telemetry session replayed in compressed time: 86,400 readings (1 Hz) of an
//    8-GPU node, each GPU's values taken from the real V100S `--query-gpu` log (cycled, one offset
//    per GPU), fed to the same objects the extension feeds on each reading — the telemetry hub's
//    history (GpuTelemetry.record), the alert evaluator with the default rules — plus a host sample
//    per second, the process list every 5 s (the real H100 compute-apps rows, with a new training
//    job's pid every 10 minutes), a watched run's memory-growth window every 5 s, and a Prometheus
//    scrape of the exporter (127.0.0.1, port chosen by the OS) every 15 s. Once with the default
//    history (60 minutes) and once with the longest (24 hours).
// 2. A 100-run history: 100 profiling runs in a workspace (real sampler profiles) listed and opened
//    one after another as the editor does (only the active one is kept), and 100 benchmark results
//    of 20 benchmarks saved, listed and turned into the comparison view's histories.
import * as path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GpuTelemetry } from '../../src/core/runners/gpu/gpuTelemetry';
import { LinuxHostStats } from '../../src/core/runners/gpu/hostStats';
import { parseNvidiaSmiCsv, parseComputeApps, COMPUTE_APP_FIELDS } from '../../src/core/formats/gpu/nvidiaSmi';
import { AlertEvaluator, DEFAULT_ALERT_RULES } from '../../src/core/analysis/gpu/alertRules';
import { GrowthWindow } from '../../src/core/analysis/gpu/growthTrend';
import { startPrometheusExporter } from '../../src/core/report/prometheusExporter';
import { createRunDir, writeRunMetadata, listRuns, runOutputPath } from '../../src/core/store/runStore';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { analyzeHotPaths } from '../../src/core/analysis/cpu/hotPaths';
import { buildCallTree } from '../../src/core/analysis/cpu/callTree';
import { buildFlameView } from '../../src/core/analysis/cpu/flameView';
import { saveResults, listResults } from '../../src/core/store/benchStore';
import { buildHistories } from '../../src/core/analysis/bench/benchHistory';
import { makeRng } from '../../src/core/analysis/bench/benchStats';
import type { GpuSample, HostSample } from '../../src/core/model/telemetry';
import type { BenchmarkResultSet } from '../../src/core/model/bench';

const ROOT = path.resolve(__dirname, '..', '..');
const REAL = path.join(ROOT, 'test', 'fixtures', 'real');
const gc =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('run with node --expose-gc (npm run bench does)');
  });

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const GPUS = 8;

async function telemetryDay(historyMinutes: number, hours = 24): Promise<void> {
  const log = parseNvidiaSmiCsv(
    readFileSync(path.join(REAL, 'nvidia_smi', 'query_gpu_v100s_miris_gpu_log.csv'), 'utf8'),
    'query_gpu_v100s_miris_gpu_log.csv',
  ).samples;
  const h100 = readFileSync(
    path.join(REAL, 'nvidia_smi', 'linux-x86_64__nvidia-h100-mig__590.48.01.txt'),
    'utf8',
  ).split('\n');
  const at = h100
    .map((l, i) => (l.startsWith('# $ nvidia-smi --query-compute-apps') ? i : -1))
    .filter((i) => i >= 0)
    .pop() as number;
  const appRows: string[] = [];
  for (let i = at + 3; i < h100.length && h100[i].trim() && !h100[i].startsWith('#'); i++) appRows.push(h100[i]);
  const appsHeader = h100[at + 2].split(',').map((h) => h.trim().replace(/ \[[^\]]+\]$/, ''));
  const hostReal = (await new LinuxHostStats().read()) as HostSample;

  const hub = new GpuTelemetry({ intervalMs: 1000, historyPoints: historyMinutes * 60 });
  const alerts = new AlertEvaluator(DEFAULT_ALERT_RULES);
  const growth = new GrowthWindow(300_000, { minSpanSec: 150, minSlopePerMin: 20, minPoints: 6 });
  const exporter = await startPrometheusExporter(
    {
      get latest() {
        return hub.latest;
      },
      get processes() {
        return hub.processes;
      },
      up: () => true,
    },
    { host: '127.0.0.1', port: 0, staleMs: Number.MAX_SAFE_INTEGER },
  );
  const t0 = Date.UTC(2026, 10, 23);
  const start = performance.now();
  let fired = 0;
  let scrapes = 0;
  let scrapeBytes = 0;
  const rows: string[] = [];
  const base = heapMiB();
  try {
    for (let s = 0; s < hours * 3600; s++) {
      const time = t0 + s * 1000;
      const gpus: GpuSample[] = [];
      for (let g = 0; g < GPUS; g++) {
        const real = log[(s + g * 13) % log.length];
        gpus.push({ ...real, index: g, uuid: `GPU-${g}`, time });
      }
      hub.record({ time, gpus }, 'nvidia-smi');
      hub.host.push({ ...hostReal, time });
      fired += alerts.observe(time, gpus, { profiling: true }).length;
      if (s % 5 === 0) {
        const job = Math.floor(s / 600); // a new training job (new pid) every 10 minutes
        const text = appRows
          .map((r, i) => {
            const cells = r.split(',').map((c) => c.trim().replace(/ MiB$/, ''));
            const pidAt = appsHeader.indexOf('pid');
            if (pidAt >= 0) cells[pidAt] = String(100_000 + job * 10 + i);
            return COMPUTE_APP_FIELDS.map((f) => cells[appsHeader.indexOf(f)] ?? '[N/A]').join(', ');
          })
          .join('\n');
        hub.processes = parseComputeApps(text, 'replay', COMPUTE_APP_FIELDS);
        growth.add({ t: time, v: 2000 + (s % 600) });
      }
      if (s % 15 === 0) {
        // hub.latest's time is the replay's, so the exporter serves it (staleMs is unbounded here).
        const body = await (await fetch(exporter.url)).text();
        scrapes++;
        scrapeBytes = body.length;
      }
      if ((s + 1) % (3 * 3600) === 0)
        rows.push(`${String((s + 1) / 3600).padStart(2)} h ${(heapMiB() - base).toFixed(1).padStart(6)} MiB`);
    }
  } finally {
    await exporter.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const hist = hub.history(0).length;
  console.log(
    `${hours}-hour telemetry replay, ${GPUS} GPUs at 1 Hz, history ${historyMinutes} min (${hist.toLocaleString()} points per GPU kept): ${(hours * 3600).toLocaleString()} readings, ${scrapes.toLocaleString()} scrapes (${(scrapeBytes / 1024).toFixed(1)} KiB each), ${fired} alerts, replayed in ${seconds.toFixed(0)} s`,
  );
  console.log(`  heap above the start, after GC: ${rows.join(' | ')}`);
  const mib = rows.map((r) => Number(/(-?[\d.]+) MiB/.exec(r)?.[1]));
  const full = Math.ceil(historyMinutes / 180); // the first mark after the history is full
  const last = mib[mib.length - 1];
  console.log(
    `  once the history is full (${full * 3} h → ${hours} h): ${(last - mib[full - 1]).toFixed(1)} MiB (${(last / Math.max(mib[full - 1], 0.1)).toFixed(2)}x); ${((last * 2 ** 20) / ((GPUS + 1) * hist)).toFixed(0)} bytes per kept point (GPU or host)`,
  );
}

function benchSet(rng: () => number, i: number): BenchmarkResultSet {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return {
    kind: 'flamelens-bench',
    version: 1,
    id: `r${i}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
    source: 'flamelens',
    environment: {},
    benchmarks: Array.from({ length: 20 }, (_, b) => ({
      name: `bench-${b}`,
      kind: 'callable' as const,
      timing: 'wall' as const,
      samples: Array.from({ length: 30 }, () => 1e-3 * (b + 1) * Math.exp(0.03 * normal())),
    })),
  };
}

async function hundredRuns(): Promise<void> {
  const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-bench-memory-'));
  try {
    const profiles = [
      {
        file: path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'),
        output: 'profile.folded',
        format: 'collapsed' as const,
      },
      {
        file: path.join(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json'),
        output: 'profile.speedscope.json',
        format: 'speedscope' as const,
      },
    ];
    const { promises: fs } = await import('node:fs');
    for (let i = 0; i < 100; i++) {
      const p = profiles[i % 2];
      const { id, dir } = await createRunDir(ws, `train${i}.py`, new Date(Date.UTC(2026, 0, 1, 0, i)));
      await fs.copyFile(p.file, path.join(dir, p.output));
      await writeRunMetadata(dir, {
        schema: 1,
        id,
        name: `train${i}.py`,
        kind: 'cpu',
        createdAt: new Date().toISOString(),
        status: 'completed',
        command: ['python', `train${i}.py`],
        cwd: ws,
        sampler: 'builtin',
        rateHz: 100,
        output: p.output,
        format: p.format,
      });
    }
    const base = heapMiB();
    const runs = await listRuns(ws);
    const listed = heapMiB() - base;
    const marks: string[] = [];
    let active: unknown;
    const t0 = performance.now();
    for (let i = 0; i < runs.length; i++) {
      const profile = await readProfile(runOutputPath(runs[i]));
      const tree = buildCallTree(profile);
      active = { profile, hot: analyzeHotPaths(profile), view: buildFlameView(profile, tree) }; // the editor keeps the active run's
      if ([10, 50, 100].includes(i + 1)) marks.push(`after ${i + 1}: ${(heapMiB() - base).toFixed(1)} MiB`);
    }
    void active;
    console.log(
      `100 profiling runs: listed (${runs.length}) with ${listed.toFixed(2)} MiB of heap; opened one after another in ${((performance.now() - t0) / 1000).toFixed(1)} s, heap above the start ${marks.join(', ')}`,
    );

    const rng = makeRng(7);
    for (let i = 0; i < 100; i++) await saveResults(ws, benchSet(rng, i));
    const b0 = heapMiB();
    const results = await listResults(ws);
    const afterList = heapMiB() - b0;
    const histories = buildHistories(results.items);
    const afterHist = heapMiB() - b0;
    console.log(
      `100 benchmark results × 20 benchmarks × 30 runs: listed (${results.items.length}) ${afterList.toFixed(1)} MiB, with the histories of the comparison view ${afterHist.toFixed(1)} MiB (${histories.length} histories)`,
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

(async () => {
  await telemetryDay(60);
  await telemetryDay(24 * 60, 30);
  await hundredRuns();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
