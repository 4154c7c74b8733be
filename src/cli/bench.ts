/**
 * `flamelens bench`, `flamelens compare` and `flamelens diff`: benchmarks and comparisons for the
 * terminal and CI. Tables go to stdout (or JSON with --json), progress to stderr.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBenchConfig, parseThreshold, type BenchConfig } from '../core/formats/bench/benchConfig';
import { runBenchmarks } from '../core/runners/bench/benchRunner';
import { saveBaseline, saveResults, resolveResults, checkBaselineName } from '../core/store/benchStore';
import { describeSamples, seedFrom } from '../core/analysis/bench/benchStats';
import {
  compareResultSets,
  DEFAULT_ALPHA,
  DEFAULT_THRESHOLD,
  formatSeconds,
  pValueText,
  type Comparison,
} from '../core/analysis/bench/benchCompare';
import { diffProfiles } from '../core/analysis/cpu/profileDiff';
import { readProfile } from '../core/formats/cpu/readProfile';
import { FormatError } from '../core/formats/formatError';
import type { BenchmarkResultSet, BenchmarkRun } from '../core/model/bench';
import { UsageError } from './usage';
import { passThrough } from './terminal';

export const BENCH_HELP = `
bench: runs the benchmarks of flamelens.bench.json (or --config FILE): warmup, then measured
runs, each timed (CUDA events when a Python callable uses CUDA), with the environment
fingerprint and GPU clocks; results go to .flamelens/bench/results/ (and to the baseline NAME
with --save-baseline). Exit 1 if a benchmark failed (what it measured is kept).
compare: BASELINE and CURRENT are result files (flamelens or pytest-benchmark JSON), baseline
names, or "latest". A regression is a slowdown that is significant (Mann–Whitney, p < alpha) and
whose confidence interval reaches the threshold; with --fail-on-regression the exit status is 1
when there is one. diff: two CPU profiles of the same program, functions by change in self time.
`;

function table(rows: string[][], right: Set<number>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function runStats(run: BenchmarkRun, setId: string) {
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

async function loadConfig(file: string): Promise<BenchConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(
      file,
      '',
      code === 'ENOENT'
        ? 'no benchmark configuration here: create flamelens.bench.json (see the README) or pass --config FILE'
        : `cannot read the file (${code})`,
    );
  }
  return parseBenchConfig(text, file);
}

export async function benchCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'save-baseline': { type: 'string' },
      json: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      python: { type: 'string' },
    },
  });
  if (positionals.length) throw new UsageError(`bench takes no positional arguments (got "${positionals[0]}")`);
  if (values['save-baseline'] !== undefined) {
    try {
      checkBaselineName(values['save-baseline']);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const configFile = path.resolve(values.config ?? 'flamelens.bench.json');
  const config = await loadConfig(configFile);
  const root = path.dirname(configFile);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { results, cancelled } = await runBenchmarks({
      root,
      config,
      python: values.python ?? process.env.FLAMELENS_PYTHON ?? 'python3',
      helperScript: path.join(__dirname, '..', 'media', 'flamelens_bench.py'),
      only: values.only,
      signal: controller.signal,
      onProgress: (m) => process.stderr.write(`flamelens: ${m}\n`),
      onOutput: (line) => passThrough(line, 'stderr'),
    });
    const file = await saveResults(root, results);
    process.stderr.write(`flamelens: results saved to ${path.relative(process.cwd(), file) || file}\n`);
    if (values['save-baseline']) {
      const b = await saveBaseline(root, values['save-baseline'], results);
      process.stderr.write(
        `flamelens: saved as baseline "${values['save-baseline']}" (${path.relative(process.cwd(), b)})\n`,
      );
    }
    const stats = results.benchmarks.map((r) => runStats(r, results.id));
    if (values.json) {
      process.stdout.write(
        JSON.stringify(
          {
            kind: 'bench-results',
            id: results.id,
            file,
            cancelled,
            environment: results.environment,
            benchmarks: stats,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      const rows = [['benchmark', 'runs', 'median', '95% CI of median', 'p90', 'p99', 'CV', 'outliers', 'timing']];
      for (const s of stats) {
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
      process.stdout.write(table(rows, new Set([1, 2, 4, 5, 6, 7])));
      for (const r of results.benchmarks) {
        for (const g of r.gpu ?? []) {
          process.stdout.write(
            `  ${r.name}: GPU ${g.index} ${g.name ?? ''} SM clock ${g.smClockMHz ? `${g.smClockMHz.min}–${g.smClockMHz.max} MHz` : 'n/a'}, temperature ${g.temperatureC ? `${g.temperatureC.min}–${g.temperatureC.max} °C` : 'n/a'}\n`,
          );
        }
        if (r.error) process.stdout.write(`  ${r.name}: ${r.error.split('\n')[0]}\n`);
      }
    }
    const git = results.environment.git;
    process.stderr.write(
      `flamelens: ${results.environment.cpu?.model ?? 'unknown CPU'}, ${results.environment.python ? `Python ${results.environment.python.version}` : 'no Python'}${results.environment.torch ? `, torch ${results.environment.torch.version}` : ''}${git ? `, commit ${git.commit.slice(0, 8)}${git.dirty ? ' (uncommitted changes)' : ''}` : ''}\n`,
    );
    if (cancelled) {
      process.stderr.write('flamelens: cancelled; the runs measured so far are saved\n');
      return 1;
    }
    return results.benchmarks.some((b) => b.error) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function label(set: BenchmarkResultSet, ref: string): string {
  return (
    set.baseline ??
    (set.environment.git
      ? `${ref} (${set.environment.git.commit.slice(0, 8)}${set.environment.git.dirty ? '+' : ''})`
      : ref)
  );
}

export function comparisonJson(c: Comparison) {
  return {
    kind: 'comparison',
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

export async function compareCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      threshold: { type: 'string' },
      alpha: { type: 'string' },
      'fail-on-regression': { type: 'boolean' },
      json: { type: 'boolean' },
      config: { type: 'string' },
    },
  });
  if (positionals.length !== 2)
    throw new UsageError('compare takes BASELINE and CURRENT (files, baseline names or "latest")');
  const root = values.config ? path.dirname(path.resolve(values.config)) : process.cwd();
  const configFile = path.resolve(values.config ?? 'flamelens.bench.json');
  const config = await fs.stat(configFile).then(
    () => loadConfig(configFile),
    () => undefined,
  );
  let threshold = config?.threshold ?? DEFAULT_THRESHOLD;
  if (values.threshold !== undefined) {
    const t = parseThreshold(values.threshold);
    if (t === undefined) throw new UsageError(`--threshold must be a percentage like 5% (got "${values.threshold}")`);
    threshold = t;
  }
  let alpha = config?.alpha ?? DEFAULT_ALPHA;
  if (values.alpha !== undefined) {
    alpha = Number(values.alpha);
    if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha must be between 0 and 0.5 (got "${values.alpha}")`);
  }
  const [baseRef, curRef] = positionals;
  const [base, cur] = await Promise.all([resolveResults(root, baseRef), resolveResults(root, curRef)]);
  const c = compareResultSets(base, cur, { threshold, alpha });
  const regressions = c.benchmarks.filter((b) => b.verdict === 'regression');
  if (values.json) {
    process.stdout.write(JSON.stringify(comparisonJson(c), null, 2) + '\n');
  } else {
    process.stdout.write(
      `${label(base, baseRef)} → ${label(cur, curRef)}: threshold ${(threshold * 100).toFixed(1)}%, alpha ${alpha}\n`,
    );
    const rows = [['benchmark', 'baseline', 'current', 'change', '95% CI of ratio', 'p', 'verdict']];
    for (const b of c.benchmarks) {
      rows.push([
        b.name,
        formatSeconds(b.baselineMedian),
        formatSeconds(b.currentMedian),
        `${b.ratio >= 1 ? '+' : ''}${((b.ratio - 1) * 100).toFixed(1)}%`,
        `${b.ciLow.toFixed(3)}–${b.ciHigh.toFixed(3)}`,
        pValueText(b.pValue),
        b.verdict,
      ]);
    }
    process.stdout.write(table(rows, new Set([1, 2, 3, 5])));
    for (const b of c.benchmarks) process.stdout.write(`  ${b.name}: ${b.summary}\n`);
    for (const s of c.skipped) process.stdout.write(`  ${s.name}: not compared (${s.reason})\n`);
    if (c.onlyInBaseline.length) process.stdout.write(`  only in the baseline: ${c.onlyInBaseline.join(', ')}\n`);
    if (c.onlyInCurrent.length) process.stdout.write(`  new (no baseline): ${c.onlyInCurrent.join(', ')}\n`);
    if (c.environmentDifferences.length)
      process.stdout.write(`  environment changed: ${c.environmentDifferences.join('; ')}\n`);
  }
  if (regressions.length)
    process.stderr.write(
      `flamelens: ${regressions.length} regression${regressions.length > 1 ? 's' : ''}: ${regressions.map((r) => r.name).join(', ')}\n`,
    );
  return values['fail-on-regression'] && regressions.length > 0 ? 1 : 0;
}

export async function diffCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, top: { type: 'string' } },
  });
  if (positionals.length !== 2) throw new UsageError('diff takes BASE_PROFILE and NEW_PROFILE');
  const top = values.top !== undefined ? Number(values.top) : 20;
  if (!Number.isInteger(top) || top <= 0) throw new UsageError(`--top must be a positive integer, got "${values.top}"`);
  const [base, cur] = await Promise.all(positionals.map((f) => readProfile(f)));
  const d = diffProfiles(base, cur);
  const rows = d.functions.filter((f) => Math.abs(f.selfDeltaPts) >= 0.05 || Math.abs(f.totalDeltaPts) >= 0.05);
  if (values.json) {
    const r2 = (x: number) => Math.round(x * 100) / 100;
    process.stdout.write(
      JSON.stringify(
        {
          kind: 'profile-diff',
          base: { file: positionals[0], total: d.baseTotal },
          new: { file: positionals[1], total: d.newTotal },
          unit: d.unit,
          functions: rows.map((f) => ({
            name: f.name,
            file: f.file ?? null,
            line: f.line ?? null,
            baseSelfPct: r2(f.baseSelfPct),
            newSelfPct: r2(f.newSelfPct),
            selfDeltaPts: r2(f.selfDeltaPts),
            baseTotalPct: r2(f.baseTotalPct),
            newTotalPct: r2(f.newTotalPct),
            totalDeltaPts: r2(f.totalDeltaPts),
          })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const show = (list: typeof rows, title: string) => {
    if (!list.length) return;
    process.stdout.write(`${title}\n`);
    const t = [['self Δ', 'self', 'total Δ', 'function', 'location']];
    for (const f of list)
      t.push([
        `${f.selfDeltaPts >= 0 ? '+' : ''}${f.selfDeltaPts.toFixed(1)} pts`,
        `${f.baseSelfPct.toFixed(1)}% → ${f.newSelfPct.toFixed(1)}%`,
        `${f.totalDeltaPts >= 0 ? '+' : ''}${f.totalDeltaPts.toFixed(1)}`,
        f.name,
        f.file ? `${f.file}:${f.line ?? '?'}` : '',
      ]);
    process.stdout.write(table(t, new Set([0, 1, 2])));
  };
  process.stdout.write(
    `${positionals[0]} (${d.baseTotal.toLocaleString('en-US')} ${d.unit}) → ${positionals[1]} (${d.newTotal.toLocaleString('en-US')} ${d.unit})\n`,
  );
  show(rows.filter((f) => f.selfDeltaPts > 0).slice(0, top), 'grew:');
  show(
    rows
      .filter((f) => f.selfDeltaPts < 0)
      .sort((a, b) => a.selfDeltaPts - b.selfDeltaPts)
      .slice(0, top),
    'shrank:',
  );
  return 0;
}
