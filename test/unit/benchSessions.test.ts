// Verdicts that hold across sessions: Student's t, the session noise learned from history, drift
// between sessions, interleaved block pairs, and the machine readings behind them (a fake /proc
// and /sys). The data are made here: each case is a shape of real sessions (a whole session
// shifted, a neighbour's load) that the runs-only rule gets wrong.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { studentTQuantile, studentTwoSidedP } from '../../src/core/analysis/bench/benchStats';
import { compareResultSets, lensText } from '../../src/core/analysis/bench/benchCompare';
import {
  compareInterleaved,
  compareWithHistory,
  learnSessionNoise,
} from '../../src/core/analysis/bench/sessionCompare';
import { probeAdjust } from '../../src/core/analysis/bench/probeCalibration';
import { withCodicon } from '../../src/extension/shared/lensIcons';
import { plainText } from '../../src/extension/shared/plainText';
import { sessionDrift } from '../../src/core/analysis/bench/sessionDrift';
import { signedRank } from '../../src/core/analysis/bench/signedRank';
import { ConditionsRecorder, readMachine } from '../../src/core/runners/bench/sessionConditions';
import type { BenchmarkResultSet, MachineState, SessionConditions } from '../../src/core/model/bench';

const ENV = {
  hostname: 'box',
  cpu: { model: 'CPU', cores: 2 },
  os: { platform: 'linux', release: '6', arch: 'x64' },
  python: { version: '3.11.7' },
};

/** 20 runs around `median` with a 0.5% spread: the runs alone are very sure of themselves. */
function runsAround(median: number): number[] {
  return Array.from({ length: 20 }, (_, i) => median * (1 + ((i % 5) - 2) * 0.0025));
}

