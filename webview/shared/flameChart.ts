// The part of d3-flame-graph 4.1's chart API flamelens uses (its bundled typings predate it),
// shared by the flame graph and the differential flame graph.
export interface D3Node<T> {
  data: T;
  parent: D3Node<T> | null;
}

export interface FlameChart<T> {
  (selection: unknown): void;
  width(px: number): FlameChart<T>;
  cellHeight(px: number): FlameChart<T>;
  transitionDuration(ms: number): FlameChart<T>;
  minFrameSize(px: number): FlameChart<T>;
  resetHeightOnZoom(on: boolean): FlameChart<T>;
  inverted(on: boolean): FlameChart<T>;
  selfValue(on: boolean): FlameChart<T>;
  sort(on: boolean): FlameChart<T>;
  tooltip(tip: (() => void) & { show(d: D3Node<T>, el: Element): void; hide(): void }): FlameChart<T>;
  setSearchMatch(fn: (d: D3Node<T>, term: string) => boolean): FlameChart<T>;
  setColorMapper(fn: (d: D3Node<T>, original: string) => string): FlameChart<T>;
  onClick(fn: (d: D3Node<T>) => void): FlameChart<T>;
  /** The frame's label (drawn as text by d3-flame-graph). */
  getName(fn: (d: D3Node<T>) => string): FlameChart<T>;
  search(term: string): void;
  clear(): void;
  update(data?: T): void;
}
