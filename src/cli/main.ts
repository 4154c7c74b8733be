/**
 * flamelens on the command line: the same core as the extension. Progress and errors go to
 * stderr, results to stdout (`--json` for machines); exit codes: 0 success, 1 failure (missing
 * file, bad format, missing tool), 2 usage error.
 */
import { readoutText } from '../core/analysis/gpu/gpuReadout';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readProfile } from '../core/formats/cpu/readProfile';
import { readTorchTrace } from '../core/formats/torch/torchTrace';
import { detectFileKind } from '../core/formats/detectFile';
import { analyzeTorchTrace } from '../core/analysis/torch/torchAnalysis';
import { readNsysSqliteFile } from '../core/formats/nsight/nsysSqlite';
import type { NcuLaunch, NcuReport } from '../core/model/kernels';
import type { NsysReport } from '../core/model/kernels';
import {
  runNsys,
  runNcu,
  nsightRunName,
  nsightRunStart,
  nsightRunEnd,
  nsightRunOutput,
  type NsysRunResult,
  type NcuRunResult,
} from '../core/runners/nsight/nsight';
import { openNsightFile } from '../core/runners/nsight/openNsightFile';
import { homedir } from 'node:os';
import { summarizeLaunch, kernelTotals, findings } from '../core/analysis/nsight/ncuSummary';
import { buildTraceView } from '../core/analysis/torch/torchView';
import { buildNsysView } from '../core/analysis/nsight/nsightView';
import { parseNvidiaSmiCsv, parseNvidiaSmiXml } from '../core/formats/gpu/nvidiaSmi';
import { summarizeTelemetry } from '../core/analysis/gpu/telemetrySummary';
import { FormatError } from '../core/formats/formatError';
import { analyzeHotPaths } from '../core/analysis/cpu/hotPaths';
import { toCollapsedStacks, toSpeedscope } from '../core/formats/cpu/exportProfile';
import { buildHtmlReport } from '../core/report/htmlReport';
import { recordProfile, type SamplerChoice } from '../core/runners/cpu/recordProfile';
import { ToolError } from '../core/runners/findTool';
import { recordTorchTrace } from '../core/runners/torch/recordTorchTrace';
import { describeEnd } from '../core/runners/runChild';
import { NvidiaSmiMonitor, type Reading } from '../core/runners/gpu/nvidiaSmiMonitor';
import { createRunDir, writeRunMetadata } from '../core/store/runStore';
import type { RunMetadata } from '../core/model/run';
import { writeFileAtomic } from '../core/store/atomicWrite';
import { UsageError } from './usage';
import { benchCmd, compareCmd, diffCmd, BENCH_HELP } from './bench';
import { guardTerminal, passThrough } from './terminal';

declare const FLAMELENS_VERSION: string;