let clock = 0;
function session(
  median: number,
  o: { commit?: string; dirty?: boolean; host?: string; name?: string; during?: MachineState } = {},
): BenchmarkResultSet {
  clock++;
  const conditions: SessionConditions | undefined = o.during
    ? { cpus: 2, before: { otherCpus: 0.1 }, during: o.during }
    : undefined;
  return {
    kind: 'flamelens-bench',
    version: 1,
    id: `s${clock}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, clock)).toISOString(),
    source: 'flamelens',
    environment: {
      ...ENV,
      hostname: o.host ?? ENV.hostname,
      git: { commit: o.commit ?? 'aaaa', dirty: o.dirty ?? false },
    },
    benchmarks: [{ name: o.name ?? 'loop', kind: 'callable', samples: runsAround(median), timing: 'wall' }],
    ...(conditions ? { conditions } : {}),
  };
}

/** Session medians of unchanged code wandering by about ±8%, as measured here between processes. */
const WANDER = [1.0, 1.08, 0.95, 1.03, 0.92, 1.06, 0.97, 1.1, 0.94, 1.02];

test("Student's t: quantiles and p-values agree with the printed tables", () => {
  for (const [q, df, t] of [
    [0.975, 1, 12.706],
    [0.975, 4, 2.776],
    [0.975, 10, 2.228],
    [0.995, 2, 9.925],
    [0.975, 30, 2.042],
    [0.95, 5, 2.015],
  ])
    assert.ok(Math.abs(studentTQuantile(q, df) / t - 1) < 5e-4, `t(${q}, ${df}) = ${studentTQuantile(q, df)}`);
  assert.ok(Math.abs(studentTwoSidedP(2.228, 10) - 0.05) < 2e-4);
  assert.ok(Math.abs(studentTwoSidedP(1.96, 1e6) - 0.05) < 2e-4, 'large df: the normal');
  assert.equal(studentTwoSidedP(0, 5), 1);
});

test('one session each: what the runs alone call a regression is inconclusive, and says why', () => {
  const base = session(1.0, { commit: 'aaaa' });
  const cur = session(1.12, { commit: 'bbbb' });
  assert.equal(compareResultSets(base, cur).benchmarks[0].verdict, 'regression', 'the runs-only rule');
  const c = compareWithHistory(base, cur, [base, cur]).benchmarks[0];
  assert.equal(c.verdict, 'inconclusive');
  assert.match(
    c.reason ?? '',
    /^one session each; the run-to-run spread understates the noise \(0 sessions .* 5 are needed/,
  );
  assert.equal(lensText(c, 'main'), '? inconclusive vs main: one session each');
  const same = compareWithHistory(base, session(1.0, { commit: 'bbbb' }), []).benchmarks[0];
  assert.equal(same.verdict, 'no-change', 'no difference stays no difference');
});

test('with a history of unchanged code, its wander is no regression and a real 40% slowdown is one', () => {
  const history = WANDER.map((m) => session(m, { commit: 'aaaa' }));
  const noise = learnSessionNoise('loop', history[0], history);
  assert.ok('sigma' in noise);
  assert.equal(noise.sessions, 10);
  assert.equal(noise.df, 9);
  assert.ok(noise.sigma > 0.04 && noise.sigma < 0.1, `σ ${noise.sigma}`);
  // A/A: successive sessions of the same commit, each against the one before.
  let falseAlarms = 0;
  let runsOnlyAlarms = 0;
  for (let i = 1; i < history.length; i++) {
    if (compareWithHistory(history[i - 1], history[i], history).benchmarks[0].verdict === 'regression') falseAlarms++;
    if (compareResultSets(history[i - 1], history[i]).benchmarks[0].verdict === 'regression') runsOnlyAlarms++;
  }
  assert.equal(falseAlarms, 0);
  assert.ok(runsOnlyAlarms >= 3, `the runs-only rule cried wolf ${runsOnlyAlarms} times`);
  const slow = session(1.4, { commit: 'cccc' });
  const c = compareWithHistory(history[history.length - 1], slow, [...history, slow]).benchmarks[0];
  assert.equal(c.verdict, 'regression', c.summary);
  assert.equal(c.method, 'sessions');
  assert.match(c.summary, /; separate sessions: confirm with bench --against$/);
  assert.equal(c.sessions?.baseline, 10, 'every session of the baseline commit joins its side');
  assert.equal(c.sessions?.current, 1);
  assert.ok(c.ratio > 1.3 && c.ratio < 1.5, `${c.ratio}`);
  assert.ok(c.ciLow < c.ratio && c.ratio < c.ciHigh);
});

test('history from another host, a dirty tree, another benchmark or a busy session does not teach the noise', () => {
  const others = [
    ...WANDER.slice(0, 6).map((m) => session(m, { host: 'elsewhere' })),
    ...WANDER.slice(0, 6).map((m) => session(m, { dirty: true })),
    ...WANDER.slice(0, 6).map((m) => session(m, { name: 'other' })),
    ...WANDER.slice(0, 6).map((m) => session(m, { during: { otherCpus: 1.2 } })),
  ];
  const like = session(1.0);
  assert.deepEqual(learnSessionNoise('loop', like, others), { sessions: 0 });
  assert.ok(
    'sigma' in
      learnSessionNoise(
        'loop',
        like,
        WANDER.slice(0, 5).map((m) => session(m)),
      ),
    'five of them do',
  );
});

test('drift between sessions is named and makes the verdict at most inconclusive', () => {
  const quiet = { otherCpus: 0.1, loadAverage: 0.3, cpuMHz: 2600 };
  const cases: [MachineState, RegExp][] = [
    [{ ...quiet, otherCpus: 0.9 }, /^other processes used 0\.9 of 2 CPUs during current vs 0\.1 during baseline$/],
    [{ ...quiet, loadAverage: 4.9 }, /^load average 4\.9 during current vs 0\.3 during baseline$/],
    [{ ...quiet, cpuMHz: 2000 }, /^CPU clock 2000 MHz during current vs 2600 MHz during baseline$/],
    [{ ...quiet, throttleCount: 3 }, /^the CPU was throttled 3 times during current$/],
  ];
  for (const [during, re] of cases) {
    const base = session(1.0, { during: quiet });
    const cur = session(1.3, { commit: 'bbbb', during });
    assert.match(sessionDrift(base, cur, 'loop') ?? '', re);
    const c = compareWithHistory(base, cur, []).benchmarks[0];
    assert.equal(c.verdict, 'inconclusive');
    assert.match(c.drift ?? '', re);
  }
  const small = session(1.0, { commit: 'bbbb', during: { ...quiet, otherCpus: 0.3, loadAverage: 0.9 } });
  assert.equal(sessionDrift(session(1.0, { during: quiet }), small, 'loop'), undefined, 'inside the bounds');
});

test('interleaved: drift that hits both sides cancels; 30% under the same drift is found', () => {
  const blocks = 10;
  const make = (factor: number): BenchmarkResultSet => {
    const drift = (b: number) => (b >= 5 ? 1.5 : 1); // a neighbour arrives halfway
    const side = (f: number) => {
      const samples: number[] = [];
      const blk: number[] = [];
      for (let b = 0; b < blocks; b++)
        for (let i = 0; i < 4; i++) {
          samples.push(0.001 * f * drift(b) * (1 + ((i + b) % 3) * 0.01));
          blk.push(b);
        }
      return { name: 'loop', kind: 'callable' as const, samples, blocks: blk, timing: 'wall' as const };
    };
    const s = session(1);
    return {
      ...s,
      benchmarks: [side(factor)],
      interleaved: { against: 'HEAD', kind: 'git', commit: 'aaaa', blocks, benchmarks: [side(1)] },
    };
  };
  const aa = compareInterleaved(make(1)).benchmarks[0];
  assert.equal(aa.verdict, 'no-change', aa.summary);
  assert.equal(aa.blockPairs, 10);
  const slow = compareInterleaved(make(1.3)).benchmarks[0];
  assert.equal(slow.verdict, 'regression', slow.summary);
  assert.ok(Math.abs(slow.ratio - 1.3) < 0.01, `${slow.ratio}`);
  assert.equal(compareInterleaved(make(1.3)).design, 'interleaved');
});

/** A deterministic stream of uniform numbers in [0, 1) (a 32-bit LCG). */
function uniform(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Processes whose machine speed differs, as measured here: a third land on a CPU a neighbour shares
 * and run 1.5× slower, the rest within ±3%; the probe in the same process feels the same speed
 * (within ±2%). Without the probe, such processes hide a 10% change among 20 block pairs.
 */
function processSpeeds(seed: number) {
  const u = uniform(seed);
  return () => {
    const speed = (u() < 1 / 3 ? 1.5 : 1) * (1 + (u() - 0.5) * 0.06);
    return { speed, probe: 0.0005 * speed * (1 + (u() - 0.5) * 0.04) };
  };
}

function interleavedSession(factor: number, seed: number, calibrated = true): BenchmarkResultSet {
  const blocks = 20;
  const next = processSpeeds(seed);
  const side = (f: number) => {
    const samples: number[] = [];
    const blk: number[] = [];
    const calibration: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const p = next();
      for (let i = 0; i < 3; i++) {
        samples.push(0.001 * f * p.speed * (1 + (i - 1) * 0.005));
        blk.push(b);
      }
      calibration.push(p.probe);
    }
    return {
      name: 'loop',
      kind: 'callable' as const,
      samples,
      blocks: blk,
      timing: 'wall' as const,
      ...(calibrated ? { calibration } : {}),
    };
  };
  const s = session(1);
  const cur = side(factor);
  return {
    ...s,
    benchmarks: [cur],
    interleaved: { against: 'HEAD', kind: 'git', commit: 'aaaa', blocks, benchmarks: [side(1)] },
  };
}

test('interleaved with probes: processes on a slow CPU no longer hide a 10% slowdown, and A/A stays quiet', () => {
  let found = 0;
  let foundRaw = 0;
  let falseAlarms = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const c = compareInterleaved(interleavedSession(1.1, seed)).benchmarks[0];
    if (c.verdict === 'regression') found++;
    assert.ok(c.calibration, 'the adjustment is reported');
    assert.ok(c.calibration.slope > 0.8 && c.calibration.slope <= 1.2, `slope ${c.calibration.slope}`);
    assert.ok(c.calibration.spread < c.calibration.spreadRaw / 3, JSON.stringify(c.calibration));
    assert.match(c.summary, /adjusted by the probe \(slope \d\.\d\d\)/);
    assert.ok(Math.abs(c.ratio - 1.1) < 0.02, `${c.ratio}`);
    if (compareInterleaved(interleavedSession(1.1, seed, false)).benchmarks[0].verdict === 'regression') foundRaw++;
    const aa = compareInterleaved(interleavedSession(1, seed + 100)).benchmarks[0];
    if (aa.verdict === 'regression' || aa.verdict === 'improvement') falseAlarms++;
  }
  assert.equal(found, 10, 'with the probe: every time');
  assert.ok(foundRaw <= 5, `without the probe it is found ${foundRaw} of 10 times`);
  assert.equal(falseAlarms, 0);
});

test('the probe adjustment takes out the machine, fits the slope, and is skipped where it cannot be fitted', () => {
  // The current side landed on the slow CPU more often (q's mean is 0.2): raw, 0.28 of change.
  const q = [0.4, 0.4, 0.4, 0.1, 0, -0.1];
  const r = q.map((x, i) => 0.1 + 0.9 * x + (i % 2 ? 0.01 : -0.01));
  const a = probeAdjust(r, q)!;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean(r) > 0.25, `${mean(r)}`);
  assert.ok(Math.abs(mean(a.values) - 0.1) < 0.01, `the change at equal speed: ${mean(a.values)}`);
  assert.ok(Math.abs(a.slope - 0.9) < 0.05, `${a.slope}`);
  assert.equal(
    probeAdjust(
      r,
      q.map((x) => -x),
    )!.slope,
    0,
    'a negative slope is no slope',
  );
  assert.equal(probeAdjust(r, [...q.slice(0, 5), undefined]), undefined, 'a block without its probe');
  assert.equal(probeAdjust(r.slice(0, 3), q.slice(0, 3)), undefined, 'too few blocks');
  assert.equal(
    probeAdjust(
      r,
      q.map(() => 0.2),
    ),
    undefined,
    'a probe that did not vary',
  );
});

test('separate sessions with probes: processes on a slow CPU and a machine that changes speed are calibrated out', () => {
  // Sessions of 5 processes: the machine's speed wanders by ±20% between sessions (as measured here
  // within minutes) and a third of the processes land on a CPU a neighbour shares (1.5× slower);
  // the probe in each process feels its speed within ±1%.
  const u = uniform(7);
  const make = (median: number, speed: number, commit: string, probeFollows = true): BenchmarkResultSet => {
    const s = session(median, { commit });
    const samples: number[] = [];
    const blocks: number[] = [];
    const calibration: number[] = [];
    for (let k = 0; k < 5; k++) {
      const p = speed * (u() < 1 / 3 ? 1.5 : 1) * (1 + (u() - 0.5) * 0.02);
      for (let i = 0; i < 4; i++) {
        samples.push(0.001 * median * p * (1 + (i - 1.5) * 0.004));
        blocks.push(k);
      }
      calibration.push(probeFollows ? 0.0005 * p * (1 + (u() - 0.5) * 0.02) : 0.0005 * (1 + (u() - 0.5) * 0.4));
    }
    s.benchmarks[0] = { ...s.benchmarks[0], samples, blocks, calibration };
    return s;
  };
  const speeds = Array.from({ length: 8 }, () => 0.8 + u() * 0.4);
  const history = speeds.map((sp) => make(1, sp, 'aaaa'));
  const raw = learnSessionNoise('loop', history[0], history);
  const cal = learnSessionNoise('loop', history[0], history, 1);
  assert.ok('sigma' in raw && 'sigma' in cal);
  assert.ok(cal.sigma < raw.sigma / 4, `calibrated ${cal.sigma} vs ${raw.sigma}`);
  // A 30% slowdown measured on a machine 15% faster than the last session of unchanged code.
  const last = history[history.length - 1];
  const slow = make(1.3, speeds[speeds.length - 1] * 0.85, 'cccc');
  const c = compareWithHistory(last, slow, [...history, slow]).benchmarks[0];
  assert.equal(c.verdict, 'regression', c.summary);
  assert.ok(c.calibration && c.calibration.slope > 0.9 && c.calibration.slope < 1.1, JSON.stringify(c.calibration));
  assert.ok(c.calibration.spread < c.calibration.spreadRaw / 4, JSON.stringify(c.calibration));
  assert.match(c.summary, /calibrated by the probe, slope \d\.\d\d; ±\d+\.\d% without/);
  assert.ok(Math.abs(c.ratio - 1.3) < 0.03, `${c.ratio}`);
  const uncalibrated = (set: BenchmarkResultSet) => ({
    ...set,
    benchmarks: set.benchmarks.map(({ calibration: _drop, ...b }) => b),
  });
  const plain = compareWithHistory(uncalibrated(last), uncalibrated(slow), [...history, slow].map(uncalibrated));
  assert.notEqual(plain.benchmarks[0].verdict, 'regression', 'without the probe the speed change hides it');
  assert.equal(plain.benchmarks[0].calibration, undefined);
  // A probe that does not follow the machine gets a slope near 0, and changes little.
  const noisy = speeds.map((sp) => make(1, sp, 'dddd', false));
  const n = compareWithHistory(noisy[6], noisy[7], noisy).benchmarks[0];
  assert.ok((n.calibration?.slope ?? 0) < 0.3, JSON.stringify(n.calibration));
  assert.notEqual(n.verdict, 'regression');
});

test('the machine readings: /proc and /sys from a fake root, other processes counted apart from this one', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-machine-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  // Between the two readings: 200 jiffies of wall time on 2 CPUs (400 in all), 300 busy, of which
  // this process and its children used 100: others used 200 of 400, one CPU's worth.
  const at = (busy: number, self: number, load: string, mhz: number, throttle: number) => {
    write('proc/stat', `cpu  ${busy} 0 0 ${1000 - busy} 0 0 0 0 0 0\ncpu0 1 1 1 1\n`);
    write('proc/self/stat', `123 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 ${self} 0 0 0 20 0 1 0 100 1000 10\n`);
    write('proc/loadavg', `${load} 0.5 0.4 1/100 123\n`);
    for (const cpu of ['cpu0', 'cpu1']) {
      write(`sys/devices/system/cpu/${cpu}/cpufreq/scaling_cur_freq`, `${mhz * 1000}\n`);
      write(`sys/devices/system/cpu/${cpu}/thermal_throttle/core_throttle_count`, `${throttle}\n`);
    }
  };
  try {
    at(100, 50, '0.25', 2000, 0);
    const first = await readMachine(root);
    assert.deepEqual(first, {
      loadAverage: 0.25,
      cpu: { busy: 100, total: 1000 },
      self: 50,
      cpuMHz: 2000,
      throttleCount: 0,
    });
    const rec = new ConditionsRecorder(root, 2);
    await rec.start(1);
    // The counters moved: 400 more jiffies in all, 300 more busy, 100 of them ours.
    write('proc/stat', `cpu  400 0 0 1000 0 0 0 0 0 0\n`);
    write('proc/self/stat', `123 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 150 0 0 0 20 0 1 0 100 1000 10\n`);
    write('proc/loadavg', '1.75 0.5 0.4 1/100 123\n');
    write('sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count', '2\n');
    await rec.mark();
    const c = rec.finish()!;
    assert.equal(c.cpus, 2);
    assert.equal(c.before.loadAverage, 0.25);
    assert.equal(c.during.loadAverage, 1.75);
    assert.equal(c.during.otherCpus, 1, 'others used one CPU of two');
    assert.equal(c.during.throttleCount, 2);
    assert.equal(c.during.cpuMHz, 2000);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('Wilcoxon signed-rank: W+, p and the Hodges–Lehmann estimate agree with scipy 1.17.1; ties use the normal approximation', () => {
  // scipy.stats.wilcoxon(d) (exact without ties) and numpy.median of the Walsh averages.
  const cases: [number[], number, number, number][] = [
    [[0.12, 0.05, -0.02, 0.3, 0.08, 0.11, -0.04, 0.09, 0.15, 0.07], 52, 0.009765625, 0.085],
    [[1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3, -0.1, 0.2, -0.33], 74, 0.00341796875, 1.395],
    [Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * 0.2 + 0.05), 314, 0.09610157273709774, 0.05],
  ];
  for (const [d, wPlus, p, hl] of cases) {
    const r = signedRank(d);
    assert.equal(r.method, 'exact');
    assert.equal(r.wPlus, wPlus);
    assert.ok(Math.abs(r.p - p) < 1e-12, `p ${r.p} vs ${p}`);
    assert.ok(Math.abs(r.estimate - hl) < 1e-12, `estimate ${r.estimate} vs ${hl}`);
    assert.ok(r.low <= r.estimate && r.estimate <= r.high);
  }
  // Ties and a zero: scipy.stats.wilcoxon(d, method='approx', correction=False).
  const tied = signedRank([0.1, 0.1, -0.2, 0.3, 0.1, 0.0, 0.25, -0.05]);
  assert.equal(tied.method, 'asymptotic');
  assert.equal(tied.n, 7, 'the zero is dropped');
  assert.ok(Math.abs(tied.p - 0.1731945874792824) < 1e-6, `${tied.p}`); // erfc to 1.2e-7
  // One far block moves a mean a lot and the rank test little.
  const steady = Array.from({ length: 15 }, (_, i) => 0.08 + i * 0.003);
  const withOutlier = [...steady.slice(0, 14), -1.5];
  const mean = withOutlier.reduce((a, x) => a + x, 0) / withOutlier.length;
  assert.ok(mean < 0.01, `the mean is dragged to ${mean}`);
  assert.ok(signedRank(withOutlier).p < 0.01, `still significant: p ${signedRank(withOutlier).p}`);
  assert.ok(Math.abs(signedRank(withOutlier).estimate - 0.1) < 0.01, `${signedRank(withOutlier).estimate}`);
});

test('lens titles: the core markers become codicons; a name that spells one stays text', () => {
  assert.equal(
    withCodicon('▲ 12.4% slower than main (p=0.002, 30 runs)'),
    '$(arrow-up) 12.4% slower than main (p=0.002, 30 runs)',
  );
  assert.equal(withCodicon('▼ 8.0% faster than main'), '$(arrow-down) 8.0% faster than main');
  assert.equal(
    withCodicon('? inconclusive vs main: one session each'),
    '$(question) inconclusive vs main: one session each',
  );
  assert.equal(withCodicon('no significant change vs main'), 'no significant change vs main');
  const evil = withCodicon(plainText('▲ 5.0% slower than $(bug) (p=0.001, 9 runs)'));
  assert.ok(evil.startsWith('$(arrow-up) '));
  assert.ok(!evil.slice(2).includes('$('), `only the prefix is an icon: ${evil}`);
});
