/**
 * Which call of an async setter is the latest, per key (a workspace folder; '' for one table):
 * lenses built while their files are found are put in place only by the latest call, so a trace
 * or profile opened after another keeps its lenses whichever read ends last.
 */
export class LatestCall {
  private readonly calls = new Map<string, number>();

  /** A new call (or a clear) for `key`: every earlier one is out of date. */
  next(key = ''): number {
    const n = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, n);
    return n;
  }

  isLatest(ticket: number, key = ''): boolean {
    return this.calls.get(key) === ticket;
  }
}
