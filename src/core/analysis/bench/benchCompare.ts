/**
 * Comparison of benchmark results with a baseline, and the decision rule behind a "regression".
 *
 * For each benchmark in both sets: the ratio of medians (current / baseline) with a bootstrap
 * confidence interval, and a two-sided Mann–Whitney U test. The verdict:
 * - regression: the difference is significant (p < alpha) and slower, and the interval of the
 *   ratio reaches the threshold (the data cannot rule out a slowdown of at least `threshold`);
 * - improvement: the same, faster;
 * - no-change: not significant ("no difference detected", with the smallest change this data
 *   could have detected), or significant but with the whole interval inside the threshold.
 * `npm run bench` measures this rule by simulation (false alarms on A/A comparisons, power).
 * Files without samples (pytest-benchmark autosaves) are compared from their summaries: the
 * median's standard error from the interquartile range, a normal approximation on log(ratio).
 */
import { FormatError } from '../../formats/formatError';
import type {
  BenchmarkResultSet,
  BenchmarkRun,
  EnvironmentFingerprint,
  SourceLocation,
  SummaryOnly,
} from '../../model/bench';
import {
  bootstrapRatioCi,
  mannWhitneyU,
  normalQuantile,
  normalSf,
  percentileSorted,
  seedFrom,
  sortedCopy,
} from './benchStats';

export type Verdict = 'regression' | 'improvement' | 'no-change' | 'inconclusive';

/** How the two sides were compared: runs of two sessions, runs from summaries, session medians, block pairs. */
export type CompareMethod = 'mann-whitney' | 'summary' | 'sessions' | 'interleaved';

export interface CompareOptions {
  /** Smallest relative change that matters (0.05 = 5%). */
  threshold?: number;
  /** Significance level of the test (two-sided). */
  alpha?: number;
  /** Level of the ratio's interval. */
  confidence?: number;
  resamples?: number;
}

export const DEFAULT_THRESHOLD = 0.05;
export const DEFAULT_ALPHA = 0.01;

export interface BenchmarkComparison {
  name: string;
  baselineMedian: number;
  currentMedian: number;
  /** current / baseline: above 1 is slower. */
  ratio: number;
  ciLow: number;
  ciHigh: number;
  pValue: number;
  verdict: Verdict;
  significant: boolean;
  baselineRuns: number;
  currentRuns: number;
  method: CompareMethod;
  /** Why the verdict is `inconclusive`. */
  reason?: string;
  /** The machine differed between the sessions (load, other processes, clocks, throttling). */
  drift?: string;
  /** `sessions`: how many sessions each side had, and the noise learned from how many. */
  sessions?: { baseline: number; current: number; noiseSessions: number; noise: number };
  /** `interleaved`: the block pairs the verdict rests on. */
  blockPairs?: number;
  /**
   * With calibration probes: the slope fitted on the probe (interleaved: block log-ratios on the
   * probe's; sessions: process levels on the probe's within sessions), and the spread before and
   * after (interleaved: SD of the block log-ratios; sessions: the session noise).
   */
  calibration?: { slope: number; spreadRaw: number; spread: number };
  /** Smallest relative change (either way) this data would detect with 80% power. */
  minDetectable: number;
  /** One sentence a person can read. */
  summary: string;
  /** GPU conditions that differ between the two runs (clocks, temperature), when recorded. */
  conditions?: string;
  location?: SourceLocation;
}

export interface ComparedSet {
  id: string;
  createdAt: string;
  baseline?: string;
  commit?: string;
  dirty?: boolean;
  origin?: string;
}

