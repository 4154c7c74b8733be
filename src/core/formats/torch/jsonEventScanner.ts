/**
 * Streams the events of a Chrome-trace JSON document without building the whole JSON tree
 * (traces reach GBs, past what one JavaScript string holds): nesting and strings are tracked byte
 * by byte, each element of `traceEvents` (or of the legacy bare array) is cut out and parsed;
 * other top-level values (deviceProperties, distributedInfo, …) are parsed whole.
 *
 * Fast paths, inside the events array between events: with a `fields` handler, whole events are
 * read from their bytes (eventBytes.ts); without, the run of whole events up to the chunk's last
 * `}` is tried as one `JSON.parse("[" + run + "]")`, which succeeds only when the cut is a real
 * event boundary. stream-json was measured several times slower for this shape. A file is read
 * in segments on several threads by parallelRead.ts, which resumes this scan (skipTo). */
import { EventFields } from './eventFields';
import {
  BACKSLASH,
  ByteStrings,
  COLON,
  eventEnd,
  extractEvent,
  FALLBACK,
  INCOMPLETE,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
} from './eventBytes';

export interface ScanHandlers {
  event(value: unknown, offset: number): void;
  /** When given, events wholly inside a chunk are read from their bytes and handed here. */
  fields?(f: EventFields, offset: number): void;
  /** A top-level key of the object form other than traceEvents, with its parsed value. */
  topLevel?(key: string, value: unknown): void;
}

export class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** The largest single value held while it is cut out (events are bytes to kilobytes; a truncated
 * or hostile file, a gzip bomb of `[`, would otherwise be held whole, gigabytes, before failing). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
type Mode = 'start' | 'object' | 'array-root';

export class TraceEventScanner {
  private mode: Mode = 'start';
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Offset of the whole stream at the start of the current chunk. */
  private base = 0;
  /** Bytes of the value captured (an event, or a top-level value), across chunks. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  private captureStart = -1;
  private captureDepth = 0;
  private captureKind: 'event' | 'value' | 'key' | undefined;
  private currentKey = '';
  private inEvents = false;
  private eventsDepth = 0;
  private sawRoot = false;
  private expectKey = true;
  private captureString = false;
  private done = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** Events wholly inside the current chunk: parsed together, one JSON.parse per chunk. */
  private batchStart = -1;
  private batchEnd = -1;
  private batchChunk: Buffer | undefined;

