/**
 * Nsight Systems and Nsight Compute, run as the user would from a shell:
 * - `nsys profile --trace=cuda,nvtx,osrt --output=DIR/report [extra] COMMAND…`, then
 *   `nsys export --type=sqlite --output=DIR/report.sqlite DIR/report.nsys-rep` (read by
 *   formats/nsysSqlite); an existing `.nsys-rep`/`.qdrep` is exported the same way into a cache
 *   folder, never beside the user's file;
 * - `ncu --set S [--section X…] [--kernel-name regex:R] [--launch-count N] --export DIR/report
 *   [extra] COMMAND…`, then `ncu --import DIR/report.ncu-rep --csv --page details` and
 *   `--page raw` (read by formats/ncuCsv and merged: the details page has the rule findings,
 *   the raw page every metric, e.g. the FLOP counters and peaks of the roofline).
 * Missing tools and missing GPU-counter permission are ToolErrors with the fix in the message;
 * a filter that matched no kernel is an empty report, not an error.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { findExecutable, ToolError } from '../findTool';
import { runChild, describeEnd, MISSING_FIX, STOP_AFTER_PROGRAM_MS, type ChildOptions } from '../runChild';
import type { RunMetadata } from '../../model/run';
import { parseNcuCsv, mergeNcuPages, readNcuCsvFile } from '../../formats/nsight/ncuCsv';
import type { NcuReport } from '../../model/kernels';

export interface NsysRunOptions extends ChildOptions<'nsys'> {
  /** flamelens.nsys.path, or empty for PATH. */
  nsysPath?: string;
  command: string[];
  outputDir: string;
  /** `--trace` value (default cuda,nvtx,osrt). */
  trace?: string;
  extraArgs?: string[];
  /** nsys still running this long after the program ended counts as hung (default STOP_AFTER_PROGRAM_MS.nsys). */
  stopAfterProgramMs?: number;
  /** Limit for `nsys export` (default 10 minutes). */
  toolTimeoutMs?: number;
}

export interface NsysRunResult {
  command: string[];
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  /** nsys outlived the program by more than stopAfterProgramMs (hungAfterMs) and was stopped. */
  hung?: boolean;
  hungAfterMs?: number;
  version?: string;
  /** The `.nsys-rep` (or `.qdrep` of older versions) nsys wrote; undefined when it wrote none. */
  report?: string;
  /** Its SQLite export. */
  sqlite?: string;
  stderrTail: string;
}

export interface NcuRunOptions extends ChildOptions<'ncu'> {
  ncuPath?: string;
  command: string[];
  outputDir: string;
  /** `--set` (default detailed: throughput, occupancy, memory and the roofline). */
  set?: string;
  sections?: string[];
  /** A regular expression on the kernel's function name. */
  kernelRegex?: string;
  launchCount?: number;
  extraArgs?: string[];
  /** ncu still running this long after the program ended counts as hung (default STOP_AFTER_PROGRAM_MS.ncu). */
  stopAfterProgramMs?: number;
  /** Limit for each `ncu --import` (default 10 minutes). */
  toolTimeoutMs?: number;
}

export interface NcuRunResult {
  command: string[];
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  /** ncu outlived the program by more than stopAfterProgramMs (hungAfterMs) and was stopped. */
  hung?: boolean;
  hungAfterMs?: number;
  version?: string;
  /** The `.ncu-rep`; undefined when no kernel was profiled. */
  report?: string;
  /** The details and raw pages as CSV files in the output folder (details only, with ncu's
   *  messages, when no kernel was profiled). */
  detailsCsv?: string;
  rawCsv?: string;
  /** Both pages merged; empty (with the tool's messages) when no kernel matched. */
  parsed: NcuReport;
  stderrTail: string;
}

const NSYS_MISSING = MISSING_FIX.nsys;
const NCU_MISSING = MISSING_FIX.ncu;

export async function findNsys(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const exe = await findExecutable('nsys', configured, env);
  if (!exe)
    throw new ToolError(
      'nsys',
      configured?.trim()
        ? `Nsight Systems was not found at ${configured.trim()}.`
        : 'Nsight Systems (nsys) was not found on PATH.',
      NSYS_MISSING,
    );
  return exe;
}

