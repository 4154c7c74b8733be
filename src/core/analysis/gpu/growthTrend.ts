/**
 * Memory growth (leak) detection on a sliding window of (time, value) points: the least-squares
 * slope with R² as the confidence measure, raised only when the growth is steady (R² at least
 * minR2), fast enough (minSlopePerMin) and the floor rises too. The last test is what rejects a
 * sawtooth: allocator caches and per-step buffers climb and fall back to a baseline, and although
 * a window cut mid-tooth can fit a line well, the minima of its last quarter sit at the same floor
 * as those of its first quarter; a leak lifts the floor by about the slope times the span.
 */
export interface GrowthPoint {
  /** ms */
  t: number;
  v: number;
}

export interface GrowthTrend {
  /** Units of v per minute. */
  slopePerMin: number;
  r2: number;
  points: number;
  spanSec: number;
  /** Rise of the floor (minimum of the last quarter minus that of the first). */
  floorRise: number;
  /** The verdict: steady growth, not a sawtooth. */
  growing: boolean;
}

export interface GrowthOptions {
  minPoints?: number;
  minSpanSec?: number;
  minR2?: number;
  /** Units of v per minute below which growth is ignored. */
  minSlopePerMin?: number;
}

/** The least-squares line of y over x: its slope and R² (0 when y is flat); undefined when x does not vary. */
export function leastSquares(x: readonly number[], y: readonly number[]): { slope: number; r2: number } | undefined {
  const n = x.length;
  if (n === 0) return undefined;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  return { slope: sxy / sxx, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) };
}

export function detectGrowth(points: readonly GrowthPoint[], opts: GrowthOptions = {}): GrowthTrend | undefined {
  const n = points.length;
  if (n < (opts.minPoints ?? 10)) return undefined;
  const t0 = points[0].t;
  const spanSec = (points[n - 1].t - t0) / 1000;
  if (spanSec < (opts.minSpanSec ?? 60)) return undefined;
  const fit = leastSquares(
    points.map((p) => (p.t - t0) / 60000),
    points.map((p) => p.v),
  );
  if (!fit) return undefined;
  const { slope, r2 } = fit;
  const q = Math.max(1, Math.floor(n / 4));
  let firstMin = Infinity;
  let lastMin = Infinity;
  for (let i = 0; i < q; i++) firstMin = Math.min(firstMin, points[i].v);
  for (let i = n - q; i < n; i++) lastMin = Math.min(lastMin, points[i].v);
  const floorRise = lastMin - firstMin;
  // A steady leak lifts the floor by slope × (¾ of the span); ask for half of that.
  const expectedRise = slope * (spanSec / 60) * 0.75;
  const growing =
    slope >= (opts.minSlopePerMin ?? 0) && slope > 0 && r2 >= (opts.minR2 ?? 0.8) && floorRise >= 0.5 * expectedRise;
  return { slopePerMin: slope, r2, points: n, spanSec, floorRise, growing };
}

/** "GPU memory grows 120 MB/min (R² 0.97)" for values in MiB. */
export function describeGrowth(what: string, t: GrowthTrend): string {
  const mbPerMin = (t.slopePerMin * 1048576) / 1e6;
  const rate =
    Math.abs(mbPerMin) >= 1000
      ? `${(mbPerMin / 1000).toFixed(2)} GB/min`
      : `${mbPerMin.toFixed(mbPerMin >= 10 ? 0 : 1)} MB/min`;
  return `${what} grows ${rate} (R² ${t.r2.toFixed(2)})`;
}

/** detectGrowth over the points of the last `windowMs`, fed one point at a time. */
export class GrowthWindow {
  private readonly points: GrowthPoint[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly options: GrowthOptions,
  ) {}

  add(p: GrowthPoint): GrowthTrend | undefined {
    this.points.push(p);
    let drop = 0;
    while (drop < this.points.length && this.points[drop].t < p.t - this.windowMs) drop++;
    if (drop > 0) this.points.splice(0, drop);
    return detectGrowth(this.points, this.options);
  }
}
