// Depth and breadth: the stack table keeps one node per distinct path prefix, and every analysis
// over it (hot paths, call trees, callers/callees, search, diff) gives what a plain walk over
// every whole stack gives, on real profiles with recursion. Nested PyTorch operators find the
// operator around each launch in one sweep.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { parseSpeedscope } from '../../src/core/formats/cpu/speedscope';
import { analyzeHotPaths } from '../../src/core/analysis/cpu/hotPaths';
import { buildCallTree, functionFrames, pathTo } from '../../src/core/analysis/cpu/callTree';
import { buildFlameView } from '../../src/core/analysis/cpu/flameView';
import { buildSandwich } from '../../src/core/analysis/cpu/sandwich';
import { searchProfile } from '../../src/core/analysis/cpu/search';
import { diffProfiles } from '../../src/core/analysis/cpu/profileDiff';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { analyzeTorchTrace } from '../../src/core/analysis/torch/torchAnalysis';
import { analyzeTorchSources } from '../../src/core/analysis/torch/torchSources';
import { innermostAt } from '../../src/core/analysis/torch/spanNesting';
import {
  functionKey,
  profileFromJson,
  profileToJson,
  weightedStacks,
  type Profile,
} from '../../src/core/model/profile';
import { BUILTIN_FOLDED, PYSPY_SPEEDSCOPE, read, REAL } from '../helpers';
import { nestedSpeedscope, nestedTorchTrace } from '../fuzz/hostile';
import { mulberry32 } from '../bench/synthetic';

const REAL_PROFILES = [
  BUILTIN_FOLDED,
  PYSPY_SPEEDSCOPE,
  path.join(REAL, 'profile-diff', 'before.folded'),
  path.join(REAL, 'profile-diff', 'after.folded'),
];

/** Every sample as (frames root first, weight), straight from the stack tables. */
function samples(p: Profile): [number[], number][] {
  return p.threads.flatMap((t) => [...weightedStacks(t)]);
}

test('a span inside 40,000 others is one node: the stack table grows with the depth, not its square', () => {
  const p = parseSpeedscope(nestedSpeedscope(40_000), 'deep.speedscope.json');
  const t = p.threads[0];
  assert.equal(t.frame.length, 40_001, 'root + one node per nesting level');
  const hot = analyzeHotPaths(p);
  assert.equal(hot.total, 80_000);
  const f0 = hot.functions.find((f) => f.name === 'f0')!;
  const f39999 = hot.functions.find((f) => f.name === 'f39999')!;
  assert.equal(f0.total, 80_000);
  assert.equal(f0.self, 2);
  assert.equal(f39999.total, 2);
  const tree = buildCallTree(p);
  assert.equal(tree.size, 40_001);
  assert.equal(tree.depth[tree.size - 1], 40_000);
  // Focused at the bottom, the view shows a bounded chain above it.
  const view = buildFlameView(p, tree, tree.size - 1);
  let depth = 0;
  for (let n = view.root; n.children; n = n.children[0]) depth++;
  assert.ok(depth <= 62, `context chain of ${depth} frames`);
  assert.equal(diffProfiles(p, p).tree.delta, 0);
});

test('hot paths over the stack table equal a walk over every whole stack (real profiles, recursion)', () => {
  for (const file of REAL_PROFILES) {
    const p = parseProfile(read(file), file);
    const hot = analyzeHotPaths(p);
    const total = new Map<string, number>();
    const self = new Map<string, number>();
    let sum = 0;
    for (const [stack, w] of samples(p)) {
      sum += w;
      const seen = new Set(stack.map((f) => functionKey(p.frames[f])));
      for (const k of seen) total.set(k, (total.get(k) ?? 0) + w);
      if (stack.length) {
        const k = functionKey(p.frames[stack[stack.length - 1]]);
        self.set(k, (self.get(k) ?? 0) + w);
      }
    }
    assert.equal(hot.total, sum, file);
    assert.equal(hot.functions.length, total.size, file);
    for (const f of hot.functions) {
      const k = functionKey({ name: f.name, file: f.file, kind: 'other' });
      assert.equal(f.total, total.get(k), `${file}: total of ${f.name}`);
      assert.equal(f.self, self.get(k) ?? 0, `${file}: self of ${f.name}`);
    }
  }
});

