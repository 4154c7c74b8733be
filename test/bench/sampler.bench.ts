// Overhead of the built-in sampler at 100 Hz: wall time of a CPU-bound program (examples/
// matrix_work.py, two threads) run plainly and under the sampler, alternating, 5 runs each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const script = path.join(ROOT, 'examples', 'matrix_work.py');
const sampler = path.join(ROOT, 'media', 'flamelens_sampler.py');
const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-sampler-bench-'));
const steps = process.env.FLAMELENS_BENCH_STEPS ?? '200';

function time(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('python3', args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed`);
  return performance.now() - t0;
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plain: number[] = [];
const sampled: number[] = [];
time([script, '5']);
for (let i = 0; i < 7; i++) {
  plain.push(time([script, steps]));
  sampled.push(time([sampler, '--rate', '100', '--output', path.join(dir, `p${i}.folded`), '--', script, steps]));
}
const p = med(plain);
const s = med(sampled);
console.log(
  `built-in sampler at 100 Hz: plain ${p.toFixed(0)} ms, sampled ${s.toFixed(0)} ms (medians of 7): slowdown ${(((s - p) / p) * 100).toFixed(1)}% (target under 5%)`,
);
