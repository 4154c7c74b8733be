// Parse speed of collapsed stacks (py-spy raw) on a 35 MB profile: the size at which a direct
// competitor (rafaelha/vscode-flamegraph) reports under 500 ms.
import { parseCollapsedStacks } from '../../src/core/formats/cpu/collapsedStacks';
import { analyzeHotPaths } from '../../src/core/analysis/cpu/hotPaths';
import { syntheticPySpyRaw } from './synthetic';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const target = 35 * 1024 * 1024;
let stacks = 5_000;
let text = syntheticPySpyRaw(stacks, stacks * 20, 60, 3);
stacks = Math.ceil(stacks * (target / text.length));
text = syntheticPySpyRaw(stacks, stacks * 20, 60, 3);
const mb = Buffer.byteLength(text) / 2 ** 20;
const lines = text.split('\n').length - 1;
const times: number[] = [];
const hotTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const p = parseCollapsedStacks(text, 'bench.folded');
  const t1 = performance.now();
  analyzeHotPaths(p);
  hotTimes.push(performance.now() - t1);
  times.push(t1 - t0);
}
const med = median(times);
console.log(
  `parse py-spy raw: ${mb.toFixed(1)} MB, ${lines.toLocaleString('en-US')} stacks: median ${med.toFixed(0)} ms of 5 (${(mb / (med / 1000)).toFixed(0)} MB/s); ratio to the 500 ms reference: ${(med / 500).toFixed(2)}x`,
);
console.log(`hot paths (functions and lines) on that profile: median ${median(hotTimes).toFixed(0)} ms`);
