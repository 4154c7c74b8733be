/**
 * Runs the benchmarks of a `flamelens.bench.json`: command benchmarks are started once per run
 * (like hyperfine, but without a shell: the time includes process start-up), callables are timed
 * in-process by media/flamelens_bench.py (CUDA events when the callable uses CUDA). While each
 * benchmark runs, nvidia-smi (when present) samples the GPUs' clocks and temperature, so a
 * throttled run shows in its result. A failing benchmark keeps the samples it gathered and its
 * error; the others still run. Cancelling ends the current process tree and returns what was
 * measured, marked as cancelled.
 */
import type { LineEnd } from '../../util/lineSplitter';
import * as path from 'node:path';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import type { BenchDefinition, BenchConfig } from '../../formats/bench/benchConfig';
import type { BenchmarkResultSet, BenchmarkRun, GpuConditions, Timing } from '../../model/bench';
import type { GpuSample } from '../../model/telemetry';
import { splitCommandLine } from '../../util/commandLine';
import { collectFingerprint } from './fingerprint';
import { findExecutable, ToolError } from '../findTool';
import { NvidiaSmiMonitor } from '../gpu/nvidiaSmiMonitor';
import { killRunTree, newRunToken, RUN_TOKEN_VAR, snapshotTree } from '../processTree';
import { runChild } from '../runChild';
import { newResultId } from '../../store/benchStore';
import { isRecord } from '../../formats/jsonDocument';
import { percentileSorted, sortedCopy } from '../../analysis/bench/benchStats';
import { knob } from '../../model/knobs';

export interface BenchRunOptions {
  /** Workspace root: default cwd of benchmarks, root of recorded source locations. */
  root: string;
  config: BenchConfig;
  /** Interpreter for callables and the fingerprint. */
  python: string;
  /** media/flamelens_bench.py */
  helperScript: string;
  /** Names to run (all when absent or empty). */
  only?: readonly string[];
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  nvidiaSmiPath?: string;
  /** nvidia-smi sampling interval while a benchmark runs (default 250 ms; 0 turns it off). */
  gpuSampleMs?: number;
  onProgress?: (message: string) => void;
  onOutput?: (line: string, stream: 'stdout' | 'stderr', end: LineEnd) => void;
}

export interface BenchRunResult {
  results: BenchmarkResultSet;
  cancelled: boolean;
}

function range(values: number[]): { min: number; median: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const s = sortedCopy(values);
  return { min: s[0], median: percentileSorted(s, 0.5), max: s[s.length - 1] };
}

