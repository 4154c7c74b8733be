/**
 * A prefix tree of integer keys (frame or function ids) in flat typed arrays: node 0 is the root,
 * every other node is (parent node, key), found through an open-addressing hash table, also in
 * typed arrays. Nodes are numbered in creation order, so a parent always comes before its
 * children and whole-subtree sums are one backward pass. Millions of nodes cost tens of bytes
 * each; a Map or an object per node costs several times more.
 */
export class PathTree {
  private keyArr: Int32Array;
  private parentArr: Int32Array;
  private n = 1;
  private slots: number;
  /**
   * Per slot: parent + 1 (0: empty), key, child; interleaved, so a probe touches one cache line.
   * Zero for empty lets a new table stay as the zeroed memory it is allocated as (no fill pass).
   */
  private table: Int32Array;

  /**
   * `expected`: how many nodes the caller expects at most (a top-down call tree has at most as
   * many as its stack tables). Sized for it, the table is never rehashed on the way: rehashing
   * a million nodes in doublings took more time than building the tree.
   */
  constructor(expected = 16) {
    // Small by default: a profile keeps one tree per thread, and a trace of 50,000 threads
    // allocated (and zeroed) 1.6 GB for trees of a node or two at a minimum of 1,024 nodes.
    const cap = Math.max(16, Math.min(expected + 1, 1 << 26));
    this.keyArr = new Int32Array(cap);
    this.parentArr = new Int32Array(cap);
    let slots = 32;
    while (slots < 2 * cap) slots *= 2;
    this.slots = slots;
    this.table = new Int32Array(3 * slots);
    this.keyArr[0] = -1;
    this.parentArr[0] = -1;
  }

  get size(): number {
    return this.n;
  }

  key(node: number): number {
    return this.keyArr[node];
  }

  parent(node: number): number {
    return this.parentArr[node];
  }

  private static hash(p: number, k: number): number {
    return (Math.imul(p, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
  }

  /** The child of `parent` with `key`, or -1. */
  find(parent: number, key: number): number {
    const mask = this.slots - 1;
    const t = this.table;
    const p1 = parent + 1;
    for (let h = PathTree.hash(parent, key) & mask; t[3 * h] !== 0; h = (h + 1) & mask) {
      if (t[3 * h] === p1 && t[3 * h + 1] === key) return t[3 * h + 2];
    }
    return -1;
  }

  /** The child of `parent` with `key`, created when new. */
  child(parent: number, key: number): number {
    const mask = this.slots - 1;
    const t = this.table;
    let h = PathTree.hash(parent, key) & mask;
    const p1 = parent + 1;
    for (; t[3 * h] !== 0; h = (h + 1) & mask) {
      if (t[3 * h] === p1 && t[3 * h + 1] === key) return t[3 * h + 2];
    }
    if (this.n === this.keyArr.length) this.grow();
    const c = this.n++;
    this.keyArr[c] = key;
    this.parentArr[c] = parent;
    t[3 * h] = p1;
    t[3 * h + 1] = key;
    t[3 * h + 2] = c;
    if (this.n * 2 > this.slots) this.rehash();
    return c;
  }

  /** The keys of all nodes (root: -1), trimmed to size. */
  keys(): Int32Array {
    return this.keyArr.slice(0, this.n);
  }

  /** The parents of all nodes (root: -1), trimmed to size. */
  parents(): Int32Array {
    return this.parentArr.slice(0, this.n);
  }

  private grow(): void {
    const k = new Int32Array(this.keyArr.length * 2);
    k.set(this.keyArr);
    this.keyArr = k;
    const p = new Int32Array(this.parentArr.length * 2);
    p.set(this.parentArr);
    this.parentArr = p;
  }

  private rehash(): void {
    this.slots *= 2;
    const mask = this.slots - 1;
    const t = (this.table = new Int32Array(3 * this.slots));
    for (let c = 1; c < this.n; c++) {
      const p = this.parentArr[c];
      const k = this.keyArr[c];
      let h = PathTree.hash(p, k) & mask;
      while (t[3 * h] !== 0) h = (h + 1) & mask;
      t[3 * h] = p + 1;
      t[3 * h + 1] = k;
      t[3 * h + 2] = c;
    }
  }
}