export async function findNcu(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const exe = await findExecutable('ncu', configured, env);
  if (!exe)
    throw new ToolError(
      'ncu',
      configured?.trim()
        ? `Nsight Compute was not found at ${configured.trim()}.`
        : 'Nsight Compute (ncu) was not found on PATH.',
      NCU_MISSING,
    );
  return exe;
}

/** "NVIDIA Nsight Systems version 2026.2.1.210-…" / ncu's "Version 2026.2.1.0 (build …)". */
export async function toolVersion(exe: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await execa(exe, ['--version'], { reject: false, timeout: 20_000, env, extendEnv: !env, stdin: 'ignore' });
  const m = /version\s+(\d[\w.-]*)/i.exec(`${r.stdout}\n${r.stderr}`);
  return m?.[1];
}

/** Runs a short tool command to completion, with its output; a failure is a ToolError naming the command. */
async function tool(
  exe: string,
  args: string[],
  toolName: 'nsys' | 'ncu',
  o: { env?: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal; timeoutMs?: number },
) {
  const r = await execa(exe, args, {
    reject: false,
    env: o.env,
    extendEnv: !o.env,
    cwd: o.cwd,
    cancelSignal: o.signal,
    timeout: o.timeoutMs ?? 600_000,
    stdin: 'ignore',
    maxBuffer: 1 << 30,
  });
  if (r.isCanceled) throw new ToolError(toolName, `${toolName} ${args[0]} was cancelled.`, '');
  if (r.timedOut)
    throw new ToolError(
      toolName,
      `${toolName} ${args.join(' ')} did not finish in ${Math.round((o.timeoutMs ?? 600_000) / 1000)} s.`,
      '',
    );
  if (r.exitCode !== 0) {
    const said = `${r.stderr}\n${r.stdout}`.trim().split(/\r?\n/).filter(Boolean).slice(-3).join(' ');
    throw new ToolError(toolName, `${toolName} ${args.join(' ')} failed (exit ${r.exitCode ?? r.signal}): ${said}`, '');
  }
  return r;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function runNsys(o: NsysRunOptions): Promise<NsysRunResult> {
  const exe = await findNsys(o.nsysPath, o.env);
  const version = await toolVersion(exe, o.env);
  const base = path.join(o.outputDir, 'report');
  const args = [
    'profile',
    `--trace=${o.trace?.trim() || 'cuda,nvtx,osrt'}`,
    `--output=${base}`,
    ...(o.extraArgs ?? []),
    ...o.command,
  ];
  const r = await runChild(
    exe,
    args,
    { ...o, watch: { program: 'child', stopAfterMs: o.stopAfterProgramMs ?? STOP_AFTER_PROGRAM_MS.nsys } },
    'nsys',
  );
  const end = {
    command: r.command,
    exitCode: r.exitCode,
    signal: r.signal,
    cancelled: r.cancelled,
    hung: r.hung,
    hungAfterMs: r.hungAfterMs,
    version,
    stderrTail: r.stderrTail,
  };
  // nsys 2021.x writes .qdrep, later versions .nsys-rep.
  let report: string | undefined;
  for (const ext of ['.nsys-rep', '.qdrep']) if (await exists(base + ext)) report = base + ext;
  if (!report) return end;
  const sqlite = `${base}.sqlite`;
  await tool(exe, ['export', '--type=sqlite', `--output=${sqlite}`, report], 'nsys', {
    env: o.env,
    cwd: o.outputDir,
    timeoutMs: o.toolTimeoutMs,
  });
  return { ...end, report, sqlite };
}

/**
 * The SQLite export of an existing report, made once per report version in `cacheDir` (the
 * user's folder is left as it was); a missing nsys is a ToolError that says how to get one.
 */
/** Names a report's export in a cache: its path, size and time, so an edited report is exported again. */
function reportCacheKey(report: string, st: { size: number; mtimeMs: number }): string {
  return createHash('sha256')
    .update(`${path.resolve(report)}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
}

export async function exportNsysReport(
  report: string,
  o: { nsysPath?: string; cacheDir: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; toolTimeoutMs?: number },
): Promise<string> {
  const st = await fs.stat(report);
  const exe = await findExecutable('nsys', o.nsysPath, o.env);
  if (!exe) {
    throw new ToolError(
      'nsys',
      `${path.basename(report)} is an Nsight Systems report; flamelens reads it through \`nsys export\`, and nsys was not found.`,
      `${NSYS_MISSING} Or export it where nsys is installed (\`nsys export --type=sqlite ${path.basename(report)}\`) and open the .sqlite file.`,
    );
  }
  const key = reportCacheKey(report, st);
  await fs.mkdir(o.cacheDir, { recursive: true });
  const target = path.join(o.cacheDir, `${path.basename(report).replace(/\.(nsys-rep|qdrep)$/i, '')}-${key}.sqlite`);
  if (await exists(target)) return target;
  const partial = `${target}.${process.pid}.partial.sqlite`;
  try {
    await tool(exe, ['export', '--type=sqlite', `--output=${partial}`, report], 'nsys', {
      env: o.env,
      signal: o.signal,
      timeoutMs: o.toolTimeoutMs,
    });
    await fs.rename(partial, target);
  } finally {
    await fs.rm(partial, { force: true });
  }
  return target;
}

