/** A typed array that grows as values are pushed (doubling); `a` holds `n` values. */
export class GrowArray<T extends Float64Array | Int32Array | Uint32Array | Uint8Array> {
  a: T;
  n = 0;
  /**
   * `capacity`: the values expected, when known (no doubling and copying up to it). Small by
   * default: some are kept per stream or per thread, and a trace may have tens of thousands.
   */
  constructor(
    private readonly make: (n: number) => T,
    capacity = 16,
  ) {
    this.a = make(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  /** The values pushed, as a view of the array. */
  done(): T {
    return this.a.subarray(0, this.n) as T;
  }
}
