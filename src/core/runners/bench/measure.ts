/**
 * One side of a benchmark measured: a command started once per run (no shell: the time includes
 * process start-up), or a callable timed in-process by media/flamelens_bench.py. A failure keeps
 * the samples gathered and says why; a cancel ends the process tree.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import type { BenchDefinition } from '../../formats/bench/benchConfig';
import type { Timing } from '../../model/bench';
import { splitCommandLine } from '../../util/commandLine';
import { killRunTree, newRunToken, RUN_TOKEN_VAR, snapshotTree } from '../processTree';
import { runChild } from '../runChild';
import { isRecord } from '../../formats/jsonDocument';
import type { BenchRunOptions } from './benchRunner';

export interface Measured {
  samples: number[];
  warmup: number;
  timing: Timing;
  error?: string;
  notes?: string[];
  /** Median seconds of the helper's calibration probe in this process. */
  calibration?: number;
}

async function runCommandOnce(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutS: number,
  signal?: AbortSignal,
): Promise<{ seconds: number; error?: string; cancelled?: boolean }> {
  if (signal?.aborted) return { seconds: 0, cancelled: true };
  const t0 = process.hrtime.bigint();
  const token = newRunToken();
  const child = execa(argv[0], argv.slice(1), {
    cwd,
    env: { ...env, [RUN_TOKEN_VAR]: token },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
  let timedOut = false;
  let cancelled = false;
  // A killed command whose escaped descendant still holds its stderr would keep the streams
  // open: once killed, its end is not waited for beyond two seconds.
  let givenUp: (r: undefined) => void = () => undefined;
  const givenUpOn = new Promise<undefined>((resolve) => (givenUp = resolve));
  let killed = false;
  const kill = () => {
    const pid = child.pid;
    if (pid === undefined || killed) return;
    killed = true;
    void snapshotTree(pid)
      .then((pids) => killRunTree(pid, token, pids))
      .then(() => setTimeout(() => givenUp(undefined), 2000).unref());
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutS * 1000);
  const onAbort = () => {
    cancelled = true;
    kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await Promise.race([child, givenUpOn]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!r)
      return cancelled ? { seconds, cancelled: true } : { seconds, error: `stopped after the ${timeoutS} s timeout` };
    if (cancelled) return { seconds, cancelled: true };
    if (timedOut) return { seconds, error: `stopped after the ${timeoutS} s timeout` };
    if (r.failed && r.code === 'ENOENT') return { seconds, error: `cannot start ${argv[0]}: not found` };
    if (r.exitCode !== 0)
      return {
        seconds,
        error: `${argv.join(' ')} exited with ${r.exitCode ?? r.signal}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
      };
    return { seconds };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

export async function measureCommand(
  def: BenchDefinition,
  cwd: string,
  env: NodeJS.ProcessEnv,
  o: BenchRunOptions,
): Promise<Measured & { cancelled?: boolean }> {
  const argv = def.command!;
  const m: Measured = { samples: [], warmup: 0, timing: 'wall' };
  if (def.setup) {
    const r = await runCommandOnce(splitCommandLine(def.setup), cwd, env, def.timeout, o.signal);
    if (r.cancelled) return { ...m, cancelled: true };
    if (r.error) return { ...m, error: `setup failed: ${r.error}` };
  }
  const warmStart = Date.now();
  while (m.warmup < def.warmup || (Date.now() - warmStart) / 1000 < def.warmupTime) {
    const r = await runCommandOnce(argv, cwd, env, def.timeout, o.signal);
    if (r.cancelled) return { ...m, cancelled: true };
    if (r.error) return { ...m, error: `warmup: ${r.error}` };
    m.warmup++;
  }
  const start = Date.now();
  while (m.samples.length < def.runs) {
    if (
      def.timeBudget !== undefined &&
      m.samples.length >= def.minRuns &&
      (Date.now() - start) / 1000 >= def.timeBudget
    )
      break;
    const r = await runCommandOnce(argv, cwd, env, def.timeout, o.signal);
    if (r.cancelled) return { ...m, cancelled: true };
    if (r.error) return { ...m, error: r.error };
    m.samples.push(r.seconds);
    if (m.samples.length % 10 === 0 && m.samples.length < def.runs)
      o.onProgress?.(`${def.name}: ${m.samples.length} runs`);
  }
  return m;
}

export async function measureCallable(
  def: BenchDefinition,
  cwd: string,
  env: NodeJS.ProcessEnv,
  o: BenchRunOptions,
  python: string,
): Promise<Measured & { cancelled?: boolean }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flamelens-bench-'));
  const out = path.join(dir, 'result.json');
  const args = [
    o.helperScript,
    'run',
    '--callable',
    def.callable!,
    '--warmup',
    String(def.warmup),
    '--runs',
    String(def.runs),
    '--min-runs',
    String(def.minRuns),
    '--cuda',
    def.cuda,
    '--out',
    out,
  ];
  if (def.warmupTime > 0) args.push('--warmup-time', String(def.warmupTime));
  if (def.setup) args.push('--setup', def.setup);
  if (def.timeBudget !== undefined) args.push('--time-budget', String(def.timeBudget));
  if (def.disableGc) args.push('--disable-gc');
  if (def.calibrate) args.push('--calibrate');
  try {
    const deadline = new AbortController();
    const budget = (def.timeBudget ?? 0) + def.timeout * (def.runs + def.warmup + 1);
    const timer = setTimeout(() => deadline.abort(), Math.min(budget, 24 * 3600) * 1000);
    const signal = o.signal ? AbortSignal.any([o.signal, deadline.signal]) : deadline.signal;
    const r = await runChild(python, args, { cwd, env, signal, onOutput: o.onOutput }, 'builtin').finally(() =>
      clearTimeout(timer),
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(out, 'utf8'));
    } catch {
      const why = r.cancelled
        ? o.signal?.aborted
          ? 'cancelled'
          : 'stopped after its timeout'
        : `the helper exited with ${r.exitCode ?? r.signal}${r.stderrTail.trim() ? `: ${r.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
      return { samples: [], warmup: 0, timing: 'wall', error: why, cancelled: !!o.signal?.aborted };
    }
    if (!isRecord(parsed) || !Array.isArray(parsed.samples))
      return { samples: [], warmup: 0, timing: 'wall', error: 'the helper wrote an unreadable result' };
    const samples = parsed.samples.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0);
    const timing: Timing = parsed.timing === 'cuda-events' || parsed.timing === 'cuda-sync' ? parsed.timing : 'wall';
    const error =
      typeof parsed.error === 'string'
        ? parsed.error
        : r.cancelled && !o.signal?.aborted
          ? 'stopped after its timeout'
          : undefined;
    const notes = Array.isArray(parsed.notes) ? parsed.notes.map(String) : undefined;
    const cal = parsed.calibration;
    return {
      calibration: typeof cal === 'number' && Number.isFinite(cal) && cal > 0 ? cal : undefined,
      samples,
      warmup: typeof parsed.warmup === 'number' ? parsed.warmup : 0,
      timing,
      error,
      notes,
      cancelled: !!o.signal?.aborted,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
