/**
 * Statistics of benchmark samples: descriptive numbers (simple-statistics), percentiles with
 * numpy's default linear interpolation, a bootstrap confidence interval of the median, outliers
 * by the median absolute deviation (flagged, never dropped), and a Mann–Whitney U test.
 * Everything random takes a seed, so a result and its report are reproducible.
 */
import { mean as ssMean, sampleStandardDeviation, probit } from 'simple-statistics';

export interface SampleStats {
  n: number;
  mean: number;
  median: number;
  stddev: number;
  /** Coefficient of variation: stddev / mean. */
  cv: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** Bootstrap percentile interval of the median at `confidence`. */
  medianCi: [number, number];
  confidence: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  /** Indices of samples whose modified z-score (0.6745·|x−median|/MAD) exceeds 3.5. */
  outliers: number[];
}

/** mulberry32: small, fast, good enough for resampling; the same seed gives the same stream. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from text (FNV-1a), e.g. from a benchmark's name. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Percentile of sorted values, linear interpolation between closest ranks (numpy's default). */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** The median (numpy's interpolation) of unsorted values. */
export function median(values: readonly number[]): number {
  return percentileSorted(sortedCopy(values), 0.5);
}

/**
 * The median of one bootstrap resample of `sorted`, without sorting the resample: draw index
 * counts, then walk them to the middle rank(s). O(n) per resample.
 */
function resampleMedian(sorted: Float64Array, counts: Uint32Array, rng: () => number): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(rng() * n)]++;
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  let seen = 0;
  let low = NaN;
  for (let i = 0; i < n; i++) {
    seen += counts[i];
    if (Number.isNaN(low) && seen > lowRank) low = sorted[i];
    if (seen > highRank) return (low + sorted[i]) / 2;
  }
  return low;
}

/** Bootstrap distribution of the median (resamples values). */
export function bootstrapMedians(sorted: Float64Array, resamples: number, rng: () => number): Float64Array {
  const out = new Float64Array(resamples);
  const counts = new Uint32Array(sorted.length);
  for (let b = 0; b < resamples; b++) out[b] = resampleMedian(sorted, counts, rng);
  return out;
}

export interface DescribeOptions {
  confidence?: number;
  resamples?: number;
  seed?: number;
}

export function describeSamples(samples: readonly number[], options: DescribeOptions = {}): SampleStats {
  const n = samples.length;
  const confidence = options.confidence ?? 0.95;
  if (n === 0) {
    return {
      n: 0,
      mean: NaN,
      median: NaN,
      stddev: NaN,
      cv: NaN,
      min: NaN,
      max: NaN,
      p50: NaN,
      p90: NaN,
      p95: NaN,
      p99: NaN,
      medianCi: [NaN, NaN],
      confidence,
      mad: NaN,
      outliers: [],
    };
  }
  const sorted = sortedCopy(samples);
  const median = percentileSorted(sorted, 0.5);
  const mean = ssMean(samples as number[]);
  const stddev = n > 1 ? sampleStandardDeviation(samples as number[]) : 0;
  const deviations = sortedCopy(samples.map((x) => Math.abs(x - median)));
  const mad = percentileSorted(deviations, 0.5);
  const outliers: number[] = [];
  if (mad > 0) samples.forEach((x, i) => (0.6745 * Math.abs(x - median)) / mad > 3.5 && outliers.push(i));
  let medianCi: [number, number] = [median, median];
  if (n > 1) {
    const boot = bootstrapMedians(sorted, options.resamples ?? 2000, makeRng(options.seed ?? 1)).sort();
    medianCi = [percentileSorted(boot, (1 - confidence) / 2), percentileSorted(boot, 1 - (1 - confidence) / 2)];
  }
  return {
    n,
    mean,
    median,
    stddev,
    cv: mean !== 0 ? stddev / mean : NaN,
    min: sorted[0],
    max: sorted[n - 1],
    p50: median,
    p90: percentileSorted(sorted, 0.9),
    p95: percentileSorted(sorted, 0.95),
    p99: percentileSorted(sorted, 0.99),
    medianCi,
    confidence,
    mad,
    outliers,
  };
}