test('callers and callees, search and the bottom-up tree equal a walk over every whole stack', () => {
  for (const file of REAL_PROFILES) {
    const p = parseProfile(read(file), file);
    const hot = analyzeHotPaths(p);
    const keys = p.frames.map(functionKey);
    for (const target of hot.functions.slice(0, 8)) {
      const tk = functionKey({ name: target.name, file: target.file, kind: 'other' });
      const callers = new Map<string, number>();
      const callees = new Map<string, number>();
      let total = 0;
      for (const [stack, w] of samples(p)) {
        const ks = stack.map((f) => keys[f]);
        if (ks.includes(tk)) total += w;
        const cs = new Set<string>();
        const ce = new Set<string>();
        ks.forEach((k, i) => {
          if (k !== tk) return;
          if (i > 0 && ks[i - 1] !== tk) cs.add(ks[i - 1]);
          if (i + 1 < ks.length && ks[i + 1] !== tk) ce.add(ks[i + 1]);
        });
        for (const k of cs) callers.set(k, (callers.get(k) ?? 0) + w);
        for (const k of ce) callees.set(k, (callees.get(k) ?? 0) + w);
      }
      const s = buildSandwich(p, target.name, target.file);
      assert.equal(s.total, total, `${file}: ${target.name}`);
      const asMap = (l: { name: string; file?: string; weight: number }[]) =>
        new Map(l.map((e) => [functionKey({ name: e.name, file: e.file, kind: 'other' }), e.weight]));
      assert.deepEqual(asMap(s.callers), callers, `${file}: callers of ${target.name}`);
      assert.deepEqual(asMap(s.callees), callees, `${file}: callees of ${target.name}`);
    }
    for (const term of ['matmul', 'thread', 'py']) {
      const hit = p.frames.map((f) => `${f.name}${f.file ?? ''}`.toLowerCase().includes(term));
      const want = samples(p).reduce((a, [st, w]) => a + (st.some((f) => hit[f]) ? w : 0), 0);
      assert.equal(searchProfile(p, term).matched, want, `${file}: search ${term}`);
    }
    // Bottom-up: each leaf-first path's weight, summed, equals the inverted tree's totals; by
    // line with the frames as recorded, by function (the default) with each frame taken to the
    // first frame of its function.
    const fn = functionFrames(p);
    for (const byLine of [true, false]) {
      const inverted = buildCallTree(p, { reverse: true, byLine });
      assert.equal(inverted.cut, 0);
      const want = new Map<string, number>();
      for (const [stack, w] of samples(p)) {
        const rev = [...stack].reverse().map((f) => (byLine ? f : fn[f]));
        for (let d = 1; d <= rev.length; d++) {
          const k = rev.slice(0, d).join(',');
          want.set(k, (want.get(k) ?? 0) + w);
        }
      }
      const got = new Map<string, number>();
      for (let n = 1; n < inverted.size; n++)
        got.set(
          pathTo(inverted, n)
            .map((m) => inverted.frame[m])
            .join(','),
          inverted.total[n],
        );
      assert.deepEqual(got, want, `${file}: bottom-up tree${byLine ? ' by line' : ''}`);
    }
  }
});

test('the bottom-up tree of deep recursion stops at its budget: heaviest paths whole, first level exact', () => {
  const p = parseSpeedscope(nestedSpeedscope(2500), 'deep.speedscope.json');
  const full = buildCallTree(p, { reverse: true });
  assert.equal(full.cut, 0);
  assert.ok(full.size > 3_000_000, `${full.size} nodes: the square of the depth`);
  const cut = buildCallTree(p, { reverse: true, maxNodes: 100_000 });
  assert.ok(cut.size <= 100_000 + 2500, `${cut.size} nodes`);
  assert.ok(cut.cut > 0 && cut.cut < cut.total[0]);
  assert.equal(cut.total[0], full.total[0], 'nothing lost at the root');
  const firstLevel = (t: typeof cut) => {
    const m = new Map<number, number>();
    for (let k = t.childStart[0]; k < t.childStart[1]; k++) m.set(t.frame[t.childIds[k]], t.total[t.childIds[k]]);
    return m;
  };
  assert.deepEqual(firstLevel(cut), firstLevel(full), 'each function’s self weight is exact');
});

test('a profile goes through JSON (the HTML report) unchanged, and a corrupt table is refused', () => {
  const p = parseProfile(read(BUILTIN_FOLDED), 'b.folded');
  const back = profileFromJson(JSON.parse(JSON.stringify(profileToJson(p))));
  assert.deepEqual(analyzeHotPaths(back), analyzeHotPaths(p));
  const j = profileToJson(p);
  j.threads[0].parent[3] = 7;
  assert.throws(() => profileFromJson(j), /node 3 comes before its parent/);
});

test('the innermost span at each time, in one sweep, equals walking up from the last span started', () => {
  const rnd = mulberry32(5);
  for (let round = 0; round < 30; round++) {
    // Random properly nested spans on one thread.
    const ts: number[] = [];
    const end: number[] = [];
    const parent: number[] = [];
    const open: number[] = [];
    let t = 0;
    for (let i = 0; i < 300; i++) {
      t += Math.floor(rnd() * 3);
      while (open.length && (end[open[open.length - 1]] <= t || rnd() < 0.3)) open.pop();
      const p = open.length ? open[open.length - 1] : -1;
      const limit = p >= 0 ? end[p] : t + 200;
      const e = Math.min(limit, t + 1 + Math.floor(rnd() * 40));
      ts.push(t);
      end.push(e);
      parent.push(p);
      open.push(i);
    }
    const times = Array.from({ length: 200 }, () => Math.floor(rnd() * (t + 50)));
    const got = innermostAt({ ts, end, parent }, 0, ts.length, times, 1e-3);
    times.forEach((q, k) => {
      let found = -1;
      for (let i = 0; i < ts.length; i++) if (ts[i] <= q + 1e-3) found = i;
      let n = found;
      while (n >= 0 && q > end[n] + 1e-3) n = parent[n];
      assert.equal(got[k], n, `round ${round}, time ${q}`);
    });
  }
});