  constructor(
    private readonly handlers: ScanHandlers,
    private readonly maxValueBytes = MAX_VALUE_BYTES,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  /** Whether the scan stands between two events of `traceEvents` (where a segment may begin). */
  get betweenEvents(): boolean {
    const inside = this.inEvents && this.depth === this.eventsDepth && this.captureKind === undefined;
    return inside && !this.inString && !this.escape;
  }

  /** Goes on at `offset` of the file: the bytes before it were read elsewhere, ending in this state. */
  skipTo(offset: number): void {
    this.base = offset;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    let fastTried = false;
    if (this.captureKind !== undefined) this.captureStart = 0;
    while (i < n) {
      if (!fastTried && this.betweenEvents) {
        fastTried = true;
        i = this.fastEvents(chunk, i);
        if (i >= n) break;
      }
      const c = chunk[i];
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          i++;
          continue;
        }
        // Jump to the next quote that no backslash escapes (most bytes are inside strings).
        let q = chunk.indexOf(QUOTE, i);
        while (q >= 0) {
          let k = q - 1;
          while (k >= i && chunk[k] === BACKSLASH) k--;
          if ((q - 1 - k) % 2 === 0) break;
          q = chunk.indexOf(QUOTE, q + 1);
        }
        if (q < 0) {
          let k = n - 1;
          while (k >= i && chunk[k] === BACKSLASH) k--;
          this.escape = (n - 1 - k) % 2 === 1;
          i = n;
          continue;
        }
        this.inString = false;
        if (this.captureString && this.depth === 1) this.finishCapture(chunk, q + 1);
        i = q + 1;
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.mode === 'object' && this.depth === 1 && this.captureKind === undefined && !this.inEvents) {
          this.beginCapture(chunk, i, this.expectKey ? 'key' : 'value', 1);
          this.captureString = true;
        }
        i++;
        continue;
      }
      if (c <= 0x20 || c === 0x2c /* , */) {
        i++;
        continue;
      }
      if (this.mode === 'start') {
        if (c === 0xef || c === 0xbb || c === 0xbf) {
          i++;
          continue; // UTF-8 byte order mark
        }
        if (c === LBRACE) this.mode = 'object';
        else if (c === LBRACKET) this.mode = 'array-root';
        else
          throw new JsonScanError(
            this.base + i,
            `expected a JSON object or array, found ${JSON.stringify(String.fromCharCode(c))}`,
          );
        this.sawRoot = true;
        this.depth = 1;
        i++;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        if (this.captureKind === undefined) {
          if (this.mode === 'array-root' && this.depth === 1) this.beginCapture(chunk, i, 'event', 1);
          else if (this.inEvents && this.depth === this.eventsDepth) this.beginCapture(chunk, i, 'event', this.depth);
          else if (
            this.mode === 'object' &&
            this.depth === 1 &&
            !this.expectKey &&
            this.currentKey === 'traceEvents' &&
            c === LBRACKET
          ) {
            this.inEvents = true;
            this.eventsDepth = 2;
          } else if (this.mode === 'object' && this.depth === 1) this.beginCapture(chunk, i, 'value', 1);
        }
        this.depth++;
        i++;
        continue;
      }
      if (c === RBRACE || c === RBRACKET) {
        this.depth--;
        if (this.depth < 0) throw new JsonScanError(this.base + i, 'unbalanced closing bracket');
        if (this.captureKind !== undefined && this.depth === this.captureDepth && this.captureKind !== 'key') {
          this.finishCapture(chunk, i + 1);
        } else if (this.inEvents && this.depth === 1) {
          this.flushBatch();
          this.inEvents = false;
          this.currentKey = '';
          this.expectKey = true;
        }
        if (this.depth === 0) {
          this.flushBatch();
          this.done = true;
          return;
        }
        i++;
        continue;
      }
      if (c === COLON) {
        if (this.depth === 1) this.expectKey = false;
        i++;
        continue;
      }
      // A scalar top-level value (number, true/false/null) in the object form.
      if (this.mode === 'object' && this.depth === 1 && this.captureKind === undefined && this.currentKey) {
        let j = i;
        while (j < n && chunk[j] !== 0x2c && chunk[j] !== RBRACE && chunk[j] > 0x20) j++;
        const text = chunk.subarray(i, j).toString('latin1');
        try {
          this.handlers.topLevel?.(this.currentKey, JSON.parse(text));
        } catch {
          // A value split across chunks or malformed: top-level scalars are informational.
        }
        this.currentKey = '';
        this.expectKey = true;
        i = j;
        continue;
      }
      i++;
    }
    this.flushBatch();
    if (this.captureKind !== undefined) {
      this.pieces.push(chunk.subarray(this.captureStart));
      this.piecesBytes += n - this.captureStart;
      if (this.piecesBytes > this.maxValueBytes) {
        const what = this.captureKind === 'event' ? 'an event' : 'a value';
        throw new JsonScanError(
          this.base + n - this.piecesBytes,
          `${what} that goes on for more than ${this.maxValueBytes / 2 ** 20} MiB without ending: not a trace event (a corrupt or truncated file?)`,
        );
      }
    }
    this.base += n;
  }

  private readonly fieldsOf = new EventFields();
  private readonly strings = new ByteStrings();

  /** The fields path: whole events read from their bytes; returns where the byte scanner goes on. */
  private fastFields(chunk: Buffer, start: number): number {
    const sink = this.handlers.fields!;
    const n = chunk.length;
    let i = start;
    for (;;) {
      while (i < n && (chunk[i] <= 0x20 || chunk[i] === 0x2c)) i++;
      if (i >= n || chunk[i] !== LBRACE) return i;
      const end = extractEvent(chunk, i, this.fieldsOf, this.strings);
      if (end === INCOMPLETE) return i;
      this.flushBatch();
      if (end === FALLBACK) {
        // Not plain enough for the extractor: JSON.parse this one event (its error, if any).
        const last = eventEnd(chunk, i);
        if (last < 0) return i;
        let v: unknown;
        try {
          v = JSON.parse(this.decoder.decode(chunk.subarray(i, last)));
        } catch (e) {
          throw new JsonScanError(this.base + i, `invalid JSON: ${(e as Error).message}`);
        }
        this.handlers.event(v, this.base + i);
        i = last;
        continue;
      }
      sink(this.fieldsOf, this.base + i);
      i = end;
    }
  }

  /** The fast path (see the top of the file): returns where the byte scanner goes on. */
  private fastEvents(chunk: Buffer, start: number): number {
    if (this.handlers.fields) return this.fastFields(chunk, start);
    let from = start;
    while (from < chunk.length && (chunk[from] <= 0x20 || chunk[from] === 0x2c)) from++;
    if (chunk[from] !== LBRACE) return start;
    let last = chunk.lastIndexOf(RBRACE);
    // Two tries: the last `}` may close a value nested in an event cut by the chunk's end.
    for (let attempt = 0; attempt < 2 && last > from; attempt++) {
      let values: unknown[] | undefined;
      try {
        values = JSON.parse(`[${this.decoder.decode(chunk.subarray(from, last + 1))}]`) as unknown[];
      } catch {
        values = undefined;
      }
      if (values) {
        this.flushBatch();
        for (const v of values) this.handlers.event(v, this.base + from);
        return last + 1;
      }
      last = chunk.lastIndexOf(RBRACE, last - 1);
    }
    return start;
  }

  private flushBatch(): void {
    if (this.batchStart < 0 || !this.batchChunk) return;
    const chunk = this.batchChunk;
    const start = this.batchStart;
    const end = this.batchEnd;
    this.batchStart = -1;
    this.batchChunk = undefined;
    let values: unknown[] | undefined;
    try {
      values = JSON.parse(`[${this.decoder.decode(chunk.subarray(start, end))}]`) as unknown[];
    } catch {
      values = undefined;
    }
    if (values) {
      // Offsets are approximate within a batch (the batch's start); exact ones come with errors.
      for (const v of values) this.handlers.event(v, this.base + start);
      return;
    }
    // Something in the batch is malformed: parse one by one to name the event.
    this.reparse(chunk, start, end);
  }

  private reparse(chunk: Buffer, start: number, end: number): void {
    let depth = 0;
    let inStr = false;
    let esc = false;
    let evStart = -1;
    for (let i = start; i < end; i++) {
      const c = chunk[i];
      if (inStr) {
        if (esc) esc = false;
        else if (c === BACKSLASH) esc = true;
        else if (c === QUOTE) inStr = false;
        continue;
      }
      if (c === QUOTE) inStr = true;
      else if (c === LBRACE || c === LBRACKET) {
        if (depth === 0) evStart = i;
        depth++;
      } else if (c === RBRACE || c === RBRACKET) {
        depth--;
        if (depth === 0) {
          let v: unknown;
          try {
            v = JSON.parse(this.decoder.decode(chunk.subarray(evStart, i + 1)));
          } catch (e) {
            throw new JsonScanError(this.base + evStart, `invalid JSON: ${(e as Error).message}`);
          }
          this.handlers.event(v, this.base + evStart);
        }
      }
    }
  }

  end(): void {
    if (!this.sawRoot) throw new JsonScanError(this.base, 'the file holds no JSON value');
    if (!this.done) throw new JsonScanError(this.base, 'the JSON ends early (truncated file?)');
  }

  private beginCapture(_chunk: Buffer, at: number, kind: 'event' | 'value' | 'key', depth: number): void {
    this.captureKind = kind;
    this.captureStart = at;
    this.captureDepth = depth;
    this.pieces = [];
    this.piecesBytes = 0;
  }

  private finishCapture(chunk: Buffer, endExclusive: number): void {
    if (this.captureKind === 'event' && this.pieces.length === 0) {
      // Wholly in this chunk: remember the range, parse with its neighbours.
      if (this.batchStart < 0) {
        this.batchStart = this.captureStart;
        this.batchChunk = chunk;
      }
      this.batchEnd = endExclusive;
      this.captureKind = undefined;
      return;
    }
    this.flushBatch();
    const part = chunk.subarray(this.captureStart, endExclusive);
    const bytes = this.pieces.length > 0 ? Buffer.concat([...this.pieces, part]) : part;
    const kind = this.captureKind;
    const offset = this.base + endExclusive - bytes.length;
    this.captureKind = undefined;
    this.captureString = false;
    this.pieces = [];
    this.piecesBytes = 0;
    let value: unknown;
    try {
      value = JSON.parse(this.decoder.decode(bytes));
    } catch (e) {
      throw new JsonScanError(offset, `invalid JSON: ${(e as Error).message}`);
    }
    if (kind === 'key') {
      this.currentKey = value as string;
    } else if (kind === 'event') {
      this.handlers.event(value, offset);
    } else {
      this.handlers.topLevel?.(this.currentKey, value);
      this.currentKey = '';
      this.expectKey = true;
    }
  }
}
