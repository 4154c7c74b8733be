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
import { promises as fs } from 'node:fs';
import type { BenchDefinition, BenchConfig } from '../../formats/bench/benchConfig';
import type { BenchmarkResultSet, BenchmarkRun, GpuConditions } from '../../model/bench';
import type { GpuSample } from '../../model/telemetry';
import { collectFingerprint } from './fingerprint';
import { findExecutable, ToolError } from '../findTool';
import { NvidiaSmiMonitor } from '../gpu/nvidiaSmiMonitor';
import { newResultId } from '../../store/benchStore';
import { percentileSorted, sortedCopy } from '../../analysis/bench/benchStats';
import { knob } from '../../model/knobs';
import { ConditionsRecorder } from './sessionConditions';
import { measureCallable, measureCommand, type Measured } from './measure';

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
  /** Interleaved: the baseline, run in alternating blocks with the current code (`bench --against`). */
  against?: AgainstSide;
  /** Blocks of an interleaved session (default 10). */
  blocks?: number;
  /** Where /proc and /sys are read for the session's conditions (tests give a fake root). */
  machineRoot?: string;
}

/** The baseline side of an interleaved session: another tree of the code (a git ref, a folder) or a command. */
export interface AgainstSide {
  kind: 'git' | 'folder' | 'command';
  /** What was asked for, as the comparison names it. */
  label: string;
  /** git and folder: the tree benchmarks run in (their cwd is resolved against it). */
  root?: string;
  commit?: string;
  /** command: what command benchmarks run instead of their own command. */
  command?: string[];
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

type SideMeasure = Measured & { cancelled?: boolean; blocks?: number[]; calibrations?: (number | null)[] };

function measureSide(def: BenchDefinition, cwd: string, env: NodeJS.ProcessEnv, o: BenchRunOptions) {
  return def.kind === 'command'
    ? measureCommand(def, cwd, env, o)
    : measureCallable(def, cwd, env, o, def.python ?? o.python);
}

function sideRun(def: BenchDefinition, m: SideMeasure, startedAt: string): BenchmarkRun {
  const run: BenchmarkRun = {
    name: def.name,
    kind: def.kind,
    samples: m.samples,
    warmup: m.warmup,
    timing: m.timing,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (m.blocks) run.blocks = m.blocks;
  const cal = m.calibrations ?? (m.calibration !== undefined ? [m.calibration] : []);
  if (cal.some((c) => c !== null)) run.calibration = cal;
  if (m.error) run.error = m.error;
  if (m.cancelled) run.error = 'cancelled';
  if (m.notes?.length) run.params = { notes: m.notes };
  return run;
}

const blocksOf = (o: BenchRunOptions) => Math.max(1, Math.round(o.blocks ?? 10));

/**
 * The runs spread over `blocks` blocks exactly (at least one each); a callable runs in a fresh
 * process per block, so each block warms up as configured. With a baseline (`bench --against`)
 * both sides run in every block, in random order; without one the blocks are the processes of a
 * callable's session.
 */
async function measureInBlocks(
  def: BenchDefinition,
  cwd: string,
  env: NodeJS.ProcessEnv,
  o: BenchRunOptions,
  against: AgainstSide | undefined,
  blocks: number,
  afterBlock: () => Promise<void>,
): Promise<{ current: SideMeasure; baseline?: SideMeasure }> {
  const fresh = (): SideMeasure => ({ samples: [], warmup: 0, timing: 'wall', blocks: [], calibrations: [] });
  const current = fresh();
  const baseline = against ? fresh() : undefined;
  const root = against?.root;
  const baseCwd = root === undefined ? cwd : def.cwd ? path.resolve(root, def.cwd) : root;
  const baseDef = against?.command ? { ...def, command: against.command } : def;
  for (let blk = 0; blk < blocks; blk++) {
    const k = Math.max(1, Math.floor((def.runs * (blk + 1)) / blocks) - Math.floor((def.runs * blk) / blocks));
    const part = (d: BenchDefinition): BenchDefinition => ({
      ...d,
      runs: k,
      minRuns: Math.min(d.minRuns, k),
      timeBudget: d.timeBudget !== undefined ? d.timeBudget / blocks : undefined,
    });
    const sides = [{ m: current, run: () => measureSide(part(def), cwd, env, o) }];
    if (baseline) sides.push({ m: baseline, run: () => measureSide(part(baseDef), baseCwd, env, o) });
    if (Math.random() < 0.5) sides.reverse();
    o.onProgress?.(`${def.name}: ${baseline ? 'block' : 'process'} ${blk + 1} of ${blocks}`);
    for (const side of sides) {
      const r = await side.run();
      side.m.samples.push(...r.samples);
      side.m.blocks!.push(...r.samples.map(() => blk));
      side.m.warmup += r.warmup;
      side.m.calibrations!.push(r.calibration ?? null);
      side.m.timing = r.timing;
      if (r.notes) side.m.notes = r.notes;
      if (r.error) side.m.error = r.error;
      if (r.cancelled) side.m.cancelled = true;
      if (r.error || r.cancelled) return { current, baseline };
    }
    await afterBlock();
  }
  return { current, baseline };
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
  const baselineRuns: BenchmarkRun[] = [];
  const recorder = new ConditionsRecorder(o.machineRoot);
  await recorder.start();
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
    const { value: m, gpu } = await withGpuSampling(o, smi, async () => {
      const blocks = o.against ? blocksOf(o) : def.kind === 'callable' ? Math.min(def.processes, def.runs) : 1;
      if (blocks <= 1) return { current: await measureSide(def, cwd, runEnv, o) };
      const sides = await measureInBlocks(def, cwd, runEnv, o, o.against, blocks, () => recorder.mark());
      if (sides.baseline) baselineRuns.push(sideRun(def, sides.baseline, startedAt));
      return sides;
    });
    const run = sideRun(def, m.current, startedAt);
    if (gpu) run.gpu = gpu;
    if (def.kind === 'callable') {
      const loc = await callableLocation(def.callable!, cwd, o.root);
      if (loc) run.location = loc;
    }
    benchmarks.push(run);
    await recorder.mark();
    const { samples, error } = m.current;
    o.onProgress?.(`${def.name}: ${samples.length} runs${error ? ` (${error.split('\n')[0]})` : ''}`);
    if (m.current.cancelled) {
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
  const conditions = recorder.finish();
  if (conditions) results.conditions = conditions;
  if (o.against)
    results.interleaved = {
      against: o.against.label,
      kind: o.against.kind,
      commit: o.against.commit,
      blocks: blocksOf(o),
      benchmarks: baselineRuns,
    };
  return { results, cancelled };
}
