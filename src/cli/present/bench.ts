/** `bench` and `compare`: benchmark results and comparisons, as tables or JSON. */
import { visibleName as v } from '../../core/util/visibleText';
import { describeSamples, seedFrom } from '../../core/analysis/bench/benchStats';
import { formatSeconds, pValueText, type Comparison } from '../../core/analysis/bench/benchCompare';
import type { BenchmarkResultSet, BenchmarkRun } from '../../core/model/bench';
import { table } from './table';

export function runStats(run: BenchmarkRun, setId: string) {
  const s = describeSamples(run.samples, { seed: seedFrom(`${setId}/${run.name}`) });
  return {
    name: run.name,
    runs: s.n,
    median: s.median,
    mean: s.mean,
    stddev: s.stddev,
    cv: s.cv,
    min: s.min,
    max: s.max,
    p50: s.p50,
    p90: s.p90,
    p95: s.p95,
    p99: s.p99,
    ciLow: s.medianCi[0],
    ciHigh: s.medianCi[1],
    outliers: s.outliers.length,
    warmup: run.warmup ?? null,
    timing: run.timing,
    error: run.error ?? null,
    gpu: run.gpu ?? null,
    location: run.location ?? null,
  };
}

export function benchResultsJson(results: BenchmarkResultSet, file: string, cancelled: boolean) {
  return {
    kind: 'bench-results',
    id: results.id,
    file,
    cancelled,
    environment: results.environment,
    benchmarks: results.benchmarks.map((r) => runStats(r, results.id)),
  };
}

export function benchResultsText(results: BenchmarkResultSet): string {
  const rows = [['benchmark', 'runs', 'median', '95% CI of median', 'p90', 'p99', 'CV', 'outliers', 'timing']];
  for (const s of results.benchmarks.map((r) => runStats(r, results.id))) {
    rows.push([
      s.name,
      String(s.runs),
      formatSeconds(s.median),
      s.runs > 1 ? `${formatSeconds(s.ciLow)} – ${formatSeconds(s.ciHigh)}` : '',
      formatSeconds(s.p90),
      formatSeconds(s.p99),
      Number.isFinite(s.cv) ? `${(s.cv * 100).toFixed(1)}%` : '',
      String(s.outliers),
      s.timing,
    ]);
  }
  let out = table(rows, new Set([1, 2, 4, 5, 6, 7]));
  for (const r of results.benchmarks) {
    for (const g of r.gpu ?? []) {
      const sm = g.smClockMHz ? `${g.smClockMHz.min}–${g.smClockMHz.max} MHz` : 'n/a';
      const temp = g.temperatureC ? `${g.temperatureC.min}–${g.temperatureC.max} °C` : 'n/a';
      out += `  ${v(r.name)}: GPU ${g.index} ${v(g.name ?? '')} SM clock ${sm}, temperature ${temp}\n`;
    }
    if (r.error) out += `  ${v(r.name)}: ${v(r.error.split('\n')[0])}\n`;
  }
  return out;
}

/** The machine a result set was measured on, in one line. */
export function environmentLine(results: BenchmarkResultSet): string {
  const env = results.environment;
  const git = env.git;
  const python = env.python ? `Python ${env.python.version}` : 'no Python';
  const torch = env.torch ? `, torch ${env.torch.version}` : '';
  const commit = git ? `, commit ${git.commit.slice(0, 8)}${git.dirty ? ' (uncommitted changes)' : ''}` : '';
  return `${env.cpu?.model ?? 'unknown CPU'}, ${python}${torch}${commit}`;
}

/** A result set's name in a comparison: its baseline name, or the reference with its commit. */
export function resultLabel(set: BenchmarkResultSet, ref: string): string {
  const git = set.environment.git;
  return set.baseline ?? (git ? `${ref} (${git.commit.slice(0, 8)}${git.dirty ? '+' : ''})` : ref);
}

export function comparisonJson(c: Comparison) {
  return {
    kind: 'comparison',
    design: c.design ?? 'sessions',
    threshold: c.threshold,
    alpha: c.alpha,
    baseline: c.baseline,
    current: c.current,
    benchmarks: c.benchmarks.map((b) => ({
      name: b.name,
      baselineMedian: b.baselineMedian,
      currentMedian: b.currentMedian,
      ratio: b.ratio,
      ciLow: b.ciLow,
      ciHigh: b.ciHigh,
      pValue: b.pValue,
      verdict: b.verdict,
      reason: b.reason ?? null,
      drift: b.drift ?? null,
      sessions: b.sessions ?? null,
      blockPairs: b.blockPairs ?? null,
      calibration: b.calibration ?? null,
      baselineRuns: b.baselineRuns,
      currentRuns: b.currentRuns,
      method: b.method,
      minDetectable: b.minDetectable,
      summary: b.summary,
    })),
    onlyInBaseline: c.onlyInBaseline,
    onlyInCurrent: c.onlyInCurrent,
    skipped: c.skipped,
    environmentDifferences: c.environmentDifferences,
  };
}

export function comparisonText(c: Comparison, baseLabel: string, curLabel: string): string {
  const design = c.design === 'interleaved' ? ', interleaved in one session' : '';
  let out = `${v(baseLabel)} → ${v(curLabel)}: threshold ${(c.threshold * 100).toFixed(1)}%, alpha ${c.alpha}${design}\n`;
  const rows = [['benchmark', 'baseline', 'current', 'change', '95% CI of ratio', 'p', 'verdict']];
  for (const b of c.benchmarks) {
    rows.push([
      b.name,
      formatSeconds(b.baselineMedian),
      formatSeconds(b.currentMedian),
      `${b.ratio >= 1 ? '+' : ''}${((b.ratio - 1) * 100).toFixed(1)}%`,
      Number.isFinite(b.ciLow) ? `${b.ciLow.toFixed(3)}–${b.ciHigh.toFixed(3)}` : 'n/a',
      pValueText(b.pValue),
      b.verdict,
    ]);
  }
  out += table(rows, new Set([1, 2, 3, 5]));
  for (const b of c.benchmarks) out += `  ${v(b.name)}: ${v(b.summary)}\n`;
  for (const s of c.skipped) out += `  ${v(s.name)}: not compared (${v(s.reason)})\n`;
  if (c.onlyInBaseline.length) out += `  only in the baseline: ${c.onlyInBaseline.join(', ')}\n`;
  if (c.onlyInCurrent.length) out += `  new (no baseline): ${c.onlyInCurrent.join(', ')}\n`;
  if (c.environmentDifferences.length) out += `  environment changed: ${c.environmentDifferences.join('; ')}\n`;
  return out;
}
