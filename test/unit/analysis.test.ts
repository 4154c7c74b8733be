import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseCollapsedStacks } from '../../src/core/formats/cpu/collapsedStacks';
import { parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { analyzeHotPaths } from '../../src/core/analysis/cpu/hotPaths';
import { buildCallTree } from '../../src/core/analysis/cpu/callTree';
import { buildFlameView, type FlameNode } from '../../src/core/analysis/cpu/flameView';
import { buildSandwich } from '../../src/core/analysis/cpu/sandwich';
import { searchProfile } from '../../src/core/analysis/cpu/search';
import { ProfileSession } from '../../src/core/analysis/cpu/profileSession';
import { definitionLines } from '../../src/core/analysis/source/definitionLines';
import { elidePath } from '../../src/core/util/elidePath';
import { timeLabel, timeTicks } from '../../webview/shared/timeTicks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toCollapsedStacks, toSpeedscope } from '../../src/core/formats/cpu/exportProfile';
import { threadFromStacks, totalWeight, type Profile } from '../../src/core/model/profile';
import { PYSPY_SPEEDSCOPE, BUILTIN_FOLDED, read } from '../helpers';
import { mulberry32 } from '../bench/synthetic';

const RECURSIVE = [
  'main (a.py:1);fib (a.py:5);fib (a.py:6);fib (a.py:6) 10',
  'main (a.py:1);fib (a.py:5) 5',
  'main (a.py:2);helper (b.py:3) 5',
].join('\n');

test('a recursive function counts once per sample in its total', () => {
  const hot = analyzeHotPaths(parseCollapsedStacks(RECURSIVE, 'r.folded'));
  const fib = hot.functions.find((f) => f.name === 'fib')!;
  assert.equal(hot.total, 20);
  assert.equal(fib.total, 15);
  assert.equal(fib.self, 15);
  assert.equal(fib.totalPct, 75);
  assert.deepEqual(fib.lines, [5, 6]);
  const main = hot.functions.find((f) => f.name === 'main')!;
  assert.equal(main.total, 20);
  assert.equal(main.self, 0);
  // Lines: a.py:6 appears twice in one stack and still counts 10.
  const l6 = hot.lines.find((l) => l.file === 'a.py' && l.line === 6)!;
  assert.equal(l6.total, 10);
  assert.equal(l6.self, 10);
  assert.deepEqual(
    hot.functions.map((f) => f.name),
    ['main', 'fib', 'helper'],
    'sorted by total',
  );
});

test('functions aggregate across threads and call sites', () => {
  const p = parseProfile(read(PYSPY_SPEEDSCOPE), 'p.json');
  const hot = analyzeHotPaths(p);
  assert.equal(hot.total, 2 + 3186 + 3186 + 3807);
  const bootstrap = hot.functions.find((f) => f.name === '_bootstrap')!;
  // The three worker threads all start in _bootstrap.
  assert.equal(bootstrap.total, 2 + 3186 + 3186);
  const onlyMain = analyzeHotPaths(p, [p.threads[3].id]);
  assert.equal(onlyMain.total, 3807);
  assert.ok(!onlyMain.functions.some((f) => f.name === '_bootstrap'));
  for (const f of hot.functions) assert.ok(f.self <= f.total);
});

test('call tree totals match the profile, children sorted heaviest first', () => {
  const p = parseProfile(read(BUILTIN_FOLDED), 'b');
  const tree = buildCallTree(p);
  assert.equal(tree.total[0], totalWeight(p));
  let selfSum = 0;
  for (let n = 0; n < tree.size; n++) {
    selfSum += tree.self[n];
    let childSum = 0;
    for (let k = tree.childStart[n]; k < tree.childStart[n + 1]; k++) {
      const c = tree.childIds[k];
      childSum += tree.total[c];
      if (k > tree.childStart[n]) assert.ok(tree.total[tree.childIds[k - 1]] >= tree.total[c]);
    }
    assert.equal(tree.total[n], tree.self[n] + childSum);
  }
  assert.equal(selfSum, totalWeight(p));
  const bottomUp = buildCallTree(p, { reverse: true });
  assert.equal(bottomUp.total[0], totalWeight(p));
  const rootsBottomUp = Array.from(bottomUp.childIds.subarray(bottomUp.childStart[0], bottomUp.childStart[1])).map(
    (c) => p.frames[bottomUp.frame[c]].name,
  );
  assert.equal(rootsBottomUp[0], 'multiply', 'the hottest leaf is the first root bottom-up');
});

function synthetic(stacks: number, depth: number, fanout: number): Profile {
  const frames = [];
  for (let i = 0; i < fanout * depth; i++)
    frames.push({ name: `f${i}`, file: 'gen.py', line: i + 1, kind: 'python' as const });
  const st: number[][] = [];
  const w: number[] = [];
  const rnd = mulberry32(7);
  for (let s = 0; s < stacks; s++) {
    const d = 1 + Math.floor(rnd() * depth);
    const stack = [];
    for (let k = 0; k < d; k++) stack.push(k * fanout + Math.floor(rnd() * fanout));
    st.push(stack);
    w.push(1 + Math.floor(rnd() * 40));
  }
  return {
    format: 'collapsed',
    unit: 'samples',
    frames,
    threads: [threadFromStacks('t', 't', st, w)],
    meta: {},
  };
}

function walk(root: FlameNode, f: (n: FlameNode, depth: number) => void): void {
  const stack: [FlameNode, number][] = [[root, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    f(n, d);
    for (const c of n.children ?? []) stack.push([c, d + 1]);
  }
}

test('level-of-detail view: bounded node count, nothing lost (merged nodes carry the rest)', () => {
  const p = synthetic(50_000, 30, 8);
  const tree = buildCallTree(p);
  assert.ok(tree.size > 100_000, `synthetic tree has ${tree.size} nodes`);
  const view = buildFlameView(p, tree, 0, { maxNodes: 3000, minFraction: 1 / 2000 });
  let count = 0;
  let merged = 0;
  walk(view.root, (n) => {
    count++;
    if (n.merged) merged++;
    const childSum = (n.children ?? []).reduce((a, c) => a + c.value, 0);
    assert.ok(childSum <= n.value + 1e-9, 'children never exceed their parent');
  });
  assert.ok(count - merged <= 3000, `${count - merged} real nodes`);
  assert.equal(view.root.value, totalWeight(p));
  // Every expanded node's children (real + merged) add up to its total minus its self weight.
  walk(view.root, (n) => {
    if (n.children && !n.truncated && n.id >= 0) {
      const childSum = n.children.reduce((a, c) => a + c.value, 0);
      assert.ok(Math.abs(childSum - (tree.total[n.id] - tree.self[n.id])) < 1e-6);
    }
  });
});

test('zooming focuses a node: its ancestors become context as wide as it', () => {
  const p = parseCollapsedStacks(RECURSIVE, 'r.folded');
  const tree = buildCallTree(p);
  // Find the node main;fib
  const main = tree.childIds[tree.childStart[0]];
  const fib = Array.from(tree.childIds.subarray(tree.childStart[main], tree.childStart[main + 1])).find(
    (c) => p.frames[tree.frame[c]].name === 'fib',
  )!;
  const view = buildFlameView(p, tree, fib);
  assert.equal(view.focus, fib);
  assert.equal(view.root.ancestor, true);
  assert.equal(view.root.value, 15);
  const mainNode = view.root.children![0];
  assert.equal(mainNode.name, 'main');
  assert.equal(mainNode.ancestor, true);
  const fibNode = mainNode.children![0];
  assert.equal(fibNode.id, fib);
  assert.equal(fibNode.value, 15);
  assert.ok(!fibNode.ancestor);
});

test('stacks thousands of frames deep build without recursion and are cut into zoomable views', () => {
  const depth = 20_000;
  const line = Array.from({ length: depth }, (_, i) => `f${i % 50} (deep.py:${i % 50})`).join(';');
  const p = parseCollapsedStacks(`${line} 3\n`, 'deep.folded');
  const tree = buildCallTree(p);
  assert.equal(tree.size, depth + 1);
  const view = buildFlameView(p, tree, 0, { maxDepth: 250 });
  let maxDepth = 0;
  let truncated = 0;
  walk(view.root, (n, d) => {
    maxDepth = Math.max(maxDepth, d);
    if (n.truncated) truncated++;
  });
  assert.ok(maxDepth <= 251);
  assert.equal(truncated, 1);
  assert.doesNotThrow(() => JSON.stringify(view));
  const deeper = buildFlameView(p, tree, 10_000, { maxDepth: 250 });
  assert.equal(deeper.focusTotal, 3);
});

test('sandwich: callers and callees of a function, each sample once', () => {
  const p = parseCollapsedStacks(RECURSIVE, 'r.folded');
  const s = buildSandwich(p, 'fib', 'a.py');
  assert.equal(s.total, 15);
  assert.equal(s.self, 15);
  assert.deepEqual(
    s.callers.map((c) => [c.name, c.weight]),
    [['main', 15]],
  );
  assert.deepEqual(s.callees, []);
  const m = buildSandwich(p, 'main', 'a.py');
  assert.deepEqual(m.callees.map((c) => [c.name, c.weight]).sort(), [
    ['fib', 15],
    ['helper', 5],
  ]);
});

test('search: exact matched share, each sample once, case-insensitive on names and files', () => {
  const p = parseCollapsedStacks(RECURSIVE, 'r.folded');
  assert.deepEqual(searchProfile(p, 'FIB'), { term: 'FIB', matchedFrames: 2, matched: 15, total: 20, pct: 75 });
  assert.equal(searchProfile(p, 'b.py').matched, 5);
  assert.equal(searchProfile(p, 'zzz').matched, 0);
  assert.equal(searchProfile(p, '(').matched, 0, 'search terms are text, not regular expressions');
});

test('exports round-trip: collapsed and speedscope give the same hot paths', () => {
  const p = parseProfile(read(PYSPY_SPEEDSCOPE), 'p.json');
  const before = analyzeHotPaths(p);
  const viaCollapsed = analyzeHotPaths(parseProfile(toCollapsedStacks(p, { threadFrames: true }), 'x.folded'));
  const viaSpeedscope = analyzeHotPaths(parseProfile(toSpeedscope(p), 'x.speedscope.json'));
  for (const after of [viaCollapsed, viaSpeedscope]) {
    assert.equal(after.total, before.total);
    assert.deepEqual(
      after.functions.slice(0, 10).map((f) => [f.name, f.total, f.self]),
      before.functions.slice(0, 10).map((f) => [f.name, f.total, f.self]),
    );
  }
  assert.equal(parseProfile(toCollapsedStacks(p, { threadFrames: true }), 'x').threads.length, 4);
});

test('ProfileSession answers views per thread selection and bottom-up', () => {
  const p = parseProfile(read(PYSPY_SPEEDSCOPE), 'p.json');
  const s = new ProfileSession(p);
  const all = s.view({ focus: 0, threads: [], reverse: false });
  assert.equal(all.total, 10181);
  const one = s.view({ focus: 0, threads: [p.threads[0].id], reverse: false });
  assert.equal(one.total, 2);
  const bu = s.view({ focus: 0, threads: [], reverse: true });
  assert.equal(bu.total, 10181);
  assert.notDeepEqual(
    bu.root.children?.map((c) => c.name),
    all.root.children?.map((c) => c.name),
  );
  assert.equal(s.hotFunctions({ threads: [], top: 3 }).functions.length, 3);
});

test('the flame graph merges frames by function by default, as the tables count them; by line on request', async () => {
  // The real built-in sampler profile of examples/matrix_work.py: multiply sampled at lines 17, 18, 19.
  const p = parseProfile(read(BUILTIN_FOLDED), 'b.folded');
  const s = new ProfileSession(p);
  const find = (n: FlameNode, name: string, out: FlameNode[] = []): FlameNode[] => {
    if (n.name === name) out.push(n);
    for (const c of n.children ?? []) find(c, name, out);
    return out;
  };
  const hot = s.hotFunctions({ threads: [], top: 10 }).functions.find((f) => f.name === 'multiply')!;
  const merged = find(s.view({ focus: 0, threads: [], reverse: false }).root, 'multiply');
  assert.equal(merged.length, 1, 'one frame for the function');
  assert.equal(merged[0].value, hot.total, 'the graph and the hot-function table agree');
  assert.equal(merged[0].line, 18, 'the hottest line');
  const byLine = find(s.view({ focus: 0, threads: [], reverse: false, byLine: true }).root, 'multiply');
  assert.deepEqual(
    byLine.map((n) => [n.line, n.value]).sort((a, b) => a[0]! - b[0]!),
    [
      [17, 3],
      [18, 92],
      [19, 1],
    ],
  );
  assert.equal(
    byLine.reduce((a, n) => a + n.value, 0),
    hot.total,
  );
  // Bottom-up merges the same way: multiply is one root, with all its self time.
  const bu = s.view({ focus: 0, threads: [], reverse: true }).root.children!.filter((c) => c.name === 'multiply');
  assert.equal(bu.length, 1);
  assert.equal(bu[0].value, hot.self);
  // Def lines from the sources: the recorded path is from the machine that profiled; read it here.
  const example = path.resolve('examples/matrix_work.py');
  const defs = await definitionLines(p, async (file) =>
    path.basename(file) === 'matrix_work.py' ? fs.readFileSync(example, 'utf8') : undefined,
  );
  const source = fs.readFileSync(example, 'utf8').split('\n');
  const defOf = (name: string) => source.findIndex((l) => l.startsWith(`def ${name}(`)) + 1;
  s.setDefinitionLines(defs);
  const withDefs = find(s.view({ focus: 0, threads: [], reverse: false }).root, 'multiply')[0];
  assert.equal(withDefs.defLine, defOf('multiply'));
  assert.ok(withDefs.defLine! > 0 && withDefs.defLine! < 17);
  assert.equal(
    s.hotFunctions({ threads: [], top: 10 }).functions.find((f) => f.name === 'normalise')?.defLine,
    defOf('normalise'),
  );
});

test('paths are shortened in the middle, the file name and line kept whole', () => {
  const p = '/root/.pyenv/versions/3.11.7/lib/python3.11/threading.py:331';
  const short = elidePath(p, 40);
  assert.ok(short.length <= 40, short);
  assert.ok(short.endsWith('/threading.py:331'), short);
  assert.ok(short.startsWith('/root/.pyenv/'), short);
  assert.match(short, /…/);
  assert.equal(elidePath('a/b.py:3', 40), 'a/b.py:3', 'short text stays');
  assert.equal(elidePath('x'.repeat(60), 40), 'x'.repeat(60), 'no separator: left to the cell');
  assert.equal(elidePath('/a/' + 'f'.repeat(50) + '.py', 40), '…/' + 'f'.repeat(50) + '.py', 'the name whole');
});

test('time ticks fall on round steps, at most six, and no label repeats', () => {
  const at = (h: number, m: number, s: number) => new Date(2026, 11, 3, h, m, 0).getTime() + s * 1000;
  for (const [from, to] of [
    [at(16, 54, 40.2), at(16, 54, 47.9)], // 8 s: the window where labels used to repeat
    [at(16, 50, 0), at(16, 55, 0)],
    [at(10, 0, 0), at(16, 0, 0)],
    [at(16, 54, 46.1), at(16, 54, 46.9)], // under a second: no tick rather than a repeated one
  ]) {
    const { step, ticks } = timeTicks(from, to, 6);
    assert.ok(ticks.length <= 6, `${ticks.length} ticks`);
    for (const t of ticks) assert.equal(t % step, 0, 'on a step boundary');
    const labels = ticks.map((t) => timeLabel(t, step));
    assert.equal(new Set(labels).size, labels.length, labels.join(' '));
    assert.ok(ticks.every((t) => t >= from && t <= to));
  }
  assert.deepEqual(
    timeTicks(at(16, 54, 40.2), at(16, 54, 47.9)).ticks.map((t) => timeLabel(t, 2000)),
    ['16:54:42', '16:54:44', '16:54:46'],
  );
  assert.equal(timeLabel(at(9, 5, 7), 300_000), '09:05');
});

test('a built-in sampler run that never caught the program on a CPU reads as zero samples, not a broken file', () => {
  // The header the sampler wrote for a program that slept between 4 MiB allocations (recorded here).
  const header =
    '# flamelens-sampler: 1\n# rate: 100\n# python: 3.11.7\n# samples: 0\n# ticks: 2081\n# status: completed\n';
  const p = parseCollapsedStacks(header, 'idle.folded');
  assert.equal(p.format, 'flamelens-builtin');
  assert.equal(totalWeight(p), 0);
  assert.equal(analyzeHotPaths(p).total, 0);
  assert.equal(new ProfileSession(p).view({ focus: 0, threads: [], reverse: false }).total, 0);
  // Without the sampler's own count, an empty file is still an error naming the file.
  assert.throws(
    () => parseCollapsedStacks('# just a comment\n', 'empty.folded'),
    /empty\.folded:1: .*found no stack lines/,
  );
  assert.throws(
    () => parseCollapsedStacks(header.replace('samples: 0', 'samples: 12'), 'cut.folded'),
    /found no stack lines/,
  );
});
