/**
 * Comparisons that hold on shared machines. Runs inside one session are not independent draws: a
 * neighbour's load, the CPU clock and cache state move a whole session, so the spread of runs
 * understates how much two sessions of unchanged code differ. Two designs answer that:
 *
 * - Separate sessions (`compare`, the lenses): the noise between sessions is learned from the
 *   history, sessions of the same benchmark on the same machine (environment fingerprint) that
 *   measured the same clean commit: σ = RMS of successive differences of session levels / √2, a
 *   level being the median over the session's processes of their log-medians. With at least
 *   MIN_NOISE_SESSIONS of them, the sides' levels are compared by Student's t against σ. Without
 *   them, a difference the runs alone call significant is `inconclusive`.
 * - Interleaved sessions (`bench --against`): baseline and current ran in alternating blocks in
 *   random order, so drift hits both; each block pair gives one log-ratio, and the Wilcoxon
 *   signed-rank test over the pairs decides (a t-test below SIGNED_RANK_PAIRS pairs), with the
 *   Hodges–Lehmann estimate as the change.
 * Where every process also timed the calibration probe, both first take out what the probe says
 * of the machine's speed (`probeCalibration`).
 *
 * Either way the verdict comes from the same `decide` rule as the runs-only comparison, and a pair
 * of sessions whose machine differed (`sessionDrift`) is at most inconclusive, naming the cause.
 */
import type { BenchmarkResultSet, BenchmarkRun, EnvironmentFingerprint } from '../../model/bench';
import { median, studentTQuantile, studentTwoSidedP, normalQuantile } from './benchStats';
import {
  compareResultSets,
  decide,
  formatP,
  type BenchmarkComparison,
  type CompareOptions,
  type Comparison,
} from './benchCompare';
import { busyCause, sessionDrift } from './sessionDrift';
import { signedRank } from './signedRank';
import {
  fullyCalibrated,
  probeAdjust,
  processLevels,
  sessionLevel,
  withinSlope,
  type ProcessLevel,
} from './probeCalibration';

/**
 * Block pairs from which the interleaved comparison uses the Wilcoxon signed-rank test (with 10
 * pairs its exact p-value can reach 0.002); fewer are compared by a t-test.
 */
export const SIGNED_RANK_PAIRS = 10;

/** Sessions of unchanged code needed before their spread is trusted as the noise. */
export const MIN_NOISE_SESSIONS = 5;

/** What makes two sessions "the same machine": host, CPU, OS, interpreter, torch, GPUs and driver. */
export function fingerprintKey(env: EnvironmentFingerprint): string {
  return JSON.stringify([
    env.hostname,
    env.cpu?.model,
    env.cpu?.cores,
    env.os?.platform,
    env.os?.release,
    env.python?.version,
    env.python?.implementation,
    env.python?.executable,
    env.torch?.version,
    env.gpus?.map((g) => [g.name, g.driver]),
  ]);
}

function sessionMedian(run: BenchmarkRun | undefined): number | undefined {
  if (!run) return undefined;
  const m = run.samples.length >= 2 ? median(run.samples) : run.samples.length ? undefined : run.summary?.median;
  return m !== undefined && Number.isFinite(m) && m > 0 ? m : undefined;
}

const cleanCommit = (s: BenchmarkResultSet) =>
  s.environment.git && !s.environment.git.dirty ? s.environment.git.commit : undefined;

export interface SessionNoise {
  /** Standard deviation of one session's log-median around its code's level. */
  sigma: number;
  /** Sessions that taught it, and the degrees of freedom (their successive differences). */
  sessions: number;
  df: number;
}

/** Sessions of `name` comparable with `like`: same source and machine, clean commit, not busy. */
function comparableSessions(name: string, like: BenchmarkResultSet, history: readonly BenchmarkResultSet[]) {
  const key = fingerprintKey(like.environment);
  const out: { set: BenchmarkResultSet; commit: string; levels: ProcessLevel[] }[] = [];
  const seen = new Set<string>();
  for (const set of [...history].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const commit = cleanCommit(set);
    if (!commit || set.source !== like.source || seen.has(set.id)) continue;
    if (fingerprintKey(set.environment) !== key || busyCause(set.conditions)) continue;
    const run = set.benchmarks.find((b) => b.name === name && !b.error);
    const m = sessionMedian(run);
    if (m === undefined) continue;
    seen.add(set.id);
    out.push({ set, commit, levels: processLevels(run!, m) });
  }
  return out;
}

/**
 * The session-to-session noise of `name` on `like`'s machine, or how many sessions there are: the
 * spread of session levels (`sessionLevel`) of the same commit. With a `slope`, only sessions
 * whose every process has its probe count, calibrated by it.
 */
