/**
 * The Wilcoxon signed-rank test of paired differences, with the Hodges–Lehmann estimate of their
 * centre and its confidence interval (Walsh averages). It is what the interleaved comparison uses
 * on its block log-ratios: a block whose process landed in a fast or slow state gives one far
 * ratio, which moves a mean (and a t-test) a lot and a rank test little.
 *
 * Zeros are dropped from the test (Wilcoxon's own rule, scipy's default). Without ties and with at
 * most 60 pairs the null distribution is exact (counted by dynamic programming); otherwise it is
 * the normal approximation with the tie correction, without continuity correction (as scipy).
 */
import { normalQuantile, normalSf, percentileSorted } from './benchStats';

export interface SignedRankResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Two-sided p-value. */
  p: number;
  /** Pairs the test used (zeros dropped). */
  n: number;
  method: 'exact' | 'asymptotic';
  /** Hodges–Lehmann estimate: the median of the Walsh averages (all pairs, zeros kept). */
  estimate: number;
  /** Its interval at the asked confidence (from the same null distribution). */
  low: number;
  high: number;
}

/** Counts of subsets of {1..n} by their sum: the exact null distribution of W+ (times 2^n). */
function subsetSums(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = max; s >= k; s--) c[s] += c[s - k];
  return c;
}

export function signedRank(d: readonly number[], confidence = 0.95): SignedRankResult {
  const nz = d.filter((x) => x !== 0);
  const n = nz.length;
  const order = nz.map((x, i) => ({ a: Math.abs(x), i })).sort((x, y) => x.a - y.a);
  const ranks = new Float64Array(n);
  let ties = false;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && order[j + 1].a === order[i].a) j++;
    const mid = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k].i] = mid;
    const t = j - i + 1;
    if (t > 1) {
      ties = true;
      tieTerm += t ** 3 - t;
    }
    i = j + 1;
  }
  let wPlus = 0;
  nz.forEach((x, i) => x > 0 && (wPlus += ranks[i]));
  const total = (n * (n + 1)) / 2;
  const walsh: number[] = [];
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) walsh.push((d[i] + d[j]) / 2);
  walsh.sort((a, b) => a - b);
  const estimate = walsh.length ? percentileSorted(walsh, 0.5) : NaN;
  const alpha = 1 - confidence;
  let p: number;
  let c: number; // the interval is the c-th smallest to the c-th largest Walsh average
  const exact = !ties && n > 0 && n <= 60;
  if (exact) {
    const counts = subsetSums(n);
    const all = 2 ** n;
    let below = 0; // P(W+ <= w)
    for (let s = 0; s <= Math.min(wPlus, total); s++) below += counts[s];
    let above = 0; // P(W+ >= w)
    for (let s = Math.max(0, Math.ceil(wPlus)); s <= total; s++) above += counts[s];
    p = Math.min(1, (2 * Math.min(below, above)) / all);
    // The largest c with P(W+ <= c - 1) <= alpha / 2.
    let cum = 0;
    c = 0;
    while (c <= total && cum + counts[c] <= (alpha / 2) * all) cum += counts[c++];
  } else if (n > 0) {
    const mean = total / 2;
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
    p = sd > 0 ? Math.min(1, 2 * normalSf(Math.abs(wPlus - mean) / sd)) : 1;
    c = Math.floor(mean - normalQuantile(1 - alpha / 2) * sd);
  } else {
    p = 1;
    c = 0;
  }
  // With n pairs there are n(n+1)/2 Walsh averages when no zero was dropped; the bounds index the
  // averages of all pairs, as the estimate does.
  const N = walsh.length;
  const k = Math.max(1, Math.min(c, Math.floor(N / 2)));
  const low = c >= 1 && N ? walsh[k - 1] : -Infinity;
  const high = c >= 1 && N ? walsh[N - k] : Infinity;
  return { wPlus, p, n, method: exact ? 'exact' : 'asymptotic', estimate, low, high };
}
