/**
 * One segment of a trace's events read on its own, on another thread (parallelRead.ts): from a
 * byte offset in the middle of `traceEvents`, find where an event begins (a guess: a `{` after a
 * `,`, opening a key), then read events with the byte reader, as records, until the first event
 * that begins at or after the segment's end. The guess is checked by the reading thread, which
 * uses the segment only where it begins exactly where the one before it ended; anything odd
 * here (invalid JSON, a file that ends) stops the segment, and the reading thread reads on from
 * there itself, so that what it reports is what a read from the start reports.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { EventFields, fieldsFromObject } from './eventFields';
import { ByteStrings, eventEnd, extractEvent, FALLBACK, LBRACE, QUOTE, RBRACE, RBRACKET } from './eventBytes';
import { MAX_VALUE_BYTES } from './jsonEventScanner';
import { RecordWriter, type RecordBatch } from './traceRecords';

const COMMA = 0x2c;
const CHUNK = 4 << 20;

export interface SegmentResult {
  /** Where the segment's first event begins (the guess), or undefined when none was found. */
  start?: number;
  /** Where the first event at or after the segment's end begins, or where `traceEvents` closes. */
  end?: number;
  arrayEnd: boolean;
  /** Why the segment stopped short; its records are then not used. */
  anomaly?: string;
  batch: RecordBatch;
}

/** The file's bytes from an offset on, read on demand. */
class Window {
  buf = Buffer.alloc(0);
  private whole = Buffer.alloc(0);
  private spare = Buffer.alloc(0);
  /** File offset of buf[0]. */
  base: number;
  private pos: number;
  eof = false;
  constructor(
    private readonly fd: number,
    from: number,
  ) {
    this.base = from;
    this.pos = from;
  }

  /** Keeps the bytes from buf[keep] on and reads more; false at the end of the file. */
  more(keep: number): boolean {
    if (this.eof) return false;
    const kept = this.buf.length - keep;
    // Two buffers in turn: what was read is done with once the scan moves on (records hold copies).
    let next = this.spare;
    if (next.length < kept + CHUNK) next = Buffer.allocUnsafe(kept + CHUNK);
    this.buf.copy(next, 0, keep);
    this.spare = this.whole;
    this.whole = next;
    const got = readSync(this.fd, next, kept, CHUNK, this.pos);
    if (got === 0) {
      this.eof = true;
      return false;
    }
    this.pos += got;
    this.buf = next.subarray(0, kept + got);
    this.base += keep;
    return true;
  }
}

const blank = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The first `{` at or after buf[i] that follows a `,` and opens a key or closes at once, or -1. */
function guessStart(w: Window, i: number, to: number): number {
  for (;;) {
    const b = w.buf;
    const p = b.indexOf(LBRACE, i);
    if (p < 0 || w.base + p >= to) {
      if (w.base + b.length >= to || !w.more(Math.max(0, b.length - 1))) return -1;
      i = 0;
      continue;
    }
    let q = p - 1;
    while (q >= 0 && blank(b[q])) q--;
    let r = p + 1;
    while (r < b.length && blank(b[r])) r++;
    if (r >= b.length) {
      if (!w.more(Math.max(0, q))) return -1;
      i = p - Math.max(0, q);
      continue;
    }
    if (q >= 0 && b[q] === COMMA && (b[r] === QUOTE || b[r] === RBRACE)) return p;
    i = p + 1;
  }
}

/** Reads the events of [from, to) of `file` (from ≥ 1: the bytes before it hold the `traceEvents` key). */
export function scanSegment(file: string, from: number, to: number, onStart?: (at?: number) => void): SegmentResult {
  const writer = new RecordWriter();
  const result = (r: Omit<SegmentResult, 'batch'>): SegmentResult => ({ ...r, batch: writer.finish() });
  const fd = openSync(file, 'r');
  try {
    // From one byte back, so that the `,` before an event at `from` is seen.
    const w = new Window(fd, from - 1);
    w.more(0);
    const p = guessStart(w, 1, to);
    const start = p < 0 ? undefined : w.base + p;
    onStart?.(start);
    if (start === undefined) return result({ arrayEnd: false });
    const f = new EventFields();
    const strings = new ByteStrings();
    const decoder = new TextDecoder('utf-8', { fatal: false });
    let i = p;
    for (;;) {
      const b = w.buf;
      while (i < b.length && (b[i] <= 0x20 || b[i] === COMMA)) i++;
      if (i >= b.length) {
        if (w.more(b.length)) i = 0;
        else return result({ start, anomaly: 'the file ends inside traceEvents', arrayEnd: false });
        continue;
      }
      const at = w.base + i;
      if (b[i] === RBRACKET) return result({ start, end: at, arrayEnd: true });
      if (b[i] !== LBRACE) return result({ start, anomaly: `not an event at offset ${at}`, arrayEnd: false });
      if (at >= to) return result({ start, end: at, arrayEnd: false });
      let e = extractEvent(b, i, f, strings);
      if (e === FALLBACK) {
        e = eventEnd(b, i);
        if (e >= 0) {
          let v: unknown;
          try {
            v = JSON.parse(decoder.decode(b.subarray(i, e)));
          } catch {
            return result({ start, anomaly: `invalid JSON at offset ${at}`, arrayEnd: false });
          }
          if (!v || typeof v !== 'object' || Array.isArray(v))
            return result({ start, anomaly: `not an event at offset ${at}`, arrayEnd: false });
          fieldsFromObject(v as Record<string, unknown>, f);
        }
      }
      if (e < 0) {
        // INCOMPLETE, or an event to JSON.parse cut by the end of what was read: read on, unless
        // it goes on past any real event.
        if (b.length - i > MAX_VALUE_BYTES || !w.more(i))
          return result({ start, anomaly: `an event at offset ${at} does not end`, arrayEnd: false });
        i = 0;
        continue;
      }
      writer.add(f, at);
      i = e;
    }
  } catch (e) {
    return result({ anomaly: (e as Error).message, arrayEnd: false });
  } finally {
    closeSync(fd);
  }
}