export function summarizeGpuReadings(readings: GpuSample[][]): GpuConditions[] {
  const byIndex = new Map<number, GpuSample[]>();
  for (const r of readings) for (const g of r) (byIndex.get(g.index) ?? byIndex.set(g.index, []).get(g.index)!).push(g);
  return [...byIndex]
    .sort((a, b) => a[0] - b[0])
    .map(([index, list]) => {
      const nums = (k: keyof GpuSample) =>
        list.map((g) => g[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const temps = range(nums('temperatureC'));
      const power = range(nums('powerDrawW'));
      const util = range(nums('utilizationGpu'));
      return {
        index,
        name: list[0].name,
        readings: list.length,
        smClockMHz: range(nums('smClockMHz')),
        memClockMHz: range(nums('memClockMHz')),
        temperatureC: temps && { min: temps.min, max: temps.max },
        powerDrawW: power && { max: power.max },
        utilizationGpu: util && { median: util.median },
      };
    });
}

/** Samples GPUs while `work` runs; resolves to what it saw (nothing when nvidia-smi is absent). */
async function withGpuSampling<T>(
  o: BenchRunOptions,
  smi: string | undefined,
  work: () => Promise<T>,
): Promise<{ value: T; gpu?: GpuConditions[] }> {
  const interval = o.gpuSampleMs ?? 250;
  if (!smi || interval <= 0) return { value: await work() };
  const readings: GpuSample[][] = [];
  const monitor = new NvidiaSmiMonitor({ intervalMs: interval, nvidiaSmiPath: smi, env: o.env });
  monitor.on('reading', (r) => readings.push(r.gpus));
  await monitor.start();
  try {
    const value = await work();
    if (readings.length === 0 && monitor.state.kind !== 'absent' && monitor.state.kind !== 'failed') {
      // A benchmark shorter than the interval: the first reading, just after it, still tells
      // the clocks and temperature it ran at.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3000);
        monitor.on('reading', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return { value, gpu: readings.length ? summarizeGpuReadings(readings) : undefined };
  } finally {
    await monitor.stop();
  }
}

interface Measured {
  samples: number[];
  warmup: number;
  timing: Timing;
  error?: string;
  notes?: string[];
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

async function measureCommand(
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

async function measureCallable(
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
    return {
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

/** `a.b:fn` → `a/b.py` (or `a/b/__init__.py`) under cwd, relative to root when inside it. */
async function callableLocation(spec: string, cwd: string, root: string): Promise<BenchmarkRun['location']> {
  const [mod, attr] = spec.split(':');
  const parts = attr.split('.');
  const base = path.join(cwd, ...mod.split('.'));
  for (const candidate of [`${base}.py`, path.join(base, '__init__.py')]) {
    if (await fs.stat(candidate).catch(() => undefined)) {
      const rel = path.relative(root, candidate);
      return {
        file: rel.startsWith('..') || path.isAbsolute(rel) ? candidate : rel.split(path.sep).join('/'),
        function: parts[parts.length - 1],
        className: parts.length > 1 ? parts[parts.length - 2] : undefined,
      };
    }
  }
  return undefined;
}

export async function runBenchmarks(o: BenchRunOptions): Promise<BenchRunResult> {
  const env = { ...(o.env ?? process.env) };
  const wanted = o.only && o.only.length ? new Set(o.only) : undefined;
  const defs = o.config.benchmarks.filter((d) => !wanted || wanted.has(d.name));
  if (wanted) {
    const unknown = [...wanted].filter((n) => !o.config.benchmarks.some((d) => d.name === n));
    if (unknown.length)
      throw new Error(`no benchmark named ${unknown.map((n) => `"${n}"`).join(', ')} in ${o.config.file}`);
  }
  const createdAt = new Date();
  o.onProgress?.('recording the environment');
  const environment = await collectFingerprint({
    cwd: o.root,
    python: o.python,
    helperScript: o.helperScript,
    nvidiaSmiPath: o.nvidiaSmiPath,
    env,
  });
  const smi = (o.gpuSampleMs ?? 250) > 0 ? await findExecutable('nvidia-smi', o.nvidiaSmiPath, env) : undefined;
  const needsPython = defs.some((d) => d.kind === 'callable');
  if (
    needsPython &&
    !environment.python &&
    !(await findExecutable(o.python, undefined, env)) &&
    !path.isAbsolute(o.python)
  ) {
    throw new ToolError('python', `Could not start ${o.python} for the Python benchmarks.`, `Check ${knob('python')}.`);
  }
  const benchmarks: BenchmarkRun[] = [];
  let cancelled = false;
  for (const def of defs) {
    if (o.signal?.aborted) {
      cancelled = true;
      break;
    }
    const cwd = def.cwd ? path.resolve(o.root, def.cwd) : o.root;
    const runEnv = { ...env, ...(def.env ?? {}) };
    o.onProgress?.(`${def.name}: warming up`);
    const startedAt = new Date().toISOString();
    const { value: m, gpu } = await withGpuSampling(o, smi, () =>
      def.kind === 'command'
        ? measureCommand(def, cwd, runEnv, o)
        : measureCallable(def, cwd, runEnv, o, def.python ?? o.python),
    );
    const run: BenchmarkRun = {
      name: def.name,
      kind: def.kind,
      samples: m.samples,
      warmup: m.warmup,
      timing: m.timing,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (gpu) run.gpu = gpu;
    if (m.error) run.error = m.error;
    if (m.cancelled) run.error = 'cancelled';
    if (def.kind === 'callable') {
      const loc = await callableLocation(def.callable!, cwd, o.root);
      if (loc) run.location = loc;
    }
    if (m.notes?.length) run.params = { notes: m.notes };
    benchmarks.push(run);
    o.onProgress?.(`${def.name}: ${m.samples.length} runs${m.error ? ` (${m.error.split('\n')[0]})` : ''}`);
    if (m.cancelled) {
      cancelled = true;
      break;
    }
  }
  const results: BenchmarkResultSet = {
    kind: 'flamelens-bench',
    version: 1,
    id: newResultId(createdAt, environment.git?.commit),
    createdAt: createdAt.toISOString(),
    source: 'flamelens',
    root: o.root,
    environment,
    benchmarks,
  };
  return { results, cancelled };
}
