/**
 * Splits text that arrives in chunks (a child's stdout or stderr) into lines as it comes: `\n`,
 * `\r\n` and a lone `\r` (a progress bar redrawing its line) each end a line, so progress shows
 * while the program runs. Each character is looked at once, and a line longer than `maxLine` is
 * passed on in pieces: work and memory follow what arrives, whatever the program prints.
 */
export type LineEnd = '\n' | '\r\n' | '\r' | '';

export class LineSplitter {
  private pending = '';
  /** The last chunk ended in `\r`: a `\n` starting the next one completes a `\r\n`. */
  private afterCr = false;

  constructor(
    /** `end` is the terminator that ended the line ('' for a piece of a longer line, or the rest at the end). */
    private readonly onLine: (line: string, end: LineEnd) => void,
    private readonly maxLine = 65536,
  ) {}

  push(chunk: string): void {
    let start = 0;
    // The line before was passed on at its `\r` (a progress redraw must show at once); the `\n`
    // of a `\r\n` cut between chunks follows as an empty line, so the bytes stay as printed.
    if (this.afterCr && chunk.startsWith('\n')) {
      this.onLine('', '\n');
      start = 1;
    }
    this.afterCr = false;
    const ends = /[\r\n]/g;
    ends.lastIndex = start;
    for (let m = ends.exec(chunk); m; m = ends.exec(chunk)) {
      const at = m.index;
      const line = this.pending + chunk.slice(start, at);
      this.pending = '';
      if (chunk[at] === '\r') {
        if (chunk[at + 1] === '\n') {
          this.onLine(line, '\r\n');
          start = at + 2;
          ends.lastIndex = start;
          continue;
        }
        this.afterCr = at + 1 === chunk.length;
        this.onLine(line, '\r');
      } else this.onLine(line, '\n');
      start = at + 1;
    }
    this.pending += chunk.slice(start);
    while (this.pending.length >= this.maxLine) {
      this.onLine(this.pending.slice(0, this.maxLine), '');
      this.pending = this.pending.slice(this.maxLine);
    }
  }

  /** The rest, when the stream ends. */
  end(): void {
    if (this.pending) this.onLine(this.pending, '');
    this.pending = '';
    this.afterCr = false;
  }

  /** What is held back, waiting for its line end (at most maxLine characters). */
  get held(): number {
    return this.pending.length;
  }
}
