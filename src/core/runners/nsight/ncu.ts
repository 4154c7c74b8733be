/**
 * Nsight Compute, run as the user would from a shell: `ncu --set S [--section X…] [--kernel-name
 * regex:R] [--launch-count N] --export DIR/report [extra] COMMAND…`, then `ncu --import
 * DIR/report.ncu-rep --csv --page details` and `--page raw` (read by formats/nsight/ncuCsv and
 * merged: the details page has the rule findings, the raw page every metric, e.g. the FLOP
 * counters and peaks of the roofline). Missing tools and missing GPU-counter permission are
 * ToolErrors with the fix in the message; a filter that matched no kernel is an empty report.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findExecutable, ToolError } from '../findTool';
import { runChild, missingFix, STOP_AFTER_PROGRAM_MS, type ChildOptions } from '../runChild';
import { parseNcuCsv, mergeNcuPages, readNcuCsvFile } from '../../formats/nsight/ncuCsv';
import type { NcuReport } from '../../model/kernels';
import { exists, reportCacheKey, tool, toolVersion } from './nsightTool';

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

export async function findNcu(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const exe = await findExecutable('ncu', configured, env);
  if (!exe)
    throw new ToolError(
      'ncu',
      configured?.trim()
        ? `Nsight Compute was not found at ${configured.trim()}.`
        : 'Nsight Compute (ncu) was not found on PATH.',
      missingFix('ncu'),
    );
  return exe;
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
      onOutput: (line, stream, end) => {
        if (/^==(PROF|WARNING|ERROR)==/.test(line)) said.push(line);
        o.onOutput?.(line, stream, end);
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
    leftovers: r.leftovers,
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
      `${missingFix('ncu')} Or export it where ncu is installed (\`ncu --import ${path.basename(report)} --csv --page details > details.csv\`) and open the CSV file.`,
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
