/**
 * [start, end) intervals as two columns, sorted by start and disjoint once merged. A GPU's busy
 * time on a big trace is hundreds of thousands of them: as [start, end] pairs, each was an
 * array of its own (on the 1 GB bench trace, making them was the diagnosis's hottest line).
 */
import { GrowArray } from './growArray';

export class Intervals {
  constructor(
    readonly start: Float64Array,
    readonly end: Float64Array,
  ) {}
  get length(): number {
    return this.start.length;
  }
  /** Interval i as a pair. */
  at(i: number): [number, number] {
    return [this.start[i], this.end[i]];
  }
  static of(pairs: readonly (readonly [number, number])[]): Intervals {
    return new Intervals(
      Float64Array.from(pairs, (p) => p[0]),
      Float64Array.from(pairs, (p) => p[1]),
    );
  }
}

/** Intervals fed in order of start, merged where they overlap or touch. */
export class IntervalMerger {
  private readonly s = new GrowArray((n) => new Float64Array(n));
  private readonly e = new GrowArray((n) => new Float64Array(n));
  add(start: number, end: number): void {
    const k = this.e.n - 1;
    if (k >= 0 && start <= this.e.a[k]) {
      if (end > this.e.a[k]) this.e.a[k] = end;
    } else {
      this.s.push(start);
      this.e.push(end);
    }
  }
  /** The merged intervals (views of the columns, which are at most twice their size). */
  done(): Intervals {
    return new Intervals(this.s.done(), this.e.done());
  }
}
