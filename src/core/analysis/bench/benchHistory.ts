/**
 * History of one benchmark across result sets (oldest first), its points with confidence bands,
 * and change points: where the level of the series steps. Binary segmentation of log(median):
 * a split is kept when the two sides differ by more than the threshold and by more than four
 * noise units (noise from the MAD of successive differences, and at least the points' own
 * interval widths), with at least two points on each side.
 */
import type { BenchmarkResultSet, BenchmarkRun } from '../../model/bench';
import { describeSamples, percentileSorted, seedFrom, sortedCopy } from './benchStats';
import { summaryMedianSe } from './benchCompare';

export interface HistoryPoint {
  setId: string;
  createdAt: string;
  commit?: string;
  dirty?: boolean;
  baseline?: string;
  median: number;
  ciLow: number;
  ciHigh: number;
  runs: number;
  /** Median SM clock of the first GPU while it ran, when recorded (throttling shows here). */
  smClockMHz?: number;
  temperatureMaxC?: number;
}

export interface BenchmarkHistory {
  name: string;
  points: HistoryPoint[];
  /** Indices of points where a new level starts. */
  changePoints: number[];
}

export function historyPoint(set: BenchmarkResultSet, run: BenchmarkRun): HistoryPoint | undefined {
  let median: number;
  let ciLow: number;
  let ciHigh: number;
  let runs: number;
  if (run.samples.length > 0) {
    const s = describeSamples(run.samples, { resamples: 500, seed: seedFrom(`${set.id}/${run.name}`) });
    ({ median } = s);
    [ciLow, ciHigh] = s.medianCi;
    runs = s.n;
  } else if (run.summary) {
    median = run.summary.median;
    const se = summaryMedianSe(run.summary);
    ciLow = median - 1.96 * se;
    ciHigh = median + 1.96 * se;
    runs = run.summary.n;
  } else return undefined;
  const gpu = run.gpu?.[0];
  return {
    setId: set.id,
    createdAt: set.createdAt,
    commit: set.environment.git?.commit,
    dirty: set.environment.git?.dirty,
    baseline: set.baseline,
    median,
    ciLow,
    ciHigh,
    runs,
    smClockMHz: gpu?.smClockMHz?.median,
    temperatureMaxC: gpu?.temperatureC?.max,
  };
}

/** Histories of every benchmark in `sets` (any order; sorted by time here). */
export function buildHistories(sets: readonly BenchmarkResultSet[], threshold = 0.05): BenchmarkHistory[] {
  const ordered = [...sets].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const byName = new Map<string, HistoryPoint[]>();
  for (const set of ordered) {
    for (const run of set.benchmarks) {
      const p = historyPoint(set, run);
      if (!p) continue;
      let list = byName.get(run.name);
      if (!list) byName.set(run.name, (list = []));
      list.push(p);
    }
  }
  return [...byName].map(([name, points]) => ({ name, points, changePoints: detectChangePoints(points, threshold) }));
}

function meanOf(values: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i];
  return s / (to - from);
}

export function detectChangePoints(
  points: readonly Pick<HistoryPoint, 'median' | 'ciLow' | 'ciHigh'>[],
  threshold = 0.05,
  minSegment = 2,
): number[] {
  const logs = points.map((p) => Math.log(p.median));
  if (logs.length < 2 * minSegment || logs.some((v) => !Number.isFinite(v))) return [];
  const diffs = sortedCopy(logs.slice(1).map((v, i) => Math.abs(v - logs[i])));
  const robust = (1.4826 * percentileSorted(diffs, 0.5)) / Math.SQRT2;
  const widths = sortedCopy(
    points.map((p) => (p.ciHigh > 0 && p.ciLow > 0 ? (Math.log(p.ciHigh) - Math.log(p.ciLow)) / 3.92 : 0)),
  );
  const noise = Math.max(robust, percentileSorted(widths, 0.5), 1e-9);
  const minStep = Math.log(1 + threshold);
  const found: number[] = [];
  const split = (from: number, to: number): void => {
    if (to - from < 2 * minSegment) return;
    let best = -1;
    let bestScore = 0;
    let bestStep = 0;
    for (let k = from + minSegment; k <= to - minSegment; k++) {
      const step = meanOf(logs, k, to) - meanOf(logs, from, k);
      const score = Math.abs(step) / (noise * Math.sqrt(1 / (k - from) + 1 / (to - k)));
      if (score > bestScore) {
        bestScore = score;
        best = k;
        bestStep = step;
      }
    }
    if (best < 0 || bestScore < 4 || Math.abs(bestStep) < minStep) return;
    found.push(best);
    split(from, best);
    split(best, to);
  };
  split(0, logs.length);
  return found.sort((a, b) => a - b);
}

/** What the benchmark view is sent: a comparison (when there is a baseline) and the histories. */
export interface BenchViewData {
  title: string;
  baselineLabel?: string;
  currentLabel: string;
  comparison?: import('./benchCompare').Comparison;
  histories: BenchmarkHistory[];
  /** Benchmark to select first (a CodeLens click). */
  focus?: string;
  /** Files of the store that could not be read. */
  problems: string[];
}
