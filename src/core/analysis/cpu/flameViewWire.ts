/**
 * The flame graph view as it crosses postMessage: columns of numbers and one table of distinct
 * strings instead of a tree of objects that repeats every key, name and path. A zoomed view of
 * 1,650 frames was 270 KB of JSON as objects and is about a quarter of that packed; the page
 * rebuilds the tree in well under a millisecond. Nodes are in depth-first order, parents first.
 */
import type { FrameKind } from '../../model/profile';
import type { FlameNode, FlameView } from './flameView';

export interface PackedFlameView {
  packed: 1;
  focus: number;
  nodeCount: number;
  focusTotal: number;
  total: number;
  strings: string[];
  /** Per node: parent's index (-1 for the root), id, value, self. */
  parent: number[];
  id: number[];
  value: number[];
  self: number[];
  /** Per node: index into strings of the name and of the file (-1: none). */
  name: number[];
  file: number[];
  /** Per node: line and def line (0: none), merged count (0: none). */
  line: number[];
  defLine: number[];
  merged: number[];
  /** Per node: kind (index into KINDS, -1: none) and flags (1 truncated, 2 ancestor). */
  kind: number[];
  flags: number[];
}

const KINDS: FrameKind[] = ['python', 'native', 'thread', 'process', 'other'];

export function packFlameView(v: FlameView): PackedFlameView {
  const out: PackedFlameView = {
    packed: 1,
    focus: v.focus,
    nodeCount: v.nodeCount,
    focusTotal: v.focusTotal,
    total: v.total,
    strings: [],
    parent: [],
    id: [],
    value: [],
    self: [],
    name: [],
    file: [],
    line: [],
    defLine: [],
    merged: [],
    kind: [],
    flags: [],
  };
  const index = new Map<string, number>();
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = out.strings.length;
      out.strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const stack: [FlameNode, number][] = [[v.root, -1]];
  while (stack.length) {
    const [n, parent] = stack.pop()!;
    const at = out.id.length;
    out.parent.push(parent);
    out.id.push(n.id);
    out.value.push(n.value);
    out.self.push(n.self);
    out.name.push(str(n.name));
    out.file.push(n.file === undefined ? -1 : str(n.file));
    out.line.push(n.line ?? 0);
    out.defLine.push(n.defLine ?? 0);
    out.merged.push(n.merged ?? 0);
    out.kind.push(n.kind === undefined ? -1 : KINDS.indexOf(n.kind));
    out.flags.push((n.truncated ? 1 : 0) | (n.ancestor ? 2 : 0));
    const kids = n.children ?? [];
    // Pushed in reverse so they are taken, and numbered, in their order.
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], at]);
  }
  return out;
}

export function unpackFlameView(p: PackedFlameView): FlameView {
  const nodes: FlameNode[] = new Array(p.id.length);
  for (let i = 0; i < p.id.length; i++) {
    const n: FlameNode = { id: p.id[i], name: p.strings[p.name[i]] ?? '', value: p.value[i], self: p.self[i] };
    if (p.file[i] >= 0) n.file = p.strings[p.file[i]];
    if (p.line[i]) n.line = p.line[i];
    if (p.defLine[i]) n.defLine = p.defLine[i];
    if (p.merged[i]) n.merged = p.merged[i];
    if (p.kind[i] >= 0) n.kind = KINDS[p.kind[i]];
    if (p.flags[i] & 1) n.truncated = true;
    if (p.flags[i] & 2) n.ancestor = true;
    nodes[i] = n;
    const parent = p.parent[i];
    if (parent >= 0) (nodes[parent].children ??= []).push(n);
  }
  if (nodes.length === 0) throw new Error('the flame graph view arrived without a root');
  return { root: nodes[0], focus: p.focus, nodeCount: p.nodeCount, focusTotal: p.focusTotal, total: p.total };
}