const HELP = `flamelens ${typeof FLAMELENS_VERSION === 'string' ? FLAMELENS_VERSION : ''}: profile Python programs and read profiles

Usage:
  flamelens record [options] -- PYTHON SCRIPT [ARGS...]
  flamelens record [options] --pid PID
  flamelens analyze FILE [--json] [--top N] [--thread ID]
  flamelens report FILE... -o report.html
  flamelens export FILE --format collapsed|speedscope -o OUT
  flamelens gpu [--watch] [--interval MS] [--json]
  flamelens nsys [--trace LIST] [--nsys-arg ARG]... [--json] [--top N] -- COMMAND [ARGS...]
  flamelens ncu [--kernel-name REGEX] [--launch-count N] [--set NAME] [--section NAME]...
                [--ncu-arg ARG]... [--json] [--top N] -- COMMAND [ARGS...]
  flamelens torch [--wait N] [--warmup N] [--active N] [--repeat N] [--shapes] [--stack]
                  [--memory] [--no-cuda] -- PYTHON SCRIPT [ARGS...]
  flamelens bench [--config FILE] [--only NAME]... [--save-baseline NAME] [--python PY] [--json]
  flamelens compare BASELINE CURRENT [--threshold 5%] [--alpha 0.01] [--fail-on-regression] [--json]
  flamelens diff BASE_PROFILE NEW_PROFILE [--json] [--top N]
${BENCH_HELP}
torch: runs the script unchanged under torch.profiler (CPU, and CUDA when available); every
optimizer step advances the schedule (default wait 1, warmup 1, active 3, repeat 1); a script
without an optimizer is profiled whole. Traces and key_averages() land in a run folder.

nsys: runs \`nsys profile --trace=cuda,nvtx,osrt\` (or --trace LIST) on COMMAND, exports the report
to SQLite and prints kernels, transfers and GPU busy time. ncu: runs Nsight Compute (set
"detailed" unless --set) on the launches whose kernel name matches REGEX (all when absent), at
most N of them, and prints each launch and the rule findings. Both keep the report, its export
and run.json in a new run folder; --nsys-arg/--ncu-arg pass one more argument to the tool.
A filter that matches no kernel is reported, not an error.

record options:
  --sampler auto|py-spy|builtin   py-spy when found, else the built-in sampler (default auto)
  --rate HZ                       samples per second (default 100)
  --duration S                    stop recording after S seconds
  -o, --output FILE               where to write the profile (default: a new run folder
                                  .flamelens/runs/<timestamp>-<name>/ in the current directory)
  --format collapsed|speedscope   py-spy's output format (default collapsed)
  --subprocesses --native --idle --gil   passed to py-spy (--idle also to the built-in sampler)
  --pid PID                       attach to a running process (needs py-spy)

Formats read (detected from content): py-spy raw / collapsed stacks, flamelens' built-in
sampler, Austin 1.x-3.x, speedscope JSON (sampled and evented); for analyze, PyTorch profiler
traces too (.json / .json.gz, Kineto or legacy form): operators, kernels, GPU busy time; and
nvidia-smi logs (--query-gpu CSV, -q -x XML): per-GPU utilisation, memory, temperature, power;
Nsight Systems SQLite exports and nsys stats CSV: kernels, CUDA API, transfers, NVTX, GPU busy;
Nsight Compute CSV (details or raw page): per launch duration, throughput, occupancy, findings.

Exit status: 0 on success; 1 when a file is missing or unreadable, its format is unknown or
corrupt, or a tool is missing or fails; 2 on a usage error. Errors are one line on stderr.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Names from files reach the terminal: bidi overrides, escape sequences and other invisible
  // characters are printed as markers (⟨U+001B⟩). A profiled program's own output is passed
  // through as it is (passThrough); JSON is exact (JSON.stringify escapes control characters).
  guardTerminal(!rest.includes('--json'));
  // `flamelens … | head`: a closed pipe ends the command quietly (gpu cleans up its child first).
  if (command !== 'gpu')
    process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${typeof FLAMELENS_VERSION === 'string' ? FLAMELENS_VERSION : 'dev'}\n`);
        return 0;
      case 'analyze':
        return await analyze(rest);
      case 'report':
        return await report(rest);
      case 'record':
        return await record(rest);
      case 'export':
        return await exportCmd(rest);
      case 'torch':
        return await torchCmd(rest);
      case 'gpu':
        return await gpuCmd(rest);
      case 'nsys':
        return await nsysCmd(rest);
      case 'ncu':
        return await ncuCmd(rest);
      case 'bench':
        return await benchCmd(rest);
      case 'compare':
        return await compareCmd(rest);
      case 'diff':
        return await diffCmd(rest);
      default:
        throw new UsageError(`unknown command "${command}" (see flamelens --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`flamelens: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof FormatError || e instanceof ToolError) {
      process.stderr.write(`flamelens: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`flamelens: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

async function analyze(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, top: { type: 'string' }, thread: { type: 'string', multiple: true } },
  });
  if (positionals.length !== 1) throw new UsageError('analyze takes one FILE');
  const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
  const file = positionals[0];
  const kind = await detectFileKind(file);
  if (kind === 'torch-trace') return analyzeTorch(file, values.json === true, top);
  if (kind === 'nvidia-smi-csv' || kind === 'nvidia-smi-xml')
    return analyzeTelemetry(file, kind === 'nvidia-smi-csv' ? 'csv' : 'xml', values.json === true);
  const nsight = await openNsightFile(file, { cacheDir: cacheDir() }, kind);
  if (nsight)
    return nsight.kind === 'nsys'
      ? printNsys(nsight.report, file, values.json === true, top)
      : printNcu(nsight.report, file, values.json === true, top);
  const profile = await readProfile(file);
  const hot = analyzeHotPaths(profile, values.thread);
  const threadTotals = profile.threads.map((t) => ({
    id: t.id,
    name: t.name,
    samples: t.weights.reduce((a, b) => a + b, 0),
  }));
  if (values.json) {
    const n = top ?? Infinity;
    const out = {
      kind: 'cpu-profile',
      format: profile.format,
      unit: profile.unit,
      samples: hot.total,
      threads: threadTotals,
      functions: hot.functions.slice(0, n).map((f) => ({
        name: f.name,
        file: f.file ?? null,
        line: f.line ?? null,
        self: f.self,
        total: f.total,
        selfPct: round(f.selfPct),
        totalPct: round(f.totalPct),
      })),
      lines: hot.lines.slice(0, n).map((l) => ({ file: l.file, line: l.line, self: l.self, total: l.total })),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  const n = top ?? 20;
  const unit = profile.unit === 'samples' ? 'samples' : profile.unit;
  process.stdout.write(
    `${file}: ${profile.format}, ${fmt(hot.total)} ${unit}, ${profile.threads.length} thread(s)\n\n`,
  );
  process.stdout.write(
    `${'total%'.padStart(7)} ${'self%'.padStart(7)} ${'total'.padStart(10)}  function (file:line)\n`,
  );
  for (const f of hot.functions.slice(0, n)) {
    const where = f.file ? ` (${f.file}${f.line !== undefined ? `:${f.line}` : ''})` : '';
    process.stdout.write(
      `${f.totalPct.toFixed(1).padStart(7)} ${f.selfPct.toFixed(1).padStart(7)} ${fmt(f.total).padStart(10)}  ${f.name}${where}\n`,
    );
  }
  return 0;
}

async function analyzeTelemetry(file: string, kind: 'csv' | 'xml', json: boolean): Promise<number> {
  const text = await fs.readFile(file, 'utf8');
  const series = kind === 'csv' ? parseNvidiaSmiCsv(text, file) : parseNvidiaSmiXml(text, file);
  const gpus = summarizeTelemetry(series);
  if (json) {
    process.stdout.write(
      JSON.stringify({ kind: 'gpu-telemetry', gpus: gpus.map(({ mig: _mig, ...g }) => g) }, null, 2) + '\n',
    );
    return 0;
  }
  const f = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v}${unit}`);
  process.stdout.write(
    `${file}: nvidia-smi ${kind.toUpperCase()}${series.driverVersion ? `, driver ${series.driverVersion}` : ''}, ${gpus.length} GPU(s)\n`,
  );
  for (const g of gpus) {
    process.stdout.write(
      `GPU ${g.index} ${g.name ?? ''}: ${g.samples} sample(s), utilisation mean ${f(g.utilization.mean, '%')} max ${f(g.utilization.max, '%')}${g.mig ? ' (MIG: not reported per GPU)' : ''}, memory max ${f(g.memoryUsedMiB.max, ' MiB')}, temperature max ${f(g.temperatureC.max, ' °C')}, power mean ${f(g.powerW.mean, ' W')} max ${f(g.powerW.max, ' W')}\n`,
    );
  }
  return 0;
}

/** Where exports of reports the user opened go (never beside their files). */
function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'flamelens');
}

function printNsys(r: NsysReport, file: string, json: boolean, top: number | undefined): number {
  const n = top ?? Infinity;
  const { transfers } = buildNsysView(r, file);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          kind: 'kernels',
          source: 'nsys',
          version: r.version ?? null,
          kernels: r.kernels.slice(0, n).map((k) => ({
            name: k.name,
            calls: k.calls,
            totalNs: k.totalNs,
            avgNs: round(k.avgNs),
            minNs: k.minNs,
            maxNs: k.maxNs,
            medianNs: k.medianNs,
            stddevNs: round(k.stddevNs),
            timePct: round(k.timePct),
          })),
          api: r.api.slice(0, n).map((a) => ({ name: a.name, calls: a.calls, totalNs: a.totalNs })),
          memory: transfers.map((m) => ({
            name: m.name,
            calls: m.calls,
            totalNs: m.totalNs,
            bytes: m.totalBytes ?? null,
          })),
          nvtx: r.nvtx
            .slice(0, n)
            .map((x) => ({ name: x.name, style: x.style ?? null, calls: x.calls, totalNs: x.totalNs })),
          ...(r.nvtxOperators
            ? {
                nvtxOperators: r.nvtxOperators.slice(0, n).map((x) => ({
                  name: x.name,
                  style: x.style ?? null,
                  calls: x.calls,
                  totalNs: x.totalNs,
                  medianNs: x.medianNs,
                })),
              }
            : {}),
          devices: r.devices.map((d) => ({
            device: d.deviceId,
            name: d.name ?? null,
            busyNs: d.busyNs,
            spanNs: d.endNs - d.startNs,
          })),
          skipped: r.skipped,
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const out = process.stdout;
  const ms = (ns: number) => (ns / 1e6).toFixed(3);
  const short = (s: string) => (s.length > 110 ? `${s.slice(0, 107)}…` : s);
  out.write(
    `${file}: Nsight Systems ${r.source === 'nsys-sqlite' ? 'SQLite export' : 'stats CSV'}${r.version ? ` (${r.version})` : ''}: ${r.kernels.length} kernels, ${r.kernels.reduce((a, k) => a + k.calls, 0).toLocaleString('en-US')} launches\n\n`,
  );
  out.write(
    `${'time %'.padStart(7)} ${'total ms'.padStart(10)} ${'calls'.padStart(7)} ${'avg µs'.padStart(9)}  kernel\n`,
  );
  for (const k of r.kernels.slice(0, top ?? 15))
    out.write(
      `${k.timePct.toFixed(1).padStart(7)} ${ms(k.totalNs).padStart(10)} ${String(k.calls).padStart(7)} ${(k.avgNs / 1000).toFixed(1).padStart(9)}  ${short(k.name)}\n`,
    );
  if (transfers.length > 0) out.write('\n');
  for (const m of transfers)
    out.write(
      `${m.name}: ${m.calls} calls, ${ms(m.totalNs)} ms${m.totalBytes !== undefined ? `, ${(m.totalBytes / 1e6).toFixed(1)} MB` : ''}\n`,
    );
  if (r.devices.length > 0) out.write('\n');
  for (const d of r.devices)
    out.write(
      `GPU ${d.deviceId}${d.name ? ` ${d.name}` : ''}: busy ${ms(d.busyNs)} ms of ${ms(d.endNs - d.startNs)} ms (${((100 * d.busyNs) / Math.max(1, d.endNs - d.startNs)).toFixed(1)}%)\n`,
    );
  for (const s of r.skipped) out.write(`skipped: ${s}\n`);
  return 0;
}

function printNcu(r: NcuReport, file: string, json: boolean, top: number | undefined): number {
  const launches = r.launches.map((l) => ({ l, s: summarizeLaunch(l) }));
  const totals = kernelTotals(launches.map((x) => x.s));
  const fixes = findings(r);
  const n = top ?? Infinity;
  if (json) {
    const metrics = (l: NcuLaunch) =>
      Object.fromEntries(
        Object.entries(l.metrics)
          .filter(([k]) => !k.includes(' / '))
          .map(([k, m]) => [k, m.value]),
      );
    process.stdout.write(
      JSON.stringify(
        {
          kind: 'kernels',
          source: 'ncu',
          page: r.page,
          launches: launches.slice(0, n).map(({ l, s }) => ({
            id: l.id,
            name: l.name,
            durationNs: s.durationNs ?? null,
            smThroughputPct: s.smThroughputPct ?? null,
            memThroughputPct: s.memThroughputPct ?? null,
            achievedOccupancyPct: s.achievedOccupancyPct ?? null,
            registersPerThread: s.registersPerThread ?? null,
            block: s.block ?? null,
            grid: s.grid ?? null,
            dramBytes: s.dramBytes ?? null,
            arithmeticIntensity: s.arithmeticIntensity ?? null,
            metrics: metrics(l),
          })),
          kernels: totals.slice(0, n).map((k) => ({ name: k.name, calls: k.calls, totalNs: k.totalNs })),
          findings: fixes.slice(0, n),
          messages: r.messages,
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const out = process.stdout;
  if (r.launches.length === 0) {
    out.write(
      `${file}: no kernels matched, nothing was profiled${r.messages.length ? ` (${r.messages[r.messages.length - 1]})` : ''}; check --kernel-name and --launch-count\n`,
    );
    return 0;
  }
  const f = (v: number | undefined, d = 1) => (v === undefined ? '—' : v.toFixed(d));
  out.write(`${file}: Nsight Compute ${r.page} page, ${r.launches.length} launch(es), ${totals.length} kernel(s)\n\n`);
  out.write(
    `${'id'.padStart(4)} ${'µs'.padStart(10)} ${'SM %'.padStart(6)} ${'mem %'.padStart(6)} ${'occ %'.padStart(6)} ${'regs'.padStart(5)}  kernel\n`,
  );
  for (const { l, s } of launches.slice(0, top ?? 30))
    out.write(
      `${String(l.id).padStart(4)} ${f(s.durationNs === undefined ? undefined : s.durationNs / 1000, 2).padStart(10)} ${f(s.smThroughputPct).padStart(6)} ${f(s.memThroughputPct).padStart(6)} ${f(s.achievedOccupancyPct).padStart(6)} ${f(s.registersPerThread, 0).padStart(5)}  ${l.name.length > 100 ? `${l.name.slice(0, 97)}…` : l.name}\n`,
    );
  if (fixes.length > 0) {
    out.write('\nWhat to fix first (estimated speedup):\n');
    for (const x of fixes.slice(0, top ?? 10))
      out.write(
        `  ${x.speedupPct !== undefined ? `${x.speedupPct.toFixed(1)}%` : '   —'}  [${x.rule}] launch ${x.launchId}: ${x.description}\n`,
      );
  }
  return 0;
}

async function analyzeTorch(file: string, json: boolean, top: number | undefined): Promise<number> {
  const trace = await readTorchTrace(file);
  const s = analyzeTorchTrace(trace);
  const r1 = (x: number) => Math.round(x * 1000) / 1000;
  if (json) {
    const n = top ?? Infinity;
    process.stdout.write(
      JSON.stringify(
        {
          kind: 'torch-trace',
          form: trace.form,
          ops: s.ops.slice(0, n).map((o) => ({
            name: o.name,
            calls: o.calls,
            selfCpuUs: r1(o.selfCpuUs),
            totalCpuUs: r1(o.totalCpuUs),
            selfDeviceUs: r1(o.selfDeviceUs),
            totalDeviceUs: r1(o.totalDeviceUs),
          })),
          kernels: s.kernels.slice(0, n).map((k) => ({
            name: k.name,
            calls: k.calls,
            totalUs: r1(k.totalUs),
            meanUs: r1(k.meanUs),
            minUs: r1(k.minUs),
            maxUs: r1(k.maxUs),
            gpuPct: Math.round(k.gpuPct * 100) / 100,
          })),
          gpu: s.gpu.map((g) => ({
            device: g.device,
            busyUs: r1(g.busyUs),
            idleUs: r1(g.idleUs),
            spanUs: r1(g.spanUs),
          })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const n = top ?? 15;
  const out = process.stdout;
  out.write(
    `${file}: PyTorch trace (${trace.form}), ${trace.eventCount.toLocaleString('en-US')} events, span ${(s.spanUs / 1000).toFixed(1)} ms, ${trace.gpu.length} GPU activities\n\n`,
  );
  out.write(
    `${'self CPU ms'.padStart(12)} ${'total CPU ms'.padStart(12)} ${'self dev ms'.padStart(12)} ${'calls'.padStart(7)}  operator\n`,
  );
  for (const o of [...s.ops].sort((a, b) => b.selfCpuUs - a.selfCpuUs).slice(0, n)) {
    out.write(
      `${(o.selfCpuUs / 1000).toFixed(3).padStart(12)} ${(o.totalCpuUs / 1000).toFixed(3).padStart(12)} ${(o.selfDeviceUs / 1000).toFixed(3).padStart(12)} ${String(o.calls).padStart(7)}  ${o.name}\n`,
    );
  }
  if (s.kernels.length > 0) {
    out.write(`\n${'GPU %'.padStart(7)} ${'total ms'.padStart(10)} ${'calls'.padStart(7)}  kernel\n`);
    for (const k of s.kernels.slice(0, n))
      out.write(
        `${k.gpuPct.toFixed(1).padStart(7)} ${(k.totalUs / 1000).toFixed(3).padStart(10)} ${String(k.calls).padStart(7)}  ${k.name.length > 120 ? `${k.name.slice(0, 117)}…` : k.name}\n`,
      );
    out.write('\n');
    for (const g of s.gpu)
      out.write(
        `GPU ${g.device}: busy ${(g.busyUs / 1000).toFixed(1)} ms of ${(g.spanUs / 1000).toFixed(1)} ms (${g.spanUs > 0 ? ((100 * g.busyUs) / g.spanUs).toFixed(1) : '0'}%)\n`,
      );
  }
  return 0;
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' } },
  });
  if (positionals.length === 0) throw new UsageError('report needs at least one FILE');
  if (!values.output) throw new UsageError('report needs -o report.html');
  const kinds = await Promise.all(positionals.map(async (f) => (await detectFileKind(f)) === 'torch-trace'));
  let html: string;
  if (kinds.some(Boolean)) {
    if (!kinds.every(Boolean))
      throw new UsageError('report takes either CPU profiles or PyTorch traces, not both in one report');
    const views = [];
    for (const f of positionals) views.push(buildTraceView(await readTorchTrace(f), path.basename(f)));
    html = buildHtmlReport(views, await webviewAssets('torch'), randomBytes(16).toString('base64'));
  } else {
    const inputs = [];
    for (const f of positionals) inputs.push({ title: path.basename(f), profile: await readProfile(f) });
    html = buildHtmlReport(inputs, await webviewAssets('flamegraph'), randomBytes(16).toString('base64'));
  }
  await writeFileAtomic(values.output, html);
  process.stderr.write(`flamelens: wrote ${values.output} (${(html.length / 1024).toFixed(0)} KiB)\n`);
  return 0;
}

async function exportCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, format: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.output)
    throw new UsageError('export takes FILE --format collapsed|speedscope -o OUT');
  const profile = await readProfile(positionals[0]);
  if (values.format === 'collapsed')
    await writeFileAtomic(values.output, toCollapsedStacks(profile, { threadFrames: true }));
  else if (values.format === 'speedscope')
    await writeFileAtomic(values.output, toSpeedscope(profile, path.basename(positionals[0])));
  else throw new UsageError('--format must be collapsed or speedscope');
  return 0;
}

async function gpuCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { watch: { type: 'boolean' }, json: { type: 'boolean' }, interval: { type: 'string', default: '1000' } },
  });
  const interval = parsePositiveNumber(values.interval!, '--interval');
  const monitor = new NvidiaSmiMonitor({ intervalMs: interval });
  const print = (r: Reading) => {
    if (values.json) {
      process.stdout.write(
        JSON.stringify({ kind: 'gpu-reading', time: new Date(r.time).toISOString(), gpus: r.gpus }) + '\n',
      );
      return;
    }
    // The status bar's readout, with power and the name.
    for (const g of r.gpus)
      process.stdout.write(
        `${readoutText(g)}${g.powerDrawW !== undefined ? ` · ${g.powerDrawW} W` : ''}  ${g.name ?? ''}\n`,
      );
  };
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = async (code: number) => {
      if (done) return;
      done = true;
      process.off('SIGINT', onSigint);
      await monitor.stop();
      resolve(code);
    };
    const onSigint = () => void finish(0);
    process.on('SIGINT', onSigint);
    process.stdout.on('error', () => void finish(0));
    monitor.on('reading', (r) => {
      print(r);
      if (!values.watch) void finish(0);
    });
    monitor.on('state', (st) => {
      if (st.kind === 'absent' || st.kind === 'failed') {
        process.stderr.write(`flamelens: ${st.message}\n`);
        void finish(1);
      } else if (st.kind === 'restarting')
        process.stderr.write(`flamelens: nvidia-smi stopped (${st.message}); restarting in ${st.inMs} ms\n`);
    });
    void monitor.start();
  });
}

/** The run folder, SIGINT handling and run.json shared by the nsys and ncu commands. */
async function nsightRun<R extends NsysRunResult | NcuRunResult>(
  kind: 'nsys' | 'ncu',
  cmd: string[],
  go: (dir: string, signal: AbortSignal) => Promise<R>,
): Promise<{ dir: string; result: R; output?: string }> {
  const name = nsightRunName(cmd);
  const run = await createRunDir(process.cwd(), name);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write(`flamelens: stopping ${kind} (what it recorded so far is kept)…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const base = nsightRunStart(kind, run.id, name, cmd, process.cwd());
  await writeRunMetadata(run.dir, base);
  try {
    const result = await go(run.dir, controller.signal);
    await writeRunMetadata(run.dir, nsightRunEnd(base, result));
    const ended = describeEnd(result, kind);
    if (ended) process.stderr.write(`flamelens: ${ended}\n`);
    return { dir: run.dir, result, output: nsightRunOutput(result) };
  } catch (e) {
    await writeRunMetadata(run.dir, {
      ...base,
      status: 'failed',
      finishedAt: new Date().toISOString(),
      message: e instanceof Error ? e.message : String(e),
    }).catch(() => undefined);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function nsysCmd(args: string[]): Promise<number> {
  const { own, cmd } = splitAtDoubleDash(args);
  const { values } = parseArgs({
    args: own,
    options: {
      trace: { type: 'string' },
      'nsys-arg': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      top: { type: 'string' },
    },
  });
  if (cmd.length === 0) throw new UsageError('nsys needs -- COMMAND [ARGS]');
  const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
  const progress = (line: string, stream: 'stdout' | 'stderr') => passThrough(line, values.json ? 'stderr' : stream);
  const run = await nsightRun('nsys', cmd, (dir, signal) =>
    runNsys({
      command: cmd,
      outputDir: dir,
      cwd: process.cwd(),
      trace: values.trace,
      extraArgs: values['nsys-arg'],
      signal,
      onOutput: progress,
    }),
  );
  if (!run.output) {
    process.stderr.write(`flamelens: nsys wrote no report (see ${run.dir})\n`);
    return 1;
  }
  printNsys(await readNsysSqliteFile(run.output), run.output, values.json === true, top);
  if (!values.json) process.stdout.write(`${run.output}\n`);
  return 0;
}

async function ncuCmd(args: string[]): Promise<number> {
  const { own, cmd } = splitAtDoubleDash(args);
  const { values } = parseArgs({
    args: own,
    options: {
      'kernel-name': { type: 'string', short: 'k' },
      'launch-count': { type: 'string', short: 'c' },
      set: { type: 'string' },
      section: { type: 'string', multiple: true },
      'ncu-arg': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      top: { type: 'string' },
    },
  });
  if (cmd.length === 0) throw new UsageError('ncu needs -- COMMAND [ARGS]');
  const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
  const launchCount =
    values['launch-count'] !== undefined ? parsePositiveInt(values['launch-count'], '--launch-count') : undefined;
  if (values['kernel-name'] !== undefined) {
    try {
      new RegExp(values['kernel-name']);
    } catch (e) {
      throw new UsageError(`--kernel-name is not a regular expression: ${(e as Error).message}`);
    }
  }
  const progress = (line: string, stream: 'stdout' | 'stderr') => passThrough(line, values.json ? 'stderr' : stream);
  const run = await nsightRun('ncu', cmd, (dir, signal) =>
    runNcu({
      command: cmd,
      outputDir: dir,
      cwd: process.cwd(),
      set: values.set,
      sections: values.section,
      kernelRegex: values['kernel-name'],
      launchCount,
      extraArgs: values['ncu-arg'],
      signal,
      onOutput: progress,
    }),
  );
  if (!run.output) {
    process.stderr.write(`flamelens: ncu wrote no report (see ${run.dir})\n`);
    return 1;
  }
  printNcu(run.result.parsed, run.output, values.json === true, top);
  if (!values.json) process.stdout.write(`${run.output}\n`);
  return 0;
}

/** Splits `[own options] -- PYTHON [-m] SCRIPT [ARGS]` as record and torch take it. */
function splitAtDoubleDash(args: string[]): { own: string[]; cmd: string[] } {
  const dd = args.indexOf('--');
  return { own: dd >= 0 ? args.slice(0, dd) : args, cmd: dd >= 0 ? args.slice(dd + 1) : [] };
}

interface PythonCommand {
  python: string;
  script: string;
  args: string[];
  module: boolean;
}

function pythonCommand(cmd: string[], usage: string): PythonCommand {
  if (cmd.length < 2) throw new UsageError(usage);
  const module = cmd[1] === '-m';
  const script = module ? cmd[2] : cmd[1];
  if (!script) throw new UsageError('-m needs a module name');
  return { python: cmd[0], script, args: cmd.slice(module ? 3 : 2), module };
}

async function torchCmd(args: string[]): Promise<number> {
  const { own, cmd } = splitAtDoubleDash(args);
  const { values } = parseArgs({
    args: own,
    options: {
      wait: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '1' },
      active: { type: 'string', default: '3' },
      repeat: { type: 'string', default: '1' },
      shapes: { type: 'boolean' },
      stack: { type: 'boolean' },
      memory: { type: 'boolean' },
      'no-cuda': { type: 'boolean' },
    },
  });
  const { script, args: rest, module } = pythonCommand(cmd, 'torch needs -- PYTHON SCRIPT [ARGS]');
  const nonNeg = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, got "${v}"`);
    return n;
  };
  const name = path.basename(script);
  const run = await createRunDir(process.cwd(), name);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  const createdAt = new Date().toISOString();
  try {
    const r = await recordTorchTrace({
      python: cmd[0],
      script,
      args: rest,
      module,
      outputDir: run.dir,
      cwd: process.cwd(),
      launcherScript: path.join(__dirname, '..', 'media', 'flamelens_torch_launcher.py'),
      wait: nonNeg(values.wait!, '--wait'),
      warmup: nonNeg(values.warmup!, '--warmup'),
      active: Math.max(1, nonNeg(values.active!, '--active')),
      repeat: nonNeg(values.repeat!, '--repeat'),
      shapes: values.shapes,
      stack: values.stack,
      memory: values.memory,
      noCuda: values['no-cuda'],
      signal: controller.signal,
      onOutput: passThrough,
    });
    const ended = describeEnd(r, 'python');
    if (ended) process.stderr.write(`flamelens: ${ended}\n`);
    for (const note of r.info.notes) process.stderr.write(`flamelens: ${note}\n`);
    await writeRunMetadata(run.dir, {
      schema: 1,
      id: run.id,
      name,
      kind: 'torch',
      createdAt,
      finishedAt: new Date().toISOString(),
      status: r.cancelled ? 'cancelled' : r.traces.length ? 'completed' : 'failed',
      exitCode: r.exitCode,
      message: [ended, ...r.info.notes].filter(Boolean).join(' ') || undefined,
      command: [cmd[0], ...(module ? ['-m'] : []), script, ...rest],
      cwd: process.cwd(),
      sampler: 'torch-profiler',
      samplerVersion: r.info.torch ? `torch ${r.info.torch}` : undefined,
      rateHz: 0,
      interpreter: cmd[0],
      output: r.traces[0] ? path.basename(r.traces[0]) : 'trace-1.pt.trace.json',
      format: 'torch-trace',
    });
    if (r.traces.length === 0) {
      process.stderr.write(`flamelens: no trace was recorded\n`);
      return 1;
    }
    process.stderr.write(
      `flamelens: torch ${r.info.torch ?? '?'} (${r.info.kineto ? 'Kineto' : 'legacy profiler'}; ${(r.info.activities ?? []).join('+')}), ${r.info.steps} optimizer steps, ${r.traces.length} trace(s)\n`,
    );
    await analyzeTorch(r.traces[0], false, 10);
    for (const t of r.traces) process.stdout.write(`${t}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function record(args: string[]): Promise<number> {
  const { own, cmd } = splitAtDoubleDash(args);
  const { values } = parseArgs({
    args: own,
    options: {
      sampler: { type: 'string', default: 'auto' },
      rate: { type: 'string', default: '100' },
      duration: { type: 'string' },
      output: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'collapsed' },
      subprocesses: { type: 'boolean' },
      native: { type: 'boolean' },
      idle: { type: 'boolean' },
      gil: { type: 'boolean' },
      pid: { type: 'string' },
    },
  });
  const sampler = values.sampler as SamplerChoice;
  if (!['auto', 'py-spy', 'builtin'].includes(sampler))
    throw new UsageError('--sampler must be auto, py-spy or builtin');
  if (values.format !== 'collapsed' && values.format !== 'speedscope')
    throw new UsageError('--format must be collapsed or speedscope');
  const rate = parsePositiveNumber(values.rate!, '--rate');
  const duration = values.duration !== undefined ? parsePositiveNumber(values.duration, '--duration') : undefined;
  const pid = values.pid !== undefined ? parsePositiveInt(values.pid, '--pid') : undefined;
  const target =
    pid !== undefined
      ? { kind: 'attach' as const, pid }
      : { kind: 'launch' as const, ...pythonCommand(cmd, 'record needs -- PYTHON SCRIPT [ARGS] (or --pid PID)') };
  const name = target.kind === 'attach' ? `pid${target.pid}` : path.basename(target.script);
  const run = await createRunDir(process.cwd(), name);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('flamelens: stopping (the profile so far is kept)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const createdAt = new Date().toISOString();
  try {
    const result = await recordProfile({
      target,
      sampler,
      rateHz: rate,
      durationS: duration,
      format: values.format,
      subprocesses: values.subprocesses,
      native: values.native,
      idle: values.idle,
      gil: values.gil,
      outputDir: run.dir,
      cwd: process.cwd(),
      samplerScript: samplerScriptPath(),
      signal: controller.signal,
      onOutput: passThrough,
      onStart: (info) =>
        process.stderr.write(`flamelens: recording with ${info.sampler} (pid ${info.pid}) at ${rate} Hz\n`),
    });
    if (result.fallbackReason) process.stderr.write(`flamelens: ${result.fallbackReason}\n`);
    const profile = await readProfile(result.outputPath);
    const hot = analyzeHotPaths(profile);
    const meta: RunMetadata = {
      schema: 1,
      id: run.id,
      name,
      kind: 'cpu',
      createdAt,
      finishedAt: new Date().toISOString(),
      status: result.cancelled ? 'cancelled' : 'completed',
      exitCode: result.exitCode,
      command:
        target.kind === 'launch'
          ? [target.python, ...(target.module ? ['-m'] : []), target.script, ...target.args]
          : [],
      cwd: process.cwd(),
      sampler: result.sampler,
      samplerVersion: result.samplerVersion,
      rateHz: rate,
      durationS: duration,
      pid: target.kind === 'attach' ? target.pid : undefined,
      interpreter: target.kind === 'launch' ? target.python : undefined,
      pythonVersion: profile.meta.python,
      output: path.basename(result.outputPath),
      format: result.format,
      samples: hot.total,
      fallbackReason: result.fallbackReason,
      message: describeEnd(result, result.sampler),
    };
    await writeRunMetadata(run.dir, meta);
    let finalPath = result.outputPath;
    if (values.output) {
      await writeFileAtomic(values.output, await fs.readFile(result.outputPath));
      finalPath = values.output;
    }
    if (meta.message) process.stderr.write(`flamelens: ${meta.message}\n`);
    process.stderr.write(`flamelens: ${fmt(hot.total)} samples; hottest:\n`);
    for (const f of hot.functions.filter((f) => f.file).slice(0, 5)) {
      process.stderr.write(
        `  ${f.totalPct.toFixed(1).padStart(5)}% total ${f.selfPct.toFixed(1).padStart(5)}% self  ${f.name} (${f.file}:${f.line ?? '?'})\n`,
      );
    }
    process.stdout.write(`${finalPath}\n`);
    return 0;
  } catch (e) {
    await writeRunMetadata(run.dir, {
      schema: 1,
      id: run.id,
      name,
      kind: 'cpu',
      createdAt,
      status: 'failed',
      message: e instanceof Error ? e.message : String(e),
      command: cmd,
      cwd: process.cwd(),
      sampler: sampler === 'py-spy' ? 'py-spy' : 'builtin',
      rateHz: rate,
      output: 'profile.folded',
      format: 'collapsed',
    }).catch(() => undefined);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export function samplerScriptPath(): string {
  return path.join(__dirname, '..', 'media', 'flamelens_sampler.py');
}

async function webviewAssets(bundle: 'flamegraph' | 'torch'): Promise<{ js: string; css: string }> {
  const dir = path.join(__dirname, 'webview');
  try {
    const [js, css] = await Promise.all([
      fs.readFile(path.join(dir, `${bundle}.js`), 'utf8'),
      fs.readFile(path.join(dir, 'flamegraph.css'), 'utf8'),
    ]);
    return { js, css };
  } catch {
    throw new Error(`the webview bundle is missing from ${dir}; run npm run build`);
  }
}

function parsePositiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}
function parsePositiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}
function round(x: number): number {
  return Math.round(x * 100) / 100;
}
function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
