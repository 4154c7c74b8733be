// CUDA allocator snapshots (issue 22, point 7): synthetic snapshots shaped like torch 2.6's
// (make_snapshot.py, with frame dicts shared between entries as real snapshots have them: the
// H200 one refers 15,352 times to 278 frame dicts) opened as the memory view opens them (read +
// analysis) in a fresh Node process, against the target (a 100 MB snapshot with a million history
// entries in under 3 s, resident memory under 3x the file); and, interleaved in the same run,
// Python's own pickle.load of the same file (a restricted Unpickler, the reference a user would
// reach for). Two files: the target's shape (1.02M entries of 6 frames in 101 MiB), and a heavier
// one (13 frames an entry, 141 MB). Until this stop the bench's entries each had their own copies
// of their frames, which no real snapshot has (140 MB for 1.02M entries of 4 frames).
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readMemorySnapshot } from '../../src/core/formats/torch/memorySnapshot';
import { analyzeMemory } from '../../src/core/analysis/memory/torchMemory';

const ROOT = path.resolve(__dirname, '..', '..');
const MB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PY = `
import collections, pickle, sys, time
class U(pickle.Unpickler):
    def find_class(self, m, n):
        if (m, n) in (('collections', 'OrderedDict'), ('collections', 'defaultdict')): return getattr(collections, n)
        raise pickle.UnpicklingError(f'{m}.{n}')
t0 = time.perf_counter()
with open(sys.argv[1], 'rb') as f: U(f).load()
print((time.perf_counter() - t0) * 1000)
`;

async function child(file: string): Promise<void> {
  const t0 = performance.now();
  const s = await readMemorySnapshot(file);
  const t1 = performance.now();
  const a = analyzeMemory(s);
  const t2 = performance.now();
  console.log(
    JSON.stringify({
      readMs: t1 - t0,
      analyzeMs: t2 - t1,
      entries: s.histories.reduce((n, h) => n + h.action.length, 0),
      peakBytes: a.timelines[0]?.peakBytes ?? 0,
      rss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

async function measure(file: string, entries: string, depth: string): Promise<void> {
  if (!existsSync(file)) {
    const g = spawnSync(
      'python3',
      [path.join(ROOT, 'test', 'bench', 'make_snapshot.py'), file, entries, depth, 'shared'],
      { stdio: 'inherit' },
    );
    if (g.status !== 0) throw new Error('make_snapshot.py failed');
  }
  const bytes = statSync(file).size;
  const ours: { ms: number; rss: number; entries: number }[] = [];
  const py: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const f = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      readMs: number;
      analyzeMs: number;
      rss: number;
      entries: number;
    };
    ours.push({ ms: f.readMs + f.analyzeMs, rss: f.rss, entries: f.entries });
    const p = spawnSync('python3', ['-c', PY, file], { encoding: 'utf8' });
    if (p.status === 0) py.push(Number(p.stdout.trim()));
  }
  const ms = median(ours.map((o) => o.ms));
  const rss = median(ours.map((o) => o.rss));
  const pyMs = py.length ? median(py) : NaN;
  console.log(
    `snapshot ${(bytes / MB).toFixed(0)} MB, ${ours[0].entries.toLocaleString('en-US')} history entries of ${Number(depth) + 1} frames: ` +
      `read + analysis ${(ms / 1000).toFixed(2)} s (${(bytes / MB / (ms / 1000)).toFixed(0)} MB/s; runs ${ours.map((o) => (o.ms / 1000).toFixed(2)).join(', ')} s; target 3 s for 100 MB), ` +
      `peak RSS ${(rss / MB).toFixed(0)} MB (${(rss / bytes).toFixed(2)}x the file; target 3x); ` +
      `Python's pickle.load alone ${(pyMs / 1000).toFixed(2)} s (flamelens ${(pyMs / ms).toFixed(2)}x its speed), medians of 3, alternating`,
  );
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3]);
  await measure(path.join(tmpdir(), 'flamelens-bench-snapshot-101MiB-1M.pickle'), '680000', '5');
  await measure(path.join(tmpdir(), 'flamelens-bench-snapshot-141MB-1M.pickle'), '680000', '12');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
