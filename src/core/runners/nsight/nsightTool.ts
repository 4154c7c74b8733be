/**
 * What running Nsight Systems and Nsight Compute have in common: their version, short tool
 * commands (export, import) with a time limit, and the cache key of a report's export.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { ToolError } from '../findTool';

/** "NVIDIA Nsight Systems version 2026.2.1.210-…" / ncu's "Version 2026.2.1.0 (build …)". */
export async function toolVersion(exe: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await execa(exe, ['--version'], { reject: false, timeout: 20_000, env, extendEnv: !env, stdin: 'ignore' });
  const m = /version\s+(\d[\w.-]*)/i.exec(`${r.stdout}\n${r.stderr}`);
  return m?.[1];
}

/**
 * How long a cancelled or timed-out tool command has after SIGTERM before SIGKILL. Short: a
 * cancelled export's half-written output is thrown away anyway, and a worker that runs one is
 * ended soon after its cancel (its timers with it), which would leave a tool deaf to SIGTERM
 * running for good.
 */
export const TOOL_KILL_AFTER_MS = 500;

/** Runs a short tool command to completion, with its output; a failure is a ToolError naming the command. */
export async function tool(
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
    forceKillAfterDelay: TOOL_KILL_AFTER_MS,
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

export async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Names a report's export in a cache: its path, size and time, so an edited report is exported again. */
export function reportCacheKey(report: string, st: { size: number; mtimeMs: number }): string {
  return createHash('sha256')
    .update(`${path.resolve(report)}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
}
