/**
 * Level-of-detail flame graph data. d3-flame-graph renders SVG and walks the whole tree on each
 * zoom; past ~65,000 nodes it overflows the stack and past ~100,000 zooms become unusable
 * (spiermar/d3-flame-graph#106, #108, #117, #166). So the view sent to the browser holds a
 * bounded number of nodes: the heaviest first, frames too narrow to see merged per parent into
 * one "… N more" node, depth capped; zooming into a frame asks for a new view focused there.
 */
import type { FrameKind, Profile } from '../../model/profile';
import { pathTo, type CallTree } from './callTree';

export interface FlameNode {
  /** Call-tree node id, used to ask for the detail under this frame; -1 for merged nodes. */
  id: number;
  name: string;
  value: number;
  self: number;
  file?: string;
  /** The recorded line; merged by function, the line under which most of this frame's weight was. */
  line?: number;
  /** The line of the function's `def`, where its source was found. */
  defLine?: number;
  kind?: FrameKind;
  children?: FlameNode[];
  /** Number of narrow sibling frames merged into this node. */
  merged?: number;
  /** Frames below this one were left out of this view: zoom in to see them. */
  truncated?: boolean;
  /** Shown only as context above the focused frame. */
  ancestor?: boolean;
}

export interface FlameViewOptions {
  /** Upper bound on nodes in the view (merged nodes excluded). */
  maxNodes?: number;
  /** Frames narrower than this share of the focused frame are merged. */
  minFraction?: number;
  /** Levels below the focused frame before the view is cut. */
  maxDepth?: number;
  rootName?: string;
  /** The `def` line of a frame's function, where known. */
  defLine?: (frame: number) => number | undefined;
}

export interface FlameView {
  root: FlameNode;
  focus: number;
  nodeCount: number;
  /** Weight of the focused node, for percentages. */
  focusTotal: number;
  total: number;
}

/** Frames shown above a focused frame at most. */
const MAX_CONTEXT = 60;

export function buildFlameView(profile: Profile, tree: CallTree, focus = 0, options: FlameViewOptions = {}): FlameView {
  const maxNodes = options.maxNodes ?? 4000;
  const minFraction = options.minFraction ?? 1 / 2000;
  const maxDepth = options.maxDepth ?? 250;
  if (!(focus >= 0 && focus < tree.size)) focus = 0;
  const focusTotal = tree.total[focus];
  const threshold = focusTotal * minFraction;
  const frames = profile.frames;

  const make = (n: number): FlameNode => {
    if (n === 0) return { id: 0, name: options.rootName ?? 'all', value: tree.total[0], self: tree.self[0] };
    const f = frames[tree.frame[n]];
    const node: FlameNode = { id: n, name: f.name, value: tree.total[n], self: tree.self[n], kind: f.kind };
    if (f.file !== undefined) node.file = f.file;
    const line = tree.hotLine ? tree.hotLine[n] || undefined : f.line;
    if (line !== undefined) node.line = line;
    const def = options.defLine?.(tree.frame[n]);
    if (def !== undefined) node.defLine = def;
    return node;
  };

  // Context: the chain from the root down to the focused node, each as wide as the focus.
  const root = make(0);
  let attach = root;
  let count = 1;
  let focusNode = root;
  if (focus !== 0) {
    root.value = focusTotal;
    root.ancestor = true;
    // A focus deep in a recursion has thousands of frames above it: the outermost and the
    // nearest are shown, the ones between as one frame (the view's nesting stays bounded).
    let path: number[] = pathTo(tree, focus);
    const hidden = path.length > MAX_CONTEXT ? path.length - MAX_CONTEXT : 0;
    if (hidden > 0) path = [...path.slice(0, 10), -1, ...path.slice(path.length - (MAX_CONTEXT - 10))];
    for (let i = 0; i < path.length; i++) {
      const node: FlameNode =
        path[i] >= 0
          ? make(path[i])
          : { id: -1, name: `… ${hidden.toLocaleString('en-US')} frames`, value: focusTotal, self: 0, merged: hidden };
      if (i < path.length - 1) {
        node.value = focusTotal;
        node.self = 0;
        node.ancestor = true;
      }
      attach.children = [node];
      attach = node;
      count++;
    }
    focusNode = attach;
  }

  // Heaviest-first expansion with a binary max-heap on total weight.
  const heapIds: number[] = [focus];
  const heapObjs: FlameNode[] = [focusNode];
  const push = (id: number, obj: FlameNode) => {
    heapIds.push(id);
    heapObjs.push(obj);
    let i = heapIds.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (tree.total[heapIds[p]] >= tree.total[heapIds[i]]) break;
      [heapIds[p], heapIds[i]] = [heapIds[i], heapIds[p]];
      [heapObjs[p], heapObjs[i]] = [heapObjs[i], heapObjs[p]];
      i = p;
    }
  };
  const pop = (): [number, FlameNode] => {
    const id = heapIds[0];
    const obj = heapObjs[0];
    const lastId = heapIds.pop()!;
    const lastObj = heapObjs.pop()!;
    if (heapIds.length > 0) {
      heapIds[0] = lastId;
      heapObjs[0] = lastObj;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heapIds.length && tree.total[heapIds[l]] > tree.total[heapIds[m]]) m = l;
        if (r < heapIds.length && tree.total[heapIds[r]] > tree.total[heapIds[m]]) m = r;
        if (m === i) break;
        [heapIds[m], heapIds[i]] = [heapIds[i], heapIds[m]];
        [heapObjs[m], heapObjs[i]] = [heapObjs[i], heapObjs[m]];
        i = m;
      }
    }
    return [id, obj];
  };

  const baseDepth = tree.depth[focus];
  while (heapIds.length > 0) {
    const [n, obj] = pop();
    const a = tree.childStart[n];
    const b = tree.childStart[n + 1];
    if (a === b) continue;
    if (tree.depth[n] - baseDepth >= maxDepth) {
      obj.truncated = true;
      continue;
    }
    const kids: FlameNode[] = [];
    let rest = 0;
    let restCount = 0;
    for (let k = a; k < b; k++) {
      const c = tree.childIds[k];
      const t = tree.total[c];
      if (t >= threshold && t > 0 && count < maxNodes) {
        const child = make(c);
        kids.push(child);
        count++;
        push(c, child);
      } else {
        rest += t;
        restCount++;
      }
    }
    if (restCount > 0 && rest > 0) {
      if (kids.length === 0 && count >= maxNodes) obj.truncated = true;
      else kids.push({ id: -1, name: `… ${restCount} more`, value: rest, self: rest, merged: restCount });
    }
    if (kids.length > 0) obj.children = kids;
  }
  return { root, focus, nodeCount: count, focusTotal, total: tree.total[0] };
}
