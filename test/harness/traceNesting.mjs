// How many direct children each operator has in a legacy (bare-array) PyTorch trace, summed over
// its calls. The trace rounds each event to whole microseconds, so a self time (duration minus
// the direct children's) can be off by about a microsecond per direct child: the tests comparing
// self times with key_averages() of the same run size their tolerance with this.
import { readFileSync } from 'node:fs';

export function directChildCounts(traceFile) {
  const events = JSON.parse(readFileSync(traceFile, 'utf8'))
    .filter((e) => e.ph === 'X')
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const counts = new Map();
  const open = new Map();
  for (const e of events) {
    const stack = open.get(String(e.tid)) ?? [];
    open.set(String(e.tid), stack);
    while (stack.length > 0 && e.ts >= stack[stack.length - 1].ts + stack[stack.length - 1].dur) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      const key = parent.name.replace(/^ProfilerStep#\d+$/, 'ProfilerStep*');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    stack.push(e);
  }
  return counts;
}
