/**
 * The critical path's graph (see criticalPath.ts): nodes are the starts and ends of events (event
 * k's start is node 2k, its end 2k + 1), edges carry a kind, a weight in µs and the event their
 * time is charged to; and the longest path through it.
 */
export type EdgeKind = 'work' | 'dependency' | 'launch' | 'kernel gap' | 'sync';
export type SegmentKind = 'cpu' | 'gpu' | 'launch' | 'kernel gap';

/** An event of the trace: which list and where in it. */
export interface EventRef {
  list: 'ops' | 'runtime' | 'gpu';
  index: number;
}

/** A stretch of the critical path with time in it. */
export interface PathSegment {
  kind: SegmentKind;
  start: number;
  end: number;
  /** The event the time is attributed to (for a launch delay: the activity launched). */
  event: EventRef;
  name: string;
}

/** The graph of one step, in arrays. */
export class PathGraph {
  readonly ts: number[] = [];
  readonly src: number[] = [];
  readonly dst: number[] = [];
  readonly weight: number[] = [];
  readonly kind: EdgeKind[] = [];
  /** The event (index into `events`) an edge's time is attributed to, -1 for none. */
  readonly attr: number[] = [];
  readonly events: EventRef[] = [];

  /** Adds an event: its start node is 2k, its end node 2k + 1. */
  event(ref: EventRef, start: number, end: number): number {
    const k = this.events.length;
    this.events.push(ref);
    this.ts.push(start, end);
    return k;
  }

  edge(from: number, to: number, kind: EdgeKind, attr = -1, zero = false): void {
    const w = kind === 'dependency' || kind === 'sync' || zero ? 0 : Math.max(0, this.ts[to] - this.ts[from]);
    this.src.push(from);
    this.dst.push(to);
    this.weight.push(w);
    this.kind.push(kind);
    this.attr.push(attr);
  }

  /** The longest path: its edges in order, and nodes left unordered (cycles). */
  longestPath(): { edges: number[]; length: number; unordered: number } {
    const n = this.ts.length;
    const m = this.src.length;
    const indeg = new Int32Array(n);
    const outStart = new Int32Array(n + 1);
    for (let e = 0; e < m; e++) {
      indeg[this.dst[e]]++;
      outStart[this.src[e] + 1]++;
    }
    for (let v = 0; v < n; v++) outStart[v + 1] += outStart[v];
    const out = new Int32Array(m);
    const fill = outStart.slice(0, n);
    for (let e = 0; e < m; e++) out[fill[this.src[e]]++] = e;
    // Kahn's order, earliest first among the ready (a heap would be exact; time order suffices).
    const dist = new Float64Array(n);
    const via = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let v = 0; v < n; v++) if (indeg[v] === 0) queue[tail++] = v;
    while (head < tail) {
      const v = queue[head++];
      for (let k = outStart[v]; k < outStart[v + 1]; k++) {
        const e = out[k];
        const u = this.dst[e];
        const d = dist[v] + this.weight[e];
        if (d > dist[u] || (via[u] < 0 && d >= dist[u])) {
          dist[u] = d;
          via[u] = e;
        }
        if (--indeg[u] === 0) queue[tail++] = u;
      }
    }
    let best = -1;
    for (let v = 0; v < n; v++) if (best < 0 || dist[v] > dist[best]) best = v;
    const edges: number[] = [];
    for (let v = best; v >= 0 && via[v] >= 0; v = this.src[via[v]]) edges.push(via[v]);
    edges.reverse();
    return { edges, length: best >= 0 ? dist[best] : 0, unordered: n - tail };
  }
}
