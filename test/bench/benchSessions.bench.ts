// Benchmark verdicts measured on this very machine, not in simulation (figures, not pass/fail):
// a real Python benchmark in a real git repository, one `flamelens bench` of the built CLI per
// session.
// - A/A: 11 sessions of unchanged code, each compared (`flamelens compare`) with the one before,
//   while another process loads the CPU during the middle third. Target: 0 regressions. The
//   runs-only rule's verdicts on the same pairs are printed beside them.
// - Real slowdowns (30%, then 10%; the loop made longer and committed), each session compared with
//   the last session of the unchanged code once the history holds at least five of them. Target:
//   30% a regression every time (inconclusive counts as a miss), 10% in most.
// - The same interleaved (`bench --against <unchanged commit>`, 20 and 30 blocks), and interleaved A/A.
// Set FLAMELENS_BENCH_SESSIONS_QUICK=1 for a shorter run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compareResultSets } from '../../src/core/analysis/bench/benchCompare';
import { busyCause } from '../../src/core/analysis/bench/sessionDrift';
import type { BenchmarkResultSet } from '../../src/core/model/bench';

const CLI = path.resolve('dist/cli.js');
const quick = process.env.FLAMELENS_BENCH_SESSIONS_QUICK === '1';
const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-bench-sessions-'));

function loop(n: number): string {
  // n passes over the same small loop: the time is linear in n (a loop over growing integers is
  // not, on CPython 3.11: 30% more iterations measured 80% slower).
  return `def make():\n    return (${n},)\n\n\ndef work(n):\n    for _ in range(n):\n        s = 0\n        for i in range(100):\n            s += i\n    return s\n`;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && (cmd === 'git' || !r.stdout.trim()))
    throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

function commit(n: number, message: string): string {
  writeFileSync(path.join(dir, 'loop.py'), loop(n));
  sh('git', ['add', '-A']);
  sh('git', ['-c', 'user.email=bench@example.invalid', '-c', 'user.name=bench', 'commit', '-qm', message]);
  return sh('git', ['rev-parse', 'HEAD']).trim();
}

/** One session: its saved results. */
function session(extra: string[] = []): { set: BenchmarkResultSet; out: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [CLI, 'bench', '--json', ...extra], { cwd: dir, encoding: 'utf8' });
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `bench ${extra.join(' ')}: exit ${r.status} signal ${r.signal}, ${r.stdout.length} chars of stdout: ${r.stderr.slice(-1500)}`,
    );
  }
  return { set: JSON.parse(readFileSync(out.file as string, 'utf8')) as BenchmarkResultSet, out };
}

function verdict(base: BenchmarkResultSet, cur: BenchmarkResultSet): { verdict: string; reason?: string } {
  const c = JSON.parse(sh(process.execPath, [CLI, 'compare', base.id, cur.id, '--json']));
  return c.benchmarks[0];
}

function hog(): ChildProcess[] {
  return [spawn('python3', ['-c', 'while True: pass'], { stdio: 'ignore' })];
}

const tally = (vs: string[]) => {
  const t: Record<string, number> = { regression: 0, improvement: 0, 'no-change': 0, inconclusive: 0 };
  for (const v of vs) t[v] = (t[v] ?? 0) + 1;
  return `${t.regression} regression, ${t.improvement} improvement, ${t['no-change']} no-change, ${t.inconclusive} inconclusive`;
};

