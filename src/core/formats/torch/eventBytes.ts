/**
 * A trace event's fields read straight from its bytes, without building the event as an object
 * (JSON.parse builds every argument of every event, and those objects are most of what a big
 * trace costs in time and garbage). The extractor is a strict JSON parser for one object:
 * anything it is not sure of (a key with an escape, nesting past 64, invalid JSON) answers
 * FALLBACK and the event goes through JSON.parse, so both ways give the same fields and the same
 * errors; an event cut by the end of the buffer answers INCOMPLETE. Numbers are exact: digits
 * below 2^53 with at most 22 decimals are divided by an exact power of ten (correctly rounded,
 * as JSON.parse does); others go through Number().
 */
import { EventFields, LAZY } from './eventFields';

export const INCOMPLETE = -1;
export const FALLBACK = -2;

/** The bytes of JSON's structure (the scanner uses them too). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
const COMMA = 0x2c;
export const COLON = 0x3a;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
type Setter = (f: EventFields, v: unknown) => void;
interface Key {
  bytes: Uint8Array;
  set: Setter;
  /** 'array': small number arrays parsed here; 'lazyA'/'lazyB': kept as bytes. */
  kind?: 'array' | 'lazyA' | 'lazyB';
}
const key = (s: string, set: Setter, kind?: Key['kind']): Key => ({ bytes: enc(s), set, kind });
const TOP: Key[] = [
  key('ph', (f, v) => (f.ph = v)),
  key('cat', (f, v) => (f.cat = v)),
  key('name', (f, v) => (f.name = v)),
  key('ts', (f, v) => (f.ts = v)),
  key('dur', (f, v) => (f.dur = v)),
  key('pid', (f, v) => (f.pid = v)),
  key('tid', (f, v) => (f.tid = v)),
];
const ARGS: Key[] = [
  key('External id', (f, v) => (f.externalIdA = v)),
  key('external id', (f, v) => (f.externalIdB = v)),
  key('correlation', (f, v) => (f.correlation = v)),
  key('device', (f, v) => (f.device = v)),
  key('stream', (f, v) => (f.stream = v)),
  key('grid', (f, v) => (f.grid = v), 'array'),
  key('block', (f, v) => (f.block = v), 'array'),
  key('registers per thread', (f, v) => (f.registers = v)),
  key('shared memory', (f, v) => (f.sharedMemory = v)),
  key('est. achieved occupancy %', (f, v) => (f.occupancy = v)),
  key('bytes', (f, v) => (f.bytes = v)),
  key('Input Dims', (f, v) => (f.dimsA = v), 'lazyA'),
  key('Input dims', (f, v) => (f.dimsB = v), 'lazyB'),
  key('Call stack', (f, v) => (f.callStack = v)),
  key('Device Id', (f, v) => (f.memDevice = v)),
  key('Bytes', (f, v) => (f.memBytes = v)),
  key('Total Allocated', (f, v) => (f.totalAllocated = v)),
  key('Total Reserved', (f, v) => (f.totalReserved = v)),
  key('wait_on_stream', (f, v) => (f.waitOnStream = v)),
  key('wait_on_cuda_event_record_corr_id', (f, v) => (f.waitOnEventRecord = v)),
];
const ARGS_KEY = enc('args');
const isArgs = (b: Buffer, s: number, e: number) => e - s === 4 && sameBytes(ARGS_KEY, b, s, 4);

/** Keys by length, so most keys of an event are ruled out by one lookup. */
const byLength = (keys: Key[]) => {
  const out: Key[][] = [];
  for (const k of keys) (out[k.bytes.length] ??= []).push(k);
  return out;
};
const TOP_BY_LEN = byLength(TOP);
const ARGS_BY_LEN = byLength(ARGS);