/** Complementary error function, relative error below 1.2e-7 everywhere (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal distribution. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal quantile. */
export function normalQuantile(p: number): number {
  return probit(p);
}

export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'asymptotic';
}

/** Mid-ranks of the pooled samples (1-based) and the tie correction term Σ(t³−t). */
function rankPooled(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const pooled = [...a.map((v) => ({ v, a: true })), ...b.map((v) => ({ v, a: false }))].sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1].v === pooled[i].v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (pooled[k].a) rankSumA += rank;
    i = j + 1;
  }
  return { rankSumA, tieTerm };
}

/**
 * Probabilities P(U = u), u = 0…m·n, of the Mann–Whitney statistic under the null hypothesis:
 * the coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * Π_{i=1..m} (1 − q^{n+i}) / (1 − q^i), divided by C(m+n, m).
 */
function exactUDistribution(m: number, n: number): Float64Array {
  const degree = m * n;
  const poly = new Float64Array(degree + 1);
  poly[0] = 1;
  for (let i = 1; i <= m; i++) {
    for (let k = degree; k >= n + i; k--) poly[k] -= poly[k - n - i];
    for (let k = i; k <= degree; k++) poly[k] += poly[k - i];
  }
  let total = 0;
  for (const c of poly) total += c;
  for (let k = 0; k <= degree; k++) poly[k] /= total;
  return poly;
}

/**
 * Two-sided Mann–Whitney U test (no normality assumed). Exact null distribution when the smaller
 * sample has at most 8 values and there are no ties, else the normal approximation with the tie
 * correction and a continuity correction (as scipy.stats.mannwhitneyu does by default).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, p: NaN, method: 'asymptotic' };
  const { rankSumA, tieTerm } = rankPooled(a, b);
  const u1 = rankSumA - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const uMax = Math.max(u1, u2);
  if (Math.min(n1, n2) <= 8 && tieTerm === 0) {
    const dist = exactUDistribution(Math.min(n1, n2), Math.max(n1, n2));
    let upper = 0;
    for (let k = Math.ceil(uMax); k < dist.length; k++) upper += dist[k];
    return { u: u1, p: Math.min(1, 2 * upper), method: 'exact' };
  }
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u: u1, p: 1, method: 'asymptotic' };
  const z = (uMax - mu - 0.5) / sigma;
  return { u: u1, p: Math.min(1, 2 * normalSf(z)), method: 'asymptotic' };
}

export interface RatioInterval {
  ratio: number;
  low: number;
  high: number;
  /** Standard deviation of log(ratio) over the resamples: the noise of the comparison. */
  logSe: number;
}

/** Ratio of medians (current / baseline) and its bootstrap percentile interval. */
export function bootstrapRatioCi(
  baseline: readonly number[],
  current: readonly number[],
  options: DescribeOptions = {},
): RatioInterval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const rng = makeRng(options.seed ?? 1);
  const sb = sortedCopy(baseline);
  const sc = sortedCopy(current);
  const ratio = percentileSorted(sc, 0.5) / percentileSorted(sb, 0.5);
  const mb = bootstrapMedians(sb, resamples, rng);
  const mc = bootstrapMedians(sc, resamples, rng);
  const ratios = new Float64Array(resamples);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < resamples; i++) {
    ratios[i] = mc[i] / mb[i];
    const l = Math.log(ratios[i]);
    sum += l;
    sumSq += l * l;
  }
  ratios.sort();
  const meanLog = sum / resamples;
  const logSe = Math.sqrt(Math.max(0, sumSq / resamples - meanLog * meanLog));
  return {
    ratio,
    low: percentileSorted(ratios, (1 - confidence) / 2),
    high: percentileSorted(ratios, 1 - (1 - confidence) / 2),
    logSe,
  };
}

function lnGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), relative error below 1e-13 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const num of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The quantile of Student's t: the t with P(T ≤ t) = q, for q in (0.5, 1). */
export function studentTQuantile(q: number, df: number): number {
  const tail = 2 * (1 - q);
  let lo = 0;
  let hi = 1;
  while (studentTwoSidedP(hi, df) > tail && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
