/**
 * Growth with input size: each case is generated at size N and 2N, read by the built CLI
 * (`analyze --json`) in a child process, and measured by its peak resident memory and wall time.
 * Memory above a baseline (the CLI reading a tiny file) should double when N doubles; a square
 * law quadruples it. Used by `npm run fuzz` (asserts the ratio) and `npm run bench` (prints the
 * figures); never a timed test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deepCollapsedLine, nestedSpeedscope, nestedTorchTrace, writeDistinctStacks, writeGzipBomb } from './hostile';

const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface ScalingCase {
  name: string;
  /** The two sizes measured (N and 2N). */
  sizes: [number, number];
  /** What a size counts ("levels", "stacks", "GiB inflated"). */
  unit: string;
  /** Writes the input for size n into dir; returns its path. */
  make: (dir: string, n: number) => Promise<string>;
  /** Exit status the CLI must give (1 for inputs it must refuse, such as bombs). */
  status?: number;
  /** A bomb's memory must not grow at all with what it inflates to. */
  flat?: boolean;
}

export interface Measurement {
  n: number;
  seconds: number;
  peakMiB: number;
  status: number | null;
  stderr: string;
}

/** The cases; `scale` divides the sizes (1: npm run fuzz's full sizes, to 1,000,000 levels and 10 million stacks). */
export function scalingCases(scale = 1): ScalingCase[] {
  const s = (n: number) => Math.max(1, Math.round(n / scale));
  return [
    {
      name: 'speedscope, opens nested N deep',
      sizes: [s(500_000), s(1_000_000)],
      unit: 'levels',
      make: async (dir, n) => write(path.join(dir, `deep-${n}.speedscope.json`), nestedSpeedscope(n)),
    },
    {
      name: 'PyTorch trace, operators nested N deep, N kernels under the outermost',
      sizes: [s(250_000), s(500_000)],
      unit: 'levels',
      make: async (dir, n) => write(path.join(dir, `deep-${n}.pt.trace.json`), nestedTorchTrace(n, n)),
    },
    {
      name: 'collapsed stacks, one stack N frames deep',
      sizes: [s(100_000), s(200_000)],
      unit: 'frames',
      make: async (dir, n) => write(path.join(dir, `deep-${n}.folded`), deepCollapsedLine(n)),
    },
    {
      name: 'collapsed stacks, N distinct stacks',
      sizes: [s(5_000_000), s(10_000_000)],
      unit: 'stacks',
      make: async (dir, n) => {
        const file = path.join(dir, `broad-${n}.folded`);
        await writeDistinctStacks(file, n);
        return file;
      },
    },
    {
      name: 'nvidia-smi table, rows N characters wide (a GPU name, a process name)',
      sizes: [s(32_000_000), s(64_000_000)],
      unit: 'characters',
      make: async (dir, n) => write(path.join(dir, `wide-${n}.txt`), wideSmiTable(n)),
    },
    {
      name: 'gzip bomb of "[" (refused at 64 MiB)',
      sizes: [s(1024), s(2048)],
      unit: 'MiB inflated',
      status: 1,
      flat: true,
      make: async (dir, n) => {
        const file = path.join(dir, `bomb-${n}.json.gz`);
        await writeGzipBomb(file, n * 2 ** 20);
        return file;
      },
    },
  ];
}

/** nvidia-smi's table (2 GPUs, as driver 580 prints it) whose GPU and process names are n/2 characters of spaces and words. */
function wideSmiTable(n: number): string {
  const wide = ' x'.repeat(Math.floor(n / 4));
  const lines = [
    'Sat Jan 31 14:36:05 2026',
    '+' + '-'.repeat(89) + '+',
    '| NVIDIA-SMI 580.126.09             Driver Version: 580.126.09     CUDA Version: 13.0     |',
    '+-----------------------------------------+------------------------+----------------------+',
    '| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |',
    '| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |',
    '|=========================================+========================+======================|',
    `|   0  NVIDIA${wide} Off |   00000000:01:00.0 Off |                  Off |`,
    '|  0%   30C    P8             29W /  400W |    1583MiB /  24564MiB |      0%      Default |',
    '+-----------------------------------------+------------------------+----------------------+',
    '',
    '| Processes:                                                                              |',
    '|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |',
    '|=========================================================================================|',
    `|    0   N/A  N/A            2244      G   /usr/bin/x${wide} x 4MiB |`,
    '+' + '-'.repeat(89) + '+',
  ];
  return lines.join('\n') + '\n';
}

async function write(file: string, text: string): Promise<string> {
  writeFileSync(file, text);
  return file;
}

const RSS_HOOK = "process.on('exit', () => process.stderr.write(`\\nmaxrss ${process.resourceUsage().maxRSS}\\n`));";

/** Runs `flamelens analyze FILE --json` in a child and measures it. */
export function measureCli(file: string, n: number, dir: string): Measurement {
  const hook = path.join(dir, 'rss-hook.cjs');
  writeFileSync(hook, RSS_HOOK);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', hook, CLI, 'analyze', file, '--json', '--top', '3'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { n, seconds, peakMiB: kb / 1024, status: r.status, stderr: r.stderr.replace(/\nmaxrss \d+\n/, '') };
}

export interface ScalingResult {
  name: string;
  unit: string;
  base: Measurement;
  small: Measurement;
  large: Measurement;
  /** (peak at 2N − baseline) / (peak at N − baseline): about 2 when linear, 4 when quadratic. */
  memoryRatio: number;
  timeRatio: number;
  problem?: string;
}

/** Measures one case at N and 2N (and the baseline), in a scratch folder removed afterwards. */
export async function runScalingCase(c: ScalingCase): Promise<ScalingResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-scaling-'));
  try {
    const tiny = await write(path.join(dir, 'tiny.folded'), 'main;f 1\n');
    const base = measureCli(tiny, 0, dir);
    const results: Measurement[] = [];
    for (const n of c.sizes) {
      const file = await c.make(dir, n);
      results.push(measureCli(file, n, dir));
      rmSync(file, { force: true });
    }
    const [small, large] = results;
    const above = (m: Measurement) => Math.max(1, m.peakMiB - base.peakMiB);
    const memoryRatio = above(large) / above(small);
    const timeRatio = large.seconds / small.seconds;
    let problem: string | undefined;
    for (const m of results)
      if (m.status !== (c.status ?? 0))
        problem = `exit ${m.status} at ${m.n} ${c.unit} (expected ${c.status ?? 0}): ${m.stderr.trim().slice(-300)}`;
    if (!problem && c.flat && memoryRatio > 1.5)
      problem = `memory grew ${memoryRatio.toFixed(2)}x with what the bomb inflates to (must stay flat)`;
    if (!problem && !c.flat && memoryRatio > 3)
      problem = `memory grew ${memoryRatio.toFixed(2)}x when the input doubled (linear: about 2x; a square law: 4x)`;
    return { name: c.name, unit: c.unit, base, small, large, memoryRatio, timeRatio, problem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeScaling(r: ScalingResult): string {
  const m = (x: Measurement) =>
    `${x.n.toLocaleString('en-US')} ${r.unit}: ${x.seconds.toFixed(1)} s, peak ${x.peakMiB.toFixed(0)} MiB`;
  return `  ${r.name}: ${m(r.small)}; ${m(r.large)}; memory above the ${r.base.peakMiB.toFixed(0)} MiB baseline ×${r.memoryRatio.toFixed(2)}, time ×${r.timeRatio.toFixed(2)} for ×2 input${r.problem ? `\n    FINDING: ${r.problem}` : ''}`;
}