export interface Comparison {
  kind: 'comparison';
  /** `interleaved`: both sides measured in one session, block by block (`bench --against`). */
  design?: 'sessions' | 'interleaved';
  baseline: ComparedSet;
  current: ComparedSet;
  threshold: number;
  alpha: number;
  confidence: number;
  benchmarks: BenchmarkComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  /** Benchmarks present on both sides that could not be compared, with the reason. */
  skipped: { name: string; reason: string }[];
  /** Facts of the two environments that differ (CPU, GPU, driver, Python, torch…). */
  environmentDifferences: string[];
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** A p-value as a table shows it: "<0.001", "0.003", "0.41" ("n/a" when there is none). */
export function pValueText(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  if (p < 0.001) return '<0.001';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

/** "p<0.001", "p=0.003" */
export function formatP(p: number): string {
  const t = pValueText(p);
  return t.startsWith('<') ? `p${t}` : `p=${t}`;
}

/** A time in seconds with a unit that suits it: "1.234 s", "12.345 ms", "312.50 µs", "687.3 ns". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return 'n/a';
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(2)} µs`;
  return `${(s * 1e9).toFixed(1)} ns`;
}

interface Estimate {
  ratio: number;
  low: number;
  high: number;
  logSe: number;
  p: number;
  method: 'mann-whitney' | 'summary';
}

function medianOf(run: BenchmarkRun): number {
  return run.samples.length > 0 ? percentileSorted(sortedCopy(run.samples), 0.5) : (run.summary?.median ?? NaN);
}

function runsOf(run: BenchmarkRun): number {
  return run.samples.length > 0 ? run.samples.length : (run.summary?.n ?? 0);
}

/** Standard error of the median from a summary: IQR/1.349 estimates sigma (else stddev); 1.2533·σ/√n. */
export function summaryMedianSe(s: SummaryOnly): number {
  const sigma = s.q1 !== undefined && s.q3 !== undefined && s.q3 > s.q1 ? (s.q3 - s.q1) / 1.349 : s.stddev;
  return (1.2533 * sigma) / Math.sqrt(Math.max(1, s.n));
}

function estimate(base: BenchmarkRun, cur: BenchmarkRun, confidence: number, resamples: number): Estimate {
  if (base.samples.length >= 2 && cur.samples.length >= 2) {
    const r = bootstrapRatioCi(base.samples, cur.samples, { confidence, resamples, seed: seedFrom(cur.name) });
    return { ...r, p: mannWhitneyU(base.samples, cur.samples).p, method: 'mann-whitney' };
  }
  const mb = medianOf(base);
  const mc = medianOf(cur);
  const seB = base.samples.length ? NaN : summaryMedianSe(base.summary!) / mb;
  const seC = cur.samples.length ? NaN : summaryMedianSe(cur.summary!) / mc;
  const logSe = Math.sqrt((Number.isFinite(seB) ? seB ** 2 : 0) + (Number.isFinite(seC) ? seC ** 2 : 0));
  const ratio = mc / mb;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = logSe > 0 ? 2 * normalSf(Math.abs(Math.log(ratio)) / logSe) : ratio === 1 ? 1 : 0;
  return {
    ratio,
    low: Math.exp(Math.log(ratio) - z * logSe),
    high: Math.exp(Math.log(ratio) + z * logSe),
    logSe,
    p,
    method: 'summary',
  };
}

/** The decision rule, on its own so that the simulation in `npm run bench` measures exactly this. */
export function decide(
  ratio: number,
  ciLow: number,
  ciHigh: number,
  p: number,
  threshold: number,
  alpha: number,
): { verdict: Verdict; significant: boolean } {
  const significant = p < alpha;
  if (significant && ratio > 1 && ciHigh >= 1 + threshold) return { verdict: 'regression', significant };
  if (significant && ratio < 1 && ciLow <= 1 - threshold) return { verdict: 'improvement', significant };
  return { verdict: 'no-change', significant };
}

export function compareRuns(base: BenchmarkRun, cur: BenchmarkRun, options: CompareOptions = {}): BenchmarkComparison {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const confidence = options.confidence ?? 0.95;
  const e = estimate(base, cur, confidence, options.resamples ?? 2000);
  const { verdict, significant } = decide(e.ratio, e.low, e.high, e.p, threshold, alpha);
  const minDetectable = Math.exp((normalQuantile(1 - alpha / 2) + normalQuantile(0.8)) * e.logSe) - 1;
  const baselineRuns = runsOf(base);
  const currentRuns = runsOf(cur);
  const change = e.ratio - 1;
  const ci = `${Math.round(confidence * 100)}% CI of the ratio ${e.low.toFixed(3)}–${e.high.toFixed(3)}`;
  const runs = `${baselineRuns} vs ${currentRuns} runs`;
  let summary: string;
  if (verdict === 'regression') summary = `${pct(change)} slower (${formatP(e.p)}; ${ci}; ${runs})`;
  else if (verdict === 'improvement') summary = `${pct(-change)} faster (${formatP(e.p)}; ${ci}; ${runs})`;
  else if (significant)
    summary = `${change >= 0 ? '+' : ''}${pct(change)}: significant (${formatP(e.p)}) but the ${ci} stays within the ${pct(threshold, 0)} threshold`;
  else
    summary = `no difference detected (${formatP(e.p)}, ${runs}); with this noise only changes beyond ±${pct(minDetectable)} would be detected`;
  if (e.method === 'summary') summary += '; compared from summary statistics (no samples in the file)';
  const conditions = gpuConditionsChange(base, cur);
  if (conditions) summary += `; ${conditions}`;
  return {
    name: cur.name,
    baselineMedian: medianOf(base),
    currentMedian: medianOf(cur),
    ratio: e.ratio,
    ciLow: e.low,
    ciHigh: e.high,
    pValue: e.p,
    verdict,
    significant,
    baselineRuns,
    currentRuns,
    method: e.method,
    minDetectable,
    summary,
    conditions,
    location: cur.location ?? base.location,
  };
}

/**
 * "GPU 0 SM clock 1980 → 1410 MHz (median), temperature up to 71 → 88 °C": when the clocks the two
 * runs saw differ by more than 5% (throttling, another power cap) or the peak temperature by more
 * than 10 °C, the comparison says so; a change of speed may be the GPU's, not the code's.
 */
export function gpuConditionsChange(base: BenchmarkRun, cur: BenchmarkRun): string | undefined {
  const parts: string[] = [];
  for (const g of cur.gpu ?? []) {
    const b = base.gpu?.find((x) => x.index === g.index);
    if (!b) continue;
    const bc = b.smClockMHz?.median;
    const cc = g.smClockMHz?.median;
    const clock = bc && cc && Math.abs(cc / bc - 1) > 0.05 ? `SM clock ${bc} → ${cc} MHz (median)` : undefined;
    const bt = b.temperatureC?.max;
    const ct = g.temperatureC?.max;
    const temp =
      bt !== undefined && ct !== undefined && Math.abs(ct - bt) > 10 ? `temperature up to ${bt} → ${ct} °C` : undefined;
    if (clock || temp) parts.push(`GPU ${g.index} ${[clock, temp].filter(Boolean).join(', ')}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

function describeEnvironment(env: EnvironmentFingerprint): Map<string, string> {
  const facts = new Map<string, string>();
  if (env.os) facts.set('OS', `${env.os.platform} ${env.os.release} ${env.os.arch}`);
  if (env.cpu) facts.set('CPU', `${env.cpu.model} × ${env.cpu.cores}`);
  if (env.memoryBytes) facts.set('memory', `${Math.round(env.memoryBytes / 2 ** 30)} GiB`);
  if (env.python) facts.set('Python', env.python.version);
  if (env.torch) facts.set('torch', `${env.torch.version}${env.torch.cuda ? ` (CUDA ${env.torch.cuda})` : ''}`);
  if (env.gpus?.length) facts.set('GPU', env.gpus.map((g) => g.name).join(', '));
  const drivers = env.gpus?.map((g) => g.driver).filter(Boolean);
  if (drivers?.length) facts.set('driver', [...new Set(drivers)].join(', '));
  return facts;
}

export function environmentDifferences(a: EnvironmentFingerprint, b: EnvironmentFingerprint): string[] {
  const fa = describeEnvironment(a);
  const fb = describeEnvironment(b);
  const out: string[] = [];
  for (const [key, va] of fa) {
    const vb = fb.get(key);
    if (vb !== undefined && vb !== va) out.push(`${key}: ${va} → ${vb}`);
  }
  return out;
}

function comparedSet(set: BenchmarkResultSet): ComparedSet {
  return {
    id: set.id,
    createdAt: set.createdAt,
    baseline: set.baseline,
    commit: set.environment.git?.commit,
    dirty: set.environment.git?.dirty,
    origin: set.origin,
  };
}

function usable(run: BenchmarkRun): string | undefined {
  if (run.samples.length >= 2) return undefined;
  if (run.samples.length === 0 && run.summary && run.summary.n >= 2) return undefined;
  return run.error ?? `${runsOf(run)} measured run${runsOf(run) === 1 ? '' : 's'}, at least 2 are needed`;
}

/**
 * A ratio to a median of 0 (or to no number at all) is no comparison: +Infinity% and a NaN
 * interval would read as "no change" and let a CI gate pass. It is an error naming the file and
 * the benchmark.
 */
function checkMedian(set: BenchmarkResultSet, run: BenchmarkRun): void {
  const median = medianOf(run);
  if (Number.isFinite(median) && median > 0) return;
  throw new FormatError(
    set.readFrom ?? set.origin ?? set.baseline ?? set.id,
    `benchmark "${run.name}"`,
    `its median time is ${median} s: a change relative to it cannot be measured (re-run it, or compare with other results)`,
  );
}

export function compareResultSets(
  baseline: BenchmarkResultSet,
  current: BenchmarkResultSet,
  options: CompareOptions = {},
): Comparison {
  const byName = new Map(baseline.benchmarks.map((b) => [b.name, b]));
  const currentNames = new Set(current.benchmarks.map((b) => b.name));
  const benchmarks: BenchmarkComparison[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const onlyInCurrent: string[] = [];
  for (const cur of current.benchmarks) {
    const base = byName.get(cur.name);
    if (!base) {
      onlyInCurrent.push(cur.name);
      continue;
    }
    const reason = usable(base) ? `baseline: ${usable(base)}` : usable(cur) ? `current: ${usable(cur)}` : undefined;
    if (reason) {
      skipped.push({ name: cur.name, reason });
      continue;
    }
    checkMedian(baseline, base);
    checkMedian(current, cur);
    benchmarks.push(compareRuns(base, cur, options));
  }
  return {
    kind: 'comparison',
    baseline: comparedSet(baseline),
    current: comparedSet(current),
    threshold: options.threshold ?? DEFAULT_THRESHOLD,
    alpha: options.alpha ?? DEFAULT_ALPHA,
    confidence: options.confidence ?? 0.95,
    benchmarks,
    onlyInBaseline: baseline.benchmarks.filter((b) => !currentNames.has(b.name)).map((b) => b.name),
    onlyInCurrent,
    skipped,
    environmentDifferences: environmentDifferences(baseline.environment, current.environment),
  };
}

/** The first clause of a reason, for a lens or a table cell ("one session each"). */
export function shortReason(reason: string): string {
  return reason.split(/[;(]/)[0].trim();
}

/** The CodeLens text: "▲ 12.4% slower than main (p=0.002, 30 runs)" and friends. */
export function lensText(c: BenchmarkComparison, baselineLabel: string): string {
  const change = c.ratio - 1;
  if (c.verdict === 'regression')
    return `▲ ${pct(change)} slower than ${baselineLabel} (${formatP(c.pValue)}, ${c.currentRuns} runs)`;
  if (c.verdict === 'improvement')
    return `▼ ${pct(-change)} faster than ${baselineLabel} (${formatP(c.pValue)}, ${c.currentRuns} runs)`;
  if (c.verdict === 'inconclusive') return `? inconclusive vs ${baselineLabel}: ${shortReason(c.reason ?? '')}`;
  if (c.significant)
    return `≈ ${change >= 0 ? '+' : ''}${pct(change)} vs ${baselineLabel}, within the threshold (${formatP(c.pValue)})`;
  return `no significant change vs ${baselineLabel} (${formatP(c.pValue)}, ${c.currentRuns} runs; ±${pct(c.minDetectable)} detectable)`;
}