function find(table: Key[][], b: Buffer, s: number, e: number): Key | undefined {
  const len = e - s;
  const keys = table[len];
  if (keys === undefined) return undefined;
  for (const k of keys) {
    if (k.bytes[0] !== b[s]) continue;
    let i = 1;
    while (i < len && k.bytes[i] === b[s + i]) i++;
    if (i === len) return k;
  }
  return undefined;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Whether `len` bytes of `b` from `s` equal `known` (a loop: cheaper than Buffer.compare's call for names). */
function sameBytes(known: Uint8Array, b: Buffer, s: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (known[i] !== b[s + i]) return false;
  return true;
}

/** Strings seen before, by their bytes: one JavaScript string per distinct name, not per event. */
export class ByteStrings {
  private readonly map = new Map<number, { bytes: Buffer; str: string }[]>();
  private size = 0;

  get(b: Buffer, s: number, e: number): string {
    const len = e - s;
    if (len === 0) return '';
    let h = len * 31 + b[s] * 7 + b[e - 1];
    for (let i = s + 1; i < e - 1; i += 1 + (len >> 3)) h = (Math.imul(h, 33) + b[i]) | 0;
    const list = this.map.get(h);
    if (list) for (const c of list) if (c.bytes.length === len && sameBytes(c.bytes, b, s, len)) return c.str;
    const str = b.toString('utf8', s, e);
    if (this.size < 200_000 && len <= 4096) {
      this.size++;
      const entry = { bytes: Buffer.from(b.subarray(s, e)), str };
      if (list) list.push(entry);
      else this.map.set(h, [entry]);
    }
    return str;
  }
}

/** The parse of one event: state shared by its helpers. */
class Cursor {
  i = 0;
  constructor(
    readonly b: Buffer,
    readonly strings: ByteStrings,
  ) {}
}

const ws = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWs(k: Cursor): void {
  const b = k.b;
  let i = k.i;
  while (i < b.length && ws(b[i])) i++;
  k.i = i;
}

/** End of the string opening at k.i (the index of its closing quote), -1 if cut off. */
function stringEnd(b: Buffer, open: number): number {
  let q = b.indexOf(QUOTE, open + 1);
  while (q >= 0) {
    let j = q - 1;
    while (b[j] === BACKSLASH) j--;
    if ((q - 1 - j) % 2 === 0) return q;
    q = b.indexOf(QUOTE, q + 1);
  }
  return -1;
}

const CUT = Symbol('cut');
const ODD = Symbol('odd');

/** A string value (decoded when `keep`), or CUT. */
function readString(k: Cursor, keep: boolean): string | symbol {
  const b = k.b;
  const q = stringEnd(b, k.i);
  if (q < 0) return CUT;
  const s = k.i + 1;
  k.i = q + 1;
  if (!keep) return '';
  if (hasBackslash(b, s, q)) return JSON.parse(b.toString('utf8', s - 1, q + 1)) as string;
  return k.strings.get(b, s, q);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Whether b[s..e) holds a backslash (an escape): a loop for short strings, memchr for long ones. */
function hasBackslash(b: Buffer, s: number, e: number): boolean {
  if (e - s > 64) return b.subarray(s, e).indexOf(BACKSLASH) >= 0;
  for (let i = s; i < e; i++) if (b[i] === BACKSLASH) return true;
  return false;
}

/** A number as JSON writes them, or CUT (it may go on in the next chunk) or ODD. */
function readNumber(k: Cursor): number | symbol {
  const b = k.b;
  const n = b.length;
  let i = k.i;
  const start = i;
  const neg = b[i] === 0x2d;
  if (neg) i++;
  if (i >= n) return CUT;
  let m = 0;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) {
    while (i < n && isDigit(b[i])) {
      m = m * 10 + (b[i] - 0x30);
      i++;
    }
  } else return ODD;
  let frac = 0;
  if (i < n && b[i] === 0x2e) {
    i++;
    const f0 = i;
    while (i < n && isDigit(b[i])) {
      m = m * 10 + (b[i] - 0x30);
      i++;
    }
    frac = i - f0;
    if (frac === 0) return i >= n ? CUT : ODD;
  }
  let exp = false;
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    exp = true;
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const e0 = i;
    while (i < n && isDigit(b[i])) i++;
    if (i === e0) return i >= n ? CUT : ODD;
  }
  if (i >= n) return CUT;
  k.i = i;
  // Below 2^53 the mantissa is exact, and so is 10^frac up to 10^22: one correctly rounded division.
  if (!exp && m < 9007199254740992 && frac <= 22) {
    const v = frac ? m / POW10[frac] : m;
    return neg ? -v : v;
  }
  return Number(b.toString('latin1', start, i));
}

const LITERALS: [Uint8Array, unknown][] = [
  [enc('true'), true],
  [enc('false'), false],
  [enc('null'), null],
];

/**
 * Reads the value at k.i: kept (as a JavaScript value, as JSON.parse gives it) when `keep`, else
 * only checked and skipped. CUT for a value the buffer ends in, ODD for one that is not JSON.
 */
function readValue(k: Cursor, keep: boolean, depth: number): unknown {
  const b = k.b;
  if (k.i >= b.length) return CUT;
  const c = b[k.i];
  if (c === QUOTE) return readString(k, keep);
  if (c === 0x2d || isDigit(c)) return readNumber(k);
  if (c === LBRACE || c === LBRACKET) {
    if (depth > 64) return ODD;
    const start = k.i;
    const r = skipContainer(k, depth);
    if (r) return r;
    return keep ? JSON.parse(b.toString('utf8', start, k.i)) : undefined;
  }
  for (const [lit, v] of LITERALS)
    if (c === lit[0]) {
      if (k.i + lit.length > b.length) return CUT;
      for (let j = 1; j < lit.length; j++) if (b[k.i + j] !== lit[j]) return ODD;
      k.i += lit.length;
      return v;
    }
  return ODD;
}

/** Checks and skips an object or array; CUT or ODD, or undefined when it was well formed. */
function skipContainer(k: Cursor, depth: number): symbol | undefined {
  const b = k.b;
  const obj = b[k.i] === LBRACE;
  const close = obj ? RBRACE : RBRACKET;
  k.i++;
  skipWs(k);
  if (k.i >= b.length) return CUT;
  if (b[k.i] === close) {
    k.i++;
    return undefined;
  }
  for (;;) {
    if (obj) {
      if (b[k.i] !== QUOTE) return ODD;
      const q = stringEnd(b, k.i);
      if (q < 0) return CUT;
      k.i = q + 1;
      skipWs(k);
      if (k.i >= b.length) return CUT;
      if (b[k.i] !== COLON) return ODD;
      k.i++;
      skipWs(k);
    }
    const v = readValue(k, false, depth + 1);
    if (v === CUT || v === ODD) return v;
    skipWs(k);
    if (k.i >= b.length) return CUT;
    if (b[k.i] === COMMA) {
      k.i++;
      skipWs(k);
      if (k.i >= b.length) return CUT;
      continue;
    }
    if (b[k.i] === close) {
      k.i++;
      return undefined;
    }
    return ODD;
  }
}

/** A small array of numbers ("grid": [512, 1, 1]); other arrays as JSON.parse reads them. */
function readArray(k: Cursor): unknown {
  const b = k.b;
  const start = k.i;
  const skipped = skipContainer(k, 1);
  if (skipped) return skipped;
  return JSON.parse(b.toString('utf8', start, k.i));
}

/** Reads the object at `start` (its `{`) into `f`; returns the index after it, INCOMPLETE or FALLBACK. */
export function extractEvent(b: Buffer, start: number, f: EventFields, strings: ByteStrings): number {
  f.reset();
  const k = new Cursor(b, strings);
  k.i = start;
  const r = readObject(k, f, TOP_BY_LEN, 0);
  return r === CUT ? INCOMPLETE : r === ODD ? FALLBACK : k.i;
}

function readObject(k: Cursor, f: EventFields, keys: Key[][], depth: number): symbol | undefined {
  const b = k.b;
  k.i++; // {
  skipWs(k);
  if (k.i >= b.length) return CUT;
  if (b[k.i] === RBRACE) {
    k.i++;
    return undefined;
  }
  for (;;) {
    if (b[k.i] !== QUOTE) return ODD;
    const ks = k.i + 1;
    const q = stringEnd(b, k.i);
    if (q < 0) return CUT;
    if (hasBackslash(b, ks, q)) return ODD;
    k.i = q + 1;
    skipWs(k);
    if (k.i >= b.length) return CUT;
    if (b[k.i] !== COLON) return ODD;
    k.i++;
    skipWs(k);
    if (k.i >= b.length) return CUT;
    const which = find(keys, b, ks, q);
    if (depth === 0 && !which && isArgs(b, ks, q)) {
      f.resetArgs();
      if (b[k.i] === LBRACE) {
        const r = readObject(k, f, ARGS_BY_LEN, 1);
        if (r) return r;
      } else {
        // Not an object: no argument is read from it (as with JSON.parse's value).
        const v = readValue(k, false, 1);
        if (v === CUT || v === ODD) return v;
      }
    } else if (which?.kind === 'array' && b[k.i] === LBRACKET) {
      const v = readArray(k);
      if (v === CUT || v === ODD) return v;
      which.set(f, v);
    } else if ((which?.kind === 'lazyA' || which?.kind === 'lazyB') && (b[k.i] === LBRACKET || b[k.i] === LBRACE)) {
      const s = k.i;
      const r = skipContainer(k, depth + 1);
      if (r) return r;
      f.lazyBuf = b;
      if (which.kind === 'lazyA') f.lazyA = [s, k.i];
      else f.lazyB = [s, k.i];
      which.set(f, LAZY);
    } else {
      const v = readValue(k, which !== undefined, depth + 1);
      if (v === CUT || v === ODD) return v;
      if (which) which.set(f, v);
    }
    skipWs(k);
    if (k.i >= b.length) return CUT;
    if (b[k.i] === COMMA) {
      k.i++;
      skipWs(k);
      if (k.i >= b.length) return CUT;
      continue;
    }
    if (b[k.i] === RBRACE) {
      k.i++;
      return undefined;
    }
    return ODD;
  }
}

/** The index after the object or array opening at `start` (strings skipped), or -1 if cut off. */
export function eventEnd(b: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) {
      i++;
      while (i < b.length && b[i] !== QUOTE) i += b[i] === BACKSLASH ? 2 : 1;
      if (i >= b.length) return -1;
    } else if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