export function learnSessionNoise(
  name: string,
  like: BenchmarkResultSet,
  history: readonly BenchmarkResultSet[],
  slope = 0,
): SessionNoise | { sessions: number } {
  const all = comparableSessions(name, like, history).filter((s) => !slope || fullyCalibrated(s.levels));
  return noiseOf(all.map((s) => ({ commit: s.commit, value: sessionLevel(s.levels, slope).level })));
}

function noiseOf(values: readonly { commit: string; value: number }[]): SessionNoise | { sessions: number } {
  const byCommit = new Map<string, number[]>();
  for (const s of values) {
    const list = byCommit.get(s.commit) ?? [];
    list.push(s.value);
    byCommit.set(s.commit, list);
  }
  let sumSq = 0;
  let df = 0;
  let sessions = 0;
  for (const list of byCommit.values()) {
    if (list.length < 2) continue;
    sessions += list.length;
    for (let i = 1; i < list.length; i++) {
      sumSq += (list[i] - list[i - 1]) ** 2;
      df++;
    }
  }
  if (sessions < MIN_NOISE_SESSIONS) return { sessions };
  return { sigma: Math.sqrt(sumSq / df / 2), sessions, df };
}

const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`;

/** The t-test every design ends in: an estimate of log(ratio), its standard error and df. */
function tVerdict(
  base: BenchmarkComparison,
  logRatio: number,
  se: number,
  df: number,
  options: CompareOptions,
  describe: string,
): BenchmarkComparison {
  const alpha = options.alpha ?? 0.01;
  const confidence = options.confidence ?? 0.95;
  const p = se > 0 ? studentTwoSidedP(logRatio / se, df) : logRatio === 0 ? 1 : 0;
  const tq = studentTQuantile(1 - (1 - confidence) / 2, df);
  const minDetectable = Math.exp((studentTQuantile(1 - alpha / 2, df) + normalQuantile(0.8)) * se) - 1;
  const estimate = { logRatio, p, lowLog: logRatio - tq * se, highLog: logRatio + tq * se, minDetectable };
  return verdictOf(base, estimate, options, describe);
}

/** The verdict and its sentence from an estimate of log(ratio), its p-value and interval. */
function verdictOf(
  base: BenchmarkComparison,
  e: { logRatio: number; p: number; lowLog: number; highLog: number; minDetectable: number },
  options: CompareOptions,
  describe: string,
): BenchmarkComparison {
  const threshold = options.threshold ?? 0.05;
  const alpha = options.alpha ?? 0.01;
  const confidence = options.confidence ?? 0.95;
  const { p, minDetectable } = e;
  const ratio = Math.exp(e.logRatio);
  const ciLow = Math.exp(e.lowLog);
  const ciHigh = Math.exp(e.highLog);
  const { verdict, significant } = decide(ratio, ciLow, ciHigh, p, threshold, alpha);
  const ci = `${Math.round(confidence * 100)}% CI of the ratio ${ciLow.toFixed(3)}–${ciHigh.toFixed(3)}`;
  let summary: string;
  if (verdict === 'regression') summary = `${pct(ratio - 1)} slower (${formatP(p)}; ${ci}; ${describe})`;
  else if (verdict === 'improvement') summary = `${pct(1 - ratio)} faster (${formatP(p)}; ${ci}; ${describe})`;
  else if (significant)
    summary = `${ratio >= 1 ? '+' : ''}${pct(ratio - 1)}: significant (${formatP(p)}) but the ${ci} stays within the ${pct(threshold, 0)} threshold (${describe})`;
  else
    summary = `no difference detected (${formatP(p)}, ${describe}); only changes beyond ±${pct(minDetectable)} would be detected`;
  return { ...base, ratio, ciLow, ciHigh, pValue: p, verdict, significant, minDetectable, summary, reason: undefined };
}

function inconclusive(c: BenchmarkComparison, reason: string): BenchmarkComparison {
  return { ...c, verdict: 'inconclusive', reason, summary: `inconclusive: ${reason} (runs alone: ${c.summary})` };
}

/** The log-ratio's standard error the runs alone give (from their interval): a floor for any design. */
function withinSe(c: BenchmarkComparison, confidence: number): number {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const se = (Math.log(c.ciHigh) - Math.log(c.ciLow)) / (2 * z);
  return Number.isFinite(se) && se > 0 ? se : 0;
}

/**
 * Two separate sessions, given the runs-only comparison `runsOnly` of one benchmark: drift makes
 * it inconclusive; a learned noise decides by sessions; without one a significant difference is
 * inconclusive and "no difference" stays (more noise cannot make a difference significant).
 */
export function compareSessions(
  runsOnly: BenchmarkComparison,
  baseSet: BenchmarkResultSet,
  curSet: BenchmarkResultSet,
  history: readonly BenchmarkResultSet[],
  options: CompareOptions,
): BenchmarkComparison {
  const name = runsOnly.name;
  const drift = sessionDrift(baseSet, curSet, name);
  if (drift) return { ...inconclusive(runsOnly, drift), drift };
  const levelsOf = (set: BenchmarkResultSet) => {
    const run = set.benchmarks.find((b) => b.name === name)!;
    return processLevels(run, sessionMedian(run));
  };
  const baseLevels = levelsOf(baseSet);
  const curLevels = levelsOf(curSet);
  const everything = [...history, baseSet, curSet];
  const pool = comparableSessions(name, curSet, everything);
  const slope =
    fullyCalibrated(baseLevels) && fullyCalibrated(curLevels)
      ? (withinSlope([...pool.map((s) => s.levels), baseLevels, curLevels]) ?? 0)
      : 0;
  const noise = learnSessionNoise(name, curSet, everything, slope);
  if (!('sigma' in noise)) {
    if (runsOnly.verdict === 'no-change') return runsOnly;
    const reason = `one session each; the run-to-run spread understates the noise (${noise.sessions} sessions of unchanged code of this benchmark on this machine, ${MIN_NOISE_SESSIONS} are needed; or compare with bench --against)`;
    return inconclusive(runsOnly, reason);
  }
  const all = pool.filter((s) => !slope || fullyCalibrated(s.levels));
  const side = (set: BenchmarkResultSet, other: BenchmarkResultSet, own: ProcessLevel[]) => {
    const commit = cleanCommit(set);
    const pooled =
      commit && commit !== cleanCommit(other) && fingerprintKey(set.environment) === fingerprintKey(curSet.environment)
        ? all.filter((s) => s.commit === commit).map((s) => sessionLevel(s.levels, slope).level)
        : [];
    return pooled.length ? pooled : [sessionLevel(own, slope).level];
  };
  const b = side(baseSet, curSet, baseLevels);
  const c = side(curSet, baseSet, curLevels);
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  // The floor: how sure each compared session is of its own level, from its processes' spread
  // (the runs' interval when a session has fewer than three processes).
  const bl = sessionLevel(baseLevels, slope);
  const cl = sessionLevel(curLevels, slope);
  const floor =
    bl.se !== undefined && cl.se !== undefined
      ? Math.hypot(bl.se, cl.se)
      : withinSe(runsOnly, options.confidence ?? 0.95);
  const se = Math.max(noise.sigma * Math.sqrt(1 / b.length + 1 / c.length), floor);
  const raw = slope ? learnSessionNoise(name, curSet, everything, 0) : undefined;
  const rawSigma = raw && 'sigma' in raw ? (raw as SessionNoise).sigma : undefined;
  const probe =
    rawSigma !== undefined ? ` (calibrated by the probe, slope ${slope.toFixed(2)}; ±${pct(rawSigma)} without)` : '';
  const describe = `${b.length} vs ${c.length} session${c.length > 1 ? 's' : ''}; session noise ±${pct(noise.sigma)}${probe} from ${noise.sessions} sessions of unchanged code`;
  const decided = tVerdict(runsOnly, mean(c) - mean(b), se, noise.df, options, describe);
  // A machine whose speed moves between sessions with nothing to show for it (measured here: 20%
  // within minutes) can fool this design; an interleaved session cannot be fooled that way.
  if (decided.verdict === 'regression' || decided.verdict === 'improvement')
    decided.summary += '; separate sessions: confirm with bench --against';
  return {
    ...decided,
    method: 'sessions',
    sessions: { baseline: b.length, current: c.length, noiseSessions: noise.sessions, noise: noise.sigma },
    calibration: rawSigma !== undefined ? { slope, spreadRaw: rawSigma, spread: noise.sigma } : undefined,
  };
}

/** An interleaved session's benchmarks against its own baseline side, block pair by block pair. */
export function compareInterleaved(set: BenchmarkResultSet, options: CompareOptions = {}): Comparison {
  const il = set.interleaved;
  if (!il) throw new Error(`result ${set.id} is not an interleaved session`);
  const baseByName = new Map(il.benchmarks.map((b) => [b.name, b]));
  const benchmarks: BenchmarkComparison[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const cur of set.benchmarks) {
    const base = baseByName.get(cur.name);
    if (!base) continue;
    if (cur.error || base.error) {
      skipped.push({ name: cur.name, reason: cur.error ? `current: ${cur.error}` : `baseline: ${base.error}` });
      continue;
    }
    const raw: number[] = [];
    const probeRatios: (number | undefined)[] = [];
    for (let blk = 0; blk < il.blocks; blk++) {
      const inBlock = (r: BenchmarkRun) => r.samples.filter((_, i) => (r.blocks?.[i] ?? -1) === blk);
      const bs = inBlock(base);
      const cs = inBlock(cur);
      if (!(bs.length && cs.length && median(bs) > 0 && median(cs) > 0)) continue;
      raw.push(Math.log(median(cs) / median(bs)));
      const pc = cur.calibration?.[blk];
      const pb = base.calibration?.[blk];
      probeRatios.push(
        typeof pc === 'number' && typeof pb === 'number' && pc > 0 && pb > 0 ? Math.log(pc / pb) : undefined,
      );
    }
    const n = raw.length;
    const adjusted = probeAdjust(raw, probeRatios);
    const logRatios = adjusted?.values ?? raw;
    const lostDf = adjusted ? 1 : 0;
    const baselineMedian = base.samples.length ? median(base.samples) : NaN;
    const currentMedian = cur.samples.length ? median(cur.samples) : NaN;
    const shell: BenchmarkComparison = {
      name: cur.name,
      baselineMedian,
      currentMedian,
      ratio: currentMedian / baselineMedian,
      ciLow: NaN,
      ciHigh: NaN,
      pValue: NaN,
      verdict: 'inconclusive',
      significant: false,
      baselineRuns: base.samples.length,
      currentRuns: cur.samples.length,
      method: 'interleaved',
      minDetectable: NaN,
      summary: '',
      blockPairs: n,
      location: cur.location ?? base.location,
    };
    if (n < 2) {
      const reason = `${n} block pair${n === 1 ? '' : 's'} measured; at least 2 are needed`;
      benchmarks.push({ ...shell, reason, summary: `inconclusive: ${reason}` });
      continue;
    }
    const mean = logRatios.reduce((a, x) => a + x, 0) / n;
    const sd = Math.sqrt(logRatios.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    const runs = `${base.samples.length} vs ${cur.samples.length} runs`;
    const probe = adjusted ? `, adjusted by the probe (slope ${adjusted.slope.toFixed(2)})` : '';
    if (adjusted) shell.calibration = { slope: adjusted.slope, spreadRaw: adjusted.spreadRaw, spread: sd };
    if (n < SIGNED_RANK_PAIRS) {
      const describe = `t-test over ${n} interleaved block pairs${probe}, ${runs}`;
      benchmarks.push(tVerdict(shell, mean, sd / Math.sqrt(n), n - 1 - lostDf, options, describe));
      continue;
    }
    // Enough pairs for the rank test to reach small p-values: robust to a block whose process
    // landed in a far state. The smallest detectable change is the t-test's estimate.
    const w = signedRank(logRatios, options.confidence ?? 0.95);
    const se = sd / Math.sqrt(n);
    const alpha = options.alpha ?? 0.01;
    const minDetectable = Math.exp((studentTQuantile(1 - alpha / 2, n - 1 - lostDf) + normalQuantile(0.8)) * se) - 1;
    const describe = `signed-rank test over ${n} interleaved block pairs${probe}, ${runs}`;
    benchmarks.push(
      verdictOf(
        shell,
        { logRatio: w.estimate, p: w.p, lowLog: w.low, highLog: w.high, minDetectable },
        options,
        describe,
      ),
    );
  }
  const names = new Set(set.benchmarks.map((b) => b.name));
  return {
    kind: 'comparison',
    design: 'interleaved',
    baseline: {
      id: `${set.id}:against`,
      createdAt: set.createdAt,
      baseline: il.against,
      commit: il.commit,
      dirty: il.kind === 'git' ? false : undefined,
    },
    current: {
      id: set.id,
      createdAt: set.createdAt,
      commit: set.environment.git?.commit,
      dirty: set.environment.git?.dirty,
    },
    threshold: options.threshold ?? 0.05,
    alpha: options.alpha ?? 0.01,
    confidence: options.confidence ?? 0.95,
    benchmarks,
    onlyInBaseline: il.benchmarks.filter((b) => !names.has(b.name)).map((b) => b.name),
    onlyInCurrent: set.benchmarks.filter((b) => !baseByName.has(b.name)).map((b) => b.name),
    skipped,
    environmentDifferences: [],
  };
}

/**
 * `compareResultSets` with the sessions' noise and drift taken into account (the history is every
 * result known on this machine); an interleaved session compared with itself uses its blocks.
 */
export function compareWithHistory(
  baseline: BenchmarkResultSet,
  current: BenchmarkResultSet,
  history: readonly BenchmarkResultSet[],
  options: CompareOptions = {},
): Comparison {
  const c = compareResultSets(baseline, current, options);
  return {
    ...c,
    design: 'sessions',
    benchmarks: c.benchmarks.map((b) => compareSessions(b, baseline, current, history, options)),
  };
}
