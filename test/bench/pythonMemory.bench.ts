// The built-in Python heap tracer (issue 22, point 7): its cost against tracemalloc.start(1)
// alone on an allocation-heavy program (alloc_heavy.py), and against no tracing at all; the three
// run alternately, medians of 5. The target: at most 1.1x tracemalloc.start(1).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PROGRAM = path.join(ROOT, 'test', 'bench', 'alloc_heavy.py');
const TRACER = path.join(ROOT, 'media', 'flamelens_memory_tracer.py');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const python = process.env.FLAMELENS_PYTHON ?? 'python3';
const dir = mkdtempSync(path.join(tmpdir(), 'fl-bench-memory-'));

function time(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(python, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return performance.now() - t0;
}

const plain: number[] = [];
const tm: number[] = [];
const ours: number[] = [];
for (let i = 0; i < 5; i++) {
  plain.push(time([PROGRAM]));
  tm.push(
    time([
      '-c',
      `import runpy, sys, tracemalloc; tracemalloc.start(1); sys.argv = [${JSON.stringify(PROGRAM)}]; runpy.run_path(${JSON.stringify(PROGRAM)}, run_name='__main__')`,
    ]),
  );
  ours.push(time([TRACER, '--output', path.join(dir, `m${i}.json`), '--', PROGRAM]));
}
const [p, t, o] = [median(plain), median(tm), median(ours)];
console.log(
  `python heap tracer on alloc_heavy.py: ${(o / 1000).toFixed(2)} s; tracemalloc.start(1) alone ${(t / 1000).toFixed(2)} s ` +
    `(tracer ${(o / t).toFixed(2)}x it; target 1.1x); no tracing ${(p / 1000).toFixed(2)} s (tracemalloc ${(t / p).toFixed(1)}x, ` +
    `tracer ${(o / p).toFixed(1)}x); medians of 5, alternating`,
);
