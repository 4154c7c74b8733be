/**
 * The calibration probe's part in comparisons. Callables timed by the wall clock also time a fixed
 * pure-Python probe in every process (media/flamelens_bench.py, `BenchmarkRun.calibration`): a
 * process that landed on a CPU a neighbour shares, or ran at a low clock, is slow in both.
 */
import type { BenchmarkRun } from '../../model/bench';
import { percentileSorted, sortedCopy } from './benchStats';

/** The log of a run's median calibration probe (over its processes), when every process has one. */
export function logCalibration(run: BenchmarkRun | undefined): number | undefined {
  const cal = run?.calibration?.filter((c): c is number => typeof c === 'number' && Number.isFinite(c) && c > 0);
  return cal?.length ? Math.log(percentileSorted(sortedCopy(cal), 0.5)) : undefined;
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