export async function runNcu(o: NcuRunOptions): Promise<NcuRunResult> {
  const exe = await findNcu(o.ncuPath, o.env);
  const version = await toolVersion(exe, o.env);
  const base = path.join(o.outputDir, 'report');
  const args = ['--set', o.set?.trim() || 'detailed'];
  for (const s of o.sections ?? []) args.push('--section', s);
  if (o.kernelRegex?.trim()) args.push('--kernel-name', `regex:${o.kernelRegex.trim()}`);
  if (o.launchCount !== undefined && o.launchCount > 0) args.push('--launch-count', String(o.launchCount));
  args.push('--export', base, ...(o.extraArgs ?? []), ...o.command);
  const said: string[] = [];
  const r = await runChild(
    exe,
    args,
    {
      ...o,
      watch: { program: 'child', stopAfterMs: o.stopAfterProgramMs ?? STOP_AFTER_PROGRAM_MS.ncu },
      onOutput: (line, stream) => {
        if (/^==(PROF|WARNING|ERROR)==/.test(line)) said.push(line);
        o.onOutput?.(line, stream);
      },
    },
    'ncu',
  );
  const permission = said.find((l) => l.includes('ERR_NVGPUCTRPERM'));
  if (permission) {
    throw new ToolError(
      'ncu',
      'Nsight Compute may not read the GPU performance counters (ERR_NVGPUCTRPERM).',
      'Run as root, or let all users profile: set `options nvidia NVreg_RestrictProfilingToAdminUsers=0` in /etc/modprobe.d and reboot (https://developer.nvidia.com/ERR_NVGPUCTRPERM).',
    );
  }
  const report = `${base}.ncu-rep`;
  const end = {
    command: r.command,
    exitCode: r.exitCode,
    signal: r.signal,
    cancelled: r.cancelled,
    hung: r.hung,
    hungAfterMs: r.hungAfterMs,
    version,
    stderrTail: r.stderrTail,
  };

  if (!(await exists(report))) {
    // What `ncu --csv` prints when nothing matched: its messages and no rows. Kept as the run's
    // details page, so the run reopens as "no kernels matched" rather than as a missing file.
    const detailsCsv = `${base}.details.csv`;
    await fs.writeFile(detailsCsv, said.join('\n') + '\n');
    return {
      ...end,
      detailsCsv,
      parsed: { source: 'ncu-csv', page: 'details', file: detailsCsv, launches: [], messages: said },
    };
  }
  const pages = await importNcuReport(report, {
    exe,
    env: o.env,
    outputDir: o.outputDir,
    toolTimeoutMs: o.toolTimeoutMs,
  });
  return { ...end, report, ...pages, parsed: { ...pages.parsed, messages: [...said, ...pages.parsed.messages] } };
}

/**
 * Both CSV pages of a `.ncu-rep` through `ncu --import`, written to `outputDir` (a run folder or a
 * cache folder) and merged: raw metrics added to each launch of the details page.
 */
