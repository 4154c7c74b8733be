/**
 * The calibration probe's part in comparisons. Callables timed by the wall clock also time a fixed
 * pure-Python probe in every process (media/flamelens_bench.py, `BenchmarkRun.calibration`): a
 * process that landed on a CPU a neighbour shares, or ran at a low clock, is slow in both.
 *
 * - Separate sessions: per process, y − β·x (y, x: the logs of its runs' median and its probe's),
 *   β fitted over the processes within sessions (`withinSlope`); a session's level is the median
 *   of those over its processes (`sessionLevel`).
 * - Interleaved: each block pair's log-ratio less β times the probe's log-ratio in the block, β
 *   fitted over the blocks (`probeAdjust`).
 * Either slope stays within [0, 2] and is near 0 where the probe only varies by its own noise.
 */
import type { BenchmarkRun } from '../../model/bench';
import { median } from './benchStats';

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** One process of a session: the log of its runs' median, and of its probe's median when it has one. */
export interface ProcessLevel {
  y: number;
  x?: number;
}

/**
 * A run's processes (its `blocks`, one process when it has none). `fallback` is the median to use
 * for a run without samples (a summary-only file).
 */
export function processLevels(run: BenchmarkRun, fallback?: number): ProcessLevel[] {
  const groups = new Map<number, number[]>();
  run.samples.forEach((v, i) => {
    const k = run.blocks?.[i] ?? 0;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(v);
  });
  const out: ProcessLevel[] = [];
  for (const [k, values] of [...groups].sort((a, b) => a[0] - b[0])) {
    const m = median(values);
    if (!positive(m)) continue;
    const c = run.calibration?.[k];
    out.push({ y: Math.log(m), x: positive(c) ? Math.log(c) : undefined });
  }
  if (out.length === 0 && positive(fallback)) out.push({ y: Math.log(fallback) });
  return out;
}

/** Every process of the run has its probe. */
export const fullyCalibrated = (levels: readonly ProcessLevel[]) =>
  levels.length > 0 && levels.every((l) => l.x !== undefined);

/**
 * How much of a process's speed the probe tells: the least-squares slope of y on x pooled over the
 * processes within each session (a session's own level taken out), kept within [0, 2]. Undefined
 * when no session has two calibrated processes whose probe differed. Where the probe only varies
 * by its own noise the slope comes out near 0 and calibrating changes little.
 */
export function withinSlope(sessions: readonly (readonly ProcessLevel[])[]): number | undefined {
  let sxx = 0;
  let sxy = 0;
  for (const levels of sessions) {
    if (levels.length < 2 || !fullyCalibrated(levels)) continue;
    const mx = levels.reduce((a, l) => a + l.x!, 0) / levels.length;
    const my = levels.reduce((a, l) => a + l.y, 0) / levels.length;
    for (const l of levels) {
      sxx += (l.x! - mx) ** 2;
      sxy += (l.x! - mx) * (l.y - my);
    }
  }
  return sxx > 1e-12 ? Math.min(2, Math.max(0, sxy / sxx)) : undefined;
}

/**
 * A session's level: the median over its processes of y − slope·x (with slope 0, the median of the
 * process medians: a process that landed in a far state moves it little), and its standard error
 * from the processes' spread (median absolute deviation) when there are at least three.
 */
export function sessionLevel(levels: readonly ProcessLevel[], slope: number): { level: number; se?: number } {
  const v = levels.map((l) => l.y - (slope ? slope * l.x! : 0));
  const level = median(v);
  if (v.length < 3) return { level };
  const mad = median(v.map((x) => Math.abs(x - level)));
  return { level, se: (1.2533 * 1.4826 * mad) / Math.sqrt(v.length) };
}

/** Fewest block pairs a probe adjustment is fitted on (it costs one degree of freedom). */
const MIN_ADJUSTED_PAIRS = 4;

/**
 * Block log-ratios adjusted by the probe's log-ratios in the same blocks: r − βq, with β the
 * least-squares slope of r on q, kept within [0, 2] (a machine that slows the probe cannot speed
 * the benchmark up, nor slow it much more than proportionally). The mean of the adjusted values is
 * the regression's intercept: the change at equal machine speed on both sides. It assumes the code
 * under test does not move the probe, which runs the same code on both sides. Nothing when a
 * block lacks its probe, there are too few blocks, or the probe did not vary.
 */
export function probeAdjust(
  r: readonly number[],
  q: readonly (number | undefined)[],
): { values: number[]; slope: number; spreadRaw: number } | undefined {
  const n = r.length;
  if (n < MIN_ADJUSTED_PAIRS || q.length !== n || q.some((x) => x === undefined)) return undefined;
  const qs = q as number[];
  const mr = r.reduce((a, x) => a + x, 0) / n;
  const mq = qs.reduce((a, x) => a + x, 0) / n;
  let sqq = 0;
  let srq = 0;
  let srr = 0;
  for (let i = 0; i < n; i++) {
    sqq += (qs[i] - mq) ** 2;
    srq += (qs[i] - mq) * (r[i] - mr);
    srr += (r[i] - mr) ** 2;
  }
  if (!(Math.sqrt(sqq / n) > 1e-9)) return undefined;
  const slope = Math.min(2, Math.max(0, srq / sqq));
  return { values: r.map((x, i) => x - slope * qs[i]), slope, spreadRaw: Math.sqrt(srr / (n - 1)) };
}