try {
  writeFileSync(
    path.join(dir, 'flamelens.bench.json'),
    JSON.stringify({ benchmarks: [{ name: 'loop', callable: 'loop:work', setup: 'loop:make', runs: 60, warmup: 5 }] }),
  );
  writeFileSync(path.join(dir, '.gitignore'), '.flamelens/\n__pycache__/\n');
  sh('git', ['init', '-q']);
  const N = 400; // about 1.2 ms a call here
  const unchanged = commit(N, 'unchanged');

  // A/A with a CPU hog in the middle third.
  const sessions = quick ? 7 : 11;
  const sets: BenchmarkResultSet[] = [];
  const ours: string[] = [];
  const runsOnly: string[] = [];
  const reasons: string[] = [];
  let hogs: ChildProcess[] = [];
  const t0 = Date.now();
  for (let i = 0; i < sessions; i++) {
    if (i === Math.floor(sessions / 3)) hogs = hog();
    if (i === Math.floor((2 * sessions) / 3)) hogs.forEach((h) => h.kill());
    sets.push(session().set);
    if (i === 0) continue;
    const v = verdict(sets[i - 1], sets[i]);
    ours.push(v.verdict);
    if (v.reason) reasons.push(v.reason.split(' (')[0]);
    runsOnly.push(compareResultSets(sets[i - 1], sets[i]).benchmarks[0].verdict);
  }
  hogs.forEach((h) => h.kill());
  console.log(
    `A/A, ${sessions} sessions of unchanged code (CPU hog in the middle third), ${((Date.now() - t0) / 1000).toFixed(0)} s:`,
  );
  console.log(`  flamelens compare: ${tally(ours)}   (target: 0 regressions)`);
  console.log(`  runs-only rule on the same pairs: ${tally(runsOnly)}`);
  for (const r of new Set(reasons)) console.log(`  reason seen: ${r}`);

  // The slowdowns are compared once the history holds five sessions of the unchanged code that
  // can teach the noise (a session others loaded cannot): more sessions until it does.
  const quiet = () => sets.filter((s) => !busyCause(s.conditions)).length;
  let extra = 0;
  while (quiet() < 5 && extra < 10) {
    sets.push(session().set);
    extra++;
  }
  console.log(`history: ${quiet()} quiet sessions of unchanged code of ${sets.length} (${extra} added for it)`);

  // Real slowdowns against the history.
  for (const slowdown of [0.3, 0.1]) {
    commit(Math.round(N * (1 + slowdown)), `slower by ${slowdown * 100}%`);
    const found: string[] = [];
    const ratios: string[] = [];
    for (let i = 0; i < (quick ? 3 : 5); i++) {
      const cur = session().set;
      const v = verdict(sets[sets.length - 1], cur) as {
        verdict: string;
        ratio?: number;
        calibration?: { slope: number } | null;
      };
      found.push(v.verdict + (v.calibration ? ` (probe slope ${v.calibration.slope.toFixed(2)})` : ''));
      if (v.ratio) ratios.push(`${((v.ratio - 1) * 100).toFixed(1)}%`);
    }
    console.log(
      `${slowdown * 100}% slower vs history (${sets.length} sessions of unchanged code): ${found.filter((v) => v.startsWith('regression')).length} of ${found.length} called regression [${found.join(', ')}] measured ${ratios.join(', ')}`,
    );
    // Interleaved against the unchanged commit: the default 20 blocks, and 30.
    for (const blocks of ['20', '30']) {
      const il: string[] = [];
      for (let i = 0; i < (quick ? 2 : 3); i++) {
        const { out } = session(['--against', unchanged, '--blocks', blocks]);
        const b = (
          out.comparison as {
            benchmarks: {
              verdict: string;
              ratio: number;
              pValue: number;
              calibration: { spreadRaw: number; spread: number } | null;
            }[];
          }
        ).benchmarks[0];
        const cal = b.calibration
          ? `, block SD ${(b.calibration.spreadRaw * 100).toFixed(1)}% -> ${(b.calibration.spread * 100).toFixed(1)}% by the probe`
          : '';
        il.push(`${b.verdict} (${((b.ratio - 1) * 100).toFixed(1)}%, p=${b.pValue.toPrecision(2)}${cal})`);
      }
      console.log(
        `${slowdown * 100}% slower, interleaved in ${blocks} blocks against ${unchanged.slice(0, 8)}: ${il.join('; ')}`,
      );
    }
    sh('git', ['reset', '-q', '--hard', unchanged]);
  }
  for (const blocks of ['20', '30']) {
    const aa: string[] = [];
    for (let i = 0; i < (quick ? 2 : 3); i++) {
      const { out } = session(['--against', 'HEAD', '--blocks', blocks]);
      const b = (out.comparison as { benchmarks: { verdict: string; ratio: number }[] }).benchmarks[0];
      aa.push(`${b.verdict} (${((b.ratio - 1) * 100).toFixed(1)}%)`);
    }
    console.log(
      `A/A interleaved in ${blocks} blocks (against HEAD, unchanged): ${aa.join('; ')}   (target: no regression)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