test(
  'kernels launched under a 150,000-deep operator chain find their operator (linear, not depth × kernels)',
  { timeout: 120_000 },
  () => {
    const trace = parseTorchTrace(nestedTorchTrace(150_000, 150_000), 'deep.pt.trace.json');
    const s = analyzeTorchTrace(trace);
    assert.equal(s.attributed, 150_000);
    const op0 = s.ops.find((o) => o.name === 'aten::op0')!;
    assert.equal(op0.selfDeviceUs, 150_000 * 3, 'every kernel lands on the outermost operator, the one running');
    const sources = analyzeTorchSources(trace);
    assert.equal(sources.profile.threads[0].frame.length, 150_001);
    assert.equal(sources.launchers['kernel_0'][0].op, 'aten::op0');
  },
);

test('GPU time per Python function over nested spans equals crediting each launch once per enclosing function', async () => {
  const trace = await readTorchTrace(
    path.join(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz'),
  );
  const got = analyzeTorchSources(trace).gpuByFunction.filter((g) => g.site === 'def');
  assert.ok(got.length > 0, 'the trace has Python functions around launches');
  // Reference: spans nested by start time on each thread (a span that overlaps the one open
  // without fitting in it closes that one), and per launch a walk up the chain from the last
  // span started, crediting each Python function on it once: depth × launches.
  const byCorr = new Map(trace.runtime.map((r) => [r.correlation, r]));
  type S = { ts: number; end: number; key?: string; parent: number };
  const threads = new Map<string, S[]>();
  const put = (pid: string, tid: string, s: S) => {
    const k = `${pid}/${tid}`;
    threads.set(k, [...(threads.get(k) ?? []), s]);
  };
  for (const f of trace.python)
    put(f.pid, f.tid, {
      ts: f.ts,
      end: f.ts + f.dur,
      key: f.file !== undefined && f.line !== undefined ? `${f.file}:${f.line}:${f.name}` : undefined,
      parent: -1,
    });
  for (const o of trace.ops) put(o.pid, o.tid, { ts: o.ts, end: o.ts + o.dur, parent: -1 });
  for (const spans of threads.values()) {
    spans.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const open: number[] = [];
    spans.forEach((sp, i) => {
      while (open.length) {
        const top = spans[open[open.length - 1]];
        if (sp.end <= top.end + 1e-3 && sp.ts >= top.ts - 1e-3) break;
        open.pop();
      }
      sp.parent = open.length ? open[open.length - 1] : -1;
      open.push(i);
    });
  }
  const want = new Map<string, { us: number; launches: number; kernels: Set<string> }>();
  for (const g of trace.gpu) {
    const r = g.correlation !== undefined ? byCorr.get(g.correlation) : undefined;
    const spans = r && threads.get(`${r.pid}/${r.tid}`);
    if (!r || !spans) continue;
    let n = -1;
    spans.forEach((sp, i) => {
      if (sp.ts <= r.ts + 1e-3) n = i;
    });
    while (n >= 0 && r.ts > spans[n].end + 1e-3) n = spans[n].parent;
    const keys = new Set<string>();
    for (; n >= 0; n = spans[n].parent) if (spans[n].key) keys.add(spans[n].key!);
    for (const k of keys) {
      const e = want.get(k) ?? { us: 0, launches: 0, kernels: new Set<string>() };
      e.us += g.dur;
      e.launches++;
      if (g.kind === 'kernel') e.kernels.add(g.name);
      want.set(k, e);
    }
  }
  assert.equal(got.length, want.size);
  for (const g of got) {
    const w = want.get(`${g.file}:${g.line}:${g.name}`)!;
    assert.ok(Math.abs(w.us - g.gpuUs) < 1e-6 * Math.max(1, w.us), `${g.name}: ${g.gpuUs} vs ${w.us}`);
    assert.equal(g.launches, w.launches, g.name);
    assert.equal(g.kernels, w.kernels.size, g.name);
  }
});

test('speedscope: an infinite weight or time is an error naming the place, never Infinity or NaN in the totals', () => {
  const base = { $schema: 'https://www.speedscope.app/file-format-schema.json', shared: { frames: [{ name: 'a' }] } };
  const sampled = JSON.stringify({ ...base, profiles: [{ type: 'sampled', samples: [[0]], weights: [1] }] }).replace(
    '"weights":[1]',
    '"weights":[1e999]',
  );
  assert.throws(() => parseSpeedscope(sampled, 's.json'), /s\.json:profiles\[0\]\.weights\[0\]: expected a finite/);
  const evented = JSON.stringify({
    ...base,
    profiles: [
      {
        type: 'evented',
        events: [
          { type: 'O', frame: 0, at: 0 },
          { type: 'C', frame: 0, at: 5 },
        ],
      },
    ],
  }).replace('"at":5', '"at":1e999');
  assert.throws(
    () => parseSpeedscope(evented, 'e.json'),
    /e\.json:profiles\[0\]\.events\[1\]\.at: expected a finite time/,
  );
});
