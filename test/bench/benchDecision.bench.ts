// The regression rule measured by simulation (figures, not pass/fail): how often it raises a
// false regression on A/A comparisons (both sides from the same distribution), and how often it
// detects a real 5% slowdown with 30 runs per side and 3% noise. Targets: at most 1% false
// regressions, at least 95% detection. Also other noise levels and shapes (heavy tails with
// outliers, two modes), and, for comparison, a threshold-only rule like pytest-benchmark's.
import { compareRuns, compareResultSets } from '../../src/core/analysis/bench/benchCompare';
import { buildHistories } from '../../src/core/analysis/bench/benchHistory';
import type { BenchmarkResultSet } from '../../src/core/model/bench';
import { makeRng } from '../../src/core/analysis/bench/benchStats';
import type { BenchmarkRun } from '../../src/core/model/bench';

type Shape = 'lognormal' | 'outliers' | 'bimodal';

function draw(rng: () => number, n: number, median: number, noise: number, shape: Shape): number[] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return Array.from({ length: n }, () => {
    let x = median * Math.exp(noise * normal());
    if (shape === 'outliers' && rng() < 0.05) x *= 1.5 + rng();
    if (shape === 'bimodal' && rng() < 0.3) x *= 1 + 4 * noise;
    return x;
  });
}

function run(samples: number[]): BenchmarkRun {
  return { name: 'sim', kind: 'callable', samples, timing: 'wall' };
}

interface Rates {
  regression: number;
  thresholdOnly: number;
}

function simulate(trials: number, n: number, noise: number, slowdown: number, shape: Shape, seed: number): Rates {
  const rng = makeRng(seed);
  let regression = 0;
  let thresholdOnly = 0;
  for (let t = 0; t < trials; t++) {
    const base = run(draw(rng, n, 1, noise, shape));
    const cur = run(draw(rng, n, 1 + slowdown, noise, shape));
    const c = compareRuns(base, cur, { resamples: 1000 });
    if (c.verdict === 'regression') regression++;
    if (c.ratio >= 1.05) thresholdOnly++;
  }
  return { regression: regression / trials, thresholdOnly: thresholdOnly / trials };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function main(): void {
  const t0 = performance.now();
  const aa = simulate(4000, 30, 0.03, 0, 'lognormal', 1);
  const power = simulate(2000, 30, 0.03, 0.05, 'lognormal', 2);
  console.log(
    'decision rule: regression = Mann–Whitney p < 0.01, slower, and the 95% bootstrap CI of the ratio reaches +5%',
  );
  console.log(
    `A/A, 30 runs per side, 3% noise (4,000 trials): false regressions ${pct(aa.regression)} (target ≤ 1%; ratio ${(aa.regression / 0.01).toFixed(2)} of the limit)`,
  );
  console.log(
    `real 5% slowdown, 30 runs per side, 3% noise (2,000 trials): detected ${pct(power.regression)} (target ≥ 95%; ratio ${(power.regression / 0.95).toFixed(3)} of the target)`,
  );
  console.log(
    `  a threshold-only rule (median ratio ≥ 1.05, like pytest-benchmark's --benchmark-compare-fail): A/A ${pct(aa.thresholdOnly)}, detects ${pct(power.thresholdOnly)}`,
  );
  console.log(
    '\nother conditions (500 trials each): false regressions on A/A | detection of a 5% slowdown | of a 10% slowdown',
  );
  for (const [n, noise, shape] of [
    [10, 0.03, 'lognormal'],
    [30, 0.01, 'lognormal'],
    [30, 0.1, 'lognormal'],
    [100, 0.03, 'lognormal'],
    [30, 0.03, 'outliers'],
    [30, 0.03, 'bimodal'],
  ] as [number, number, Shape][]) {
    const a = simulate(500, n, noise, 0, shape, 10 + n);
    const p5 = simulate(500, n, noise, 0.05, shape, 20 + n);
    const p10 = simulate(500, n, noise, 0.1, shape, 30 + n);
    console.log(
      `  ${String(n).padStart(3)} runs, ${pct(noise).padStart(5)} noise, ${shape.padEnd(9)}: ${pct(a.regression).padStart(6)} | ${pct(p5.regression).padStart(6)} | ${pct(p10.regression).padStart(6)}`,
    );
  }
  console.log(`\n(simulation took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // What the editor does on each change of the store: one comparison and the histories.
  const rng = makeRng(99);
  const sets: BenchmarkResultSet[] = Array.from({ length: 100 }, (_, i) => ({
    kind: 'flamelens-bench',
    version: 1,
    id: `r${i}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
    source: 'flamelens',
    environment: {},
    benchmarks: Array.from({ length: 20 }, (_, b) =>
      run(draw(rng, 30, 1e-3 * (b + 1) * (i >= 60 ? 1.1 : 1), 0.03, 'lognormal')),
    ).map((r, b) => ({ ...r, name: `bench-${b}` })),
  }));
  const c0 = performance.now();
  const cmp = compareResultSets(sets[0], sets[99]);
  const c1 = performance.now();
  const histories = buildHistories(sets);
  const c2 = performance.now();
  const found = histories.filter((h) => h.changePoints.includes(60)).length;
  console.log(
    `comparison of 20 benchmarks × 30 runs: ${(c1 - c0).toFixed(0)} ms (${cmp.benchmarks.filter((b) => b.verdict === 'regression').length} regressions of a real 10%); histories of 100 results × 20 benchmarks: ${(c2 - c1).toFixed(0)} ms, view message ${(JSON.stringify({ cmp, histories }).length / 1024).toFixed(0)} KiB; the step at result 60 found as a change point in ${found} of 20`,
  );
}

main();