export async function importNcuReport(
  report: string,
  o: {
    exe?: string;
    ncuPath?: string;
    env?: NodeJS.ProcessEnv;
    outputDir: string;
    signal?: AbortSignal;
    toolTimeoutMs?: number;
  },
): Promise<{ detailsCsv: string; rawCsv: string; parsed: NcuReport }> {
  await fs.stat(report);
  const exe = o.exe ?? (await findExecutable('ncu', o.ncuPath, o.env));
  if (!exe) {
    throw new ToolError(
      'ncu',
      `${path.basename(report)} is an Nsight Compute report; flamelens reads it through \`ncu --import\`, and ncu was not found.`,
      `${NCU_MISSING} Or export it where ncu is installed (\`ncu --import ${path.basename(report)} --csv --page details > details.csv\`) and open the CSV file.`,
    );
  }
  await fs.mkdir(o.outputDir, { recursive: true });
  const stem = path.join(o.outputDir, path.basename(report).replace(/\.ncu-rep$/i, ''));
  const detailsCsv = `${stem}.details.csv`;
  const rawCsv = `${stem}.raw.csv`;
  const details = await tool(exe, ['--import', report, '--csv', '--page', 'details'], 'ncu', {
    env: o.env,
    signal: o.signal,
    timeoutMs: o.toolTimeoutMs,
  });
  const raw = await tool(exe, ['--import', report, '--csv', '--page', 'raw'], 'ncu', {
    env: o.env,
    signal: o.signal,
    timeoutMs: o.toolTimeoutMs,
  });
  await fs.writeFile(detailsCsv, details.stdout);
  await fs.writeFile(rawCsv, raw.stdout);
  return {
    detailsCsv,
    rawCsv,
    parsed: mergeNcuPages(parseNcuCsv(details.stdout, detailsCsv), parseNcuCsv(raw.stdout, rawCsv)),
  };
}

/** Both pages of an existing `.ncu-rep`, imported once per report version into `cacheDir` (as exportNsysReport). */
export async function importNcuReportCached(
  report: string,
  o: { ncuPath?: string; cacheDir: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<NcuReport> {
  const st = await fs.stat(report);
  const dir = path.join(o.cacheDir, `${path.basename(report)}-${reportCacheKey(report, st)}`);
  const details = path.join(dir, `${path.basename(report).replace(/\.ncu-rep$/i, '')}.details.csv`);
  if (await exists(details.replace(/\.details\.csv$/, '.raw.csv'))) return readNcuCsvFile(details);
  return (await importNcuReport(report, { ncuPath: o.ncuPath, env: o.env, outputDir: dir, signal: o.signal })).parsed;
}

/** The run folder's name for a profiled command: its Python script, else its program. */
export function nsightRunName(command: string[]): string {
  return path.basename(command.find((w, i) => i > 0 && /\.py$/i.test(w)) ?? command[0]);
}

/** run.json of an nsys or ncu run as it starts (the editor and the CLI write the same). */
export function nsightRunStart(
  kind: 'nsys' | 'ncu',
  id: string,
  name: string,
  command: string[],
  cwd: string,
): RunMetadata {
  return {
    schema: 1,
    id,
    name,
    kind,
    createdAt: new Date().toISOString(),
    status: 'running',
    command,
    cwd,
    sampler: kind,
    rateHz: 0,
    output: kind === 'nsys' ? 'report.sqlite' : 'report.details.csv',
    format: kind === 'nsys' ? 'nsys-sqlite' : 'ncu-csv',
  };
}

/** The file a finished run's view opens (undefined when the tool wrote no report). */
export function nsightRunOutput(r: NsysRunResult | NcuRunResult): string | undefined {
  return 'parsed' in r ? r.detailsCsv : r.sqlite;
}

/** run.json of a finished nsys or ncu run: an ncu filter that matched nothing is completed, with the reason. */
export function nsightRunEnd(base: RunMetadata, r: NsysRunResult | NcuRunResult): RunMetadata {
  const output = nsightRunOutput(r);
  const noKernels = 'parsed' in r && r.report === undefined;
  const ended = describeEnd(r, base.kind);
  return {
    ...base,
    finishedAt: new Date().toISOString(),
    exitCode: r.exitCode,
    samplerVersion: r.version,
    status: r.cancelled ? 'cancelled' : output ? 'completed' : 'failed',
    message: noKernels
      ? 'No kernels matched: nothing was profiled (check the kernel name filter and the launch count).'
      : output
        ? ended
        : `${base.kind} wrote no report. ${ended ?? ''} ${r.stderrTail.trim().split('\n').pop() ?? ''}`
            .replace(/\s+/g, ' ')
            .trim(),
  };
}
