/**
 * Which span (operator, annotation, Python function) was innermost on a thread at given times:
 * how a kernel finds the operator that launched it. One sweep over the spans and the sorted
 * times, keeping the chain of spans open at the current time, so each span is pushed and popped
 * once: linear in spans plus times (after sorting the times), however deep the nesting. Walking
 * up from the last span started, per time, costs the nesting depth each time instead.
 */

/**
 * For each of `times`, the innermost span running then (end + eps ≥ time), or -1. Spans
 * `first .. last-1` are one thread's, sorted by start, parents before children, and `parent`
 * links each to the span it is nested in (-1 for none).
 */
export function innermostAt(
  span: { ts: ArrayLike<number>; end: ArrayLike<number>; parent: ArrayLike<number> },
  first: number,
  last: number,
  times: ArrayLike<number>,
  eps: number,
): Int32Array {
  const out = new Int32Array(times.length).fill(-1);
  if (last <= first || times.length === 0) return out;
  const order = Array.from({ length: times.length }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const chain = new Int32Array(last - first);
  let depth = 0;
  let next = first;
  for (const q of order) {
    const t = times[q];
    // Spans that started by t join the chain in place of the ones they are not nested in.
    while (next < last && span.ts[next] <= t + eps) {
      const p = span.parent[next];
      while (depth > 0 && chain[depth - 1] > p) depth--;
      chain[depth++] = next++;
    }
    // Spans over by t stay over for every later time.
    while (depth > 0 && span.end[chain[depth - 1]] + eps < t) depth--;
    out[q] = depth > 0 ? chain[depth - 1] : -1;
  }
  return out;
}

/**
 * A thread's key ("pid\0tid") for each event, made anew only when the thread changes: events
 * of one thread come in runs, and a key string per event was a measurable share of the tables.
 */
export function threadKeys(): (pid: string, tid: string) => string {
  let lastPid: string | undefined;
  let lastTid: string | undefined;
  let key = '';
  return (pid, tid) => {
    if (pid !== lastPid || tid !== lastTid) {
      lastPid = pid;
      lastTid = tid;
      key = `${pid}\u0000${tid}`;
    }
    return key;
  };
}
