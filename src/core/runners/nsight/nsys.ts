/**
 * Nsight Systems, run as the user would from a shell: `nsys profile --trace=cuda,nvtx,osrt
 * --output=DIR/report [extra] COMMAND…`, then `nsys export --type=sqlite --output=DIR/report.sqlite
 * DIR/report.nsys-rep` (read by formats/nsight/nsysSqlite); an existing `.nsys-rep`/`.qdrep` is
 * exported the same way into a cache folder, never beside the user's file. A missing nsys is a
 * ToolError with the fix in the message.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findExecutable, ToolError } from '../findTool';
import { runChild, missingFix, STOP_AFTER_PROGRAM_MS, type ChildOptions } from '../runChild';
import { exists, reportCacheKey, tool, toolVersion } from './nsightTool';

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

export async function findNsys(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const exe = await findExecutable('nsys', configured, env);
  if (!exe)
    throw new ToolError(
      'nsys',
      configured?.trim()
        ? `Nsight Systems was not found at ${configured.trim()}.`
        : 'Nsight Systems (nsys) was not found on PATH.',
      missingFix('nsys'),
    );
  return exe;
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
    leftovers: r.leftovers,
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
      `${missingFix('nsys')} Or export it where nsys is installed (\`nsys export --type=sqlite ${path.basename(report)}\`) and open the .sqlite file.`,
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
