/**
 * A trace event's fields read straight from its bytes, without building the event as an object
 * (JSON.parse builds every argument of every event, and those objects are most of what a big
 * trace costs in time and garbage). The extractor is a strict JSON parser for one object:
 * anything it is not sure of (a key with an escape, nesting past 64, invalid JSON) answers
 * FALLBACK and the event goes through JSON.parse, so both ways give the same fields and the same
 * errors; an event cut by the end of the buffer answers INCOMPLETE. Numbers are exact: digits
 * below 2^53 with at most 22 decimals are divided by an exact power of ten (correctly rounded,
 * as JSON.parse does); others go through Number().
 *
 * Written for speed (it reads every byte of gigabyte traces): each reader takes a position and
 * returns the one after what it read, or CUT or ODD (negative); a value read is left in `val`.
 * Strings are scanned in a loop (no call per string), known keys set fields through a switch.
 */
import { EventFields, LAZY } from './eventFields';
import { ByteStrings, NumberLists } from './byteStrings';
import { ARGS_BY_LEN, F, find, setField, TOP_BY_LEN, type Key } from './eventKeys';

export { ByteStrings };

export const INCOMPLETE = -1;
export const FALLBACK = -2;
const CUT = INCOMPLETE;
const ODD = FALLBACK;

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

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The value last read (when kept), and whether the last string read had an escape. */
let val: unknown;
let escaped = false;
let strings: ByteStrings;
let lists: NumberLists;

/** The index of the quote that closes the string whose content starts at i; CUT or ODD. */
function stringEnd(b: Buffer, i: number, n: number): number {
  escaped = false;
  while (i < n) {
    const c = b[i];
    if (c > BACKSLASH) {
      i++;
      continue;
    }
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
      continue;
    }
    if (c < 0x20) return ODD; // a raw control character: JSON.parse refuses it
    i++;
  }
  return CUT;
}

/** A string at b[i] (its quote): decoded into `val` when `keep` (`field` names its last-value cache). */
function readString(b: Buffer, i: number, n: number, keep: boolean, field: number): number {
  const q = stringEnd(b, i + 1, n);
  if (q < 0) return q;
  if (escaped) {
    // Escapes are decoded (and checked: "\x" is not JSON) by JSON.parse; rare in traces.
    try {
      val = JSON.parse(b.toString('utf8', i, q + 1)) as string;
    } catch {
      return ODD;
    }
  } else if (keep) val = strings.get(b, i + 1, q, field);
  return q + 1;
}

/** A number as JSON writes them, into `val`; CUT (it may go on in the next chunk) or ODD. */
function readNumber(b: Buffer, i: number, n: number): number {
  const start = i;
  const neg = b[i] === 0x2d;
  if (neg) i++;
  if (i >= n) return CUT;
  let m = 0;
  let c = b[i];
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    while (i < n && (c = b[i]) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      i++;
    }
  } else return ODD;
  if (i >= n) return CUT;
  let frac = 0;
  if (b[i] === 0x2e) {
    const f0 = ++i;
    while (i < n && (c = b[i]) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      i++;
    }
    frac = i - f0;
    if (i >= n) return CUT;
    if (frac === 0) return ODD;
  }
  c = b[i];
  if (c === 0x65 || c === 0x45) {
    i = exponentEnd(b, i, n);
    if (i >= 0) val = Number(b.toString('latin1', start, i));
    return i;
  }
  // Below 2^53 the mantissa is exact, and so is 10^frac up to 10^22: one correctly rounded division.
  if (m < 9007199254740992 && frac <= 22) {
    const v = frac ? m / POW10[frac] : m;
    val = neg ? -v : v;
  } else val = Number(b.toString('latin1', start, i));
  return i;
}

/** A number checked as readNumber checks it, and skipped (a value not kept). */
function skipNumber(b: Buffer, i: number, n: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= n) return CUT;
  let c = b[i];
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) while (i < n && isDigit(b[i])) i++;
  else return ODD;
  if (i >= n) return CUT;
  if (b[i] === 0x2e) {
    const f0 = ++i;
    while (i < n && isDigit(b[i])) i++;
    if (i >= n) return CUT;
    if (i === f0) return ODD;
  }
  c = b[i];
  return c === 0x65 || c === 0x45 ? exponentEnd(b, i, n) : i;
}

/** The end of the exponent whose "e" is at b[i]; CUT or ODD. */
function exponentEnd(b: Buffer, i: number, n: number): number {
  i++;
  if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
  const e0 = i;
  while (i < n && isDigit(b[i])) i++;
  if (i >= n) return CUT;
  return i === e0 ? ODD : i;
}

/** true, false or null at b[i] into `val`; CUT or ODD. */
function readLiteral(b: Buffer, i: number, n: number): number {
  const c = b[i];
  const [text, v] = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : NONE;
  if (text.length === 0) return ODD;
  for (let j = 1; j < text.length; j++) {
    if (i + j >= n) return CUT;
    if (b[i + j] !== text[j]) return ODD;
  }
  val = v;
  return i + text.length;
}
const TRUE: [Uint8Array, unknown] = [enc('true'), true];
const FALSE: [Uint8Array, unknown] = [enc('false'), false];
const NULL: [Uint8Array, unknown] = [enc('null'), null];
const NONE: [Uint8Array, unknown] = [new Uint8Array(0), undefined];

function skipWs(b: Buffer, i: number, n: number): number {
  while (i < n && isWs(b[i])) i++;
  return i;
}

/** The value at b[i]: into `val` when `keep` (containers through JSON.parse), else only checked. */
function readValue(b: Buffer, i: number, n: number, keep: boolean, depth: number, field: number): number {
  const c = b[i];
  if (c === QUOTE) return readString(b, i, n, keep, field);
  if (c === 0x2d || isDigit(c)) return keep ? readNumber(b, i, n) : skipNumber(b, i, n);
  if (c === LBRACE || c === LBRACKET) {
    if (depth > 64) return ODD;
    const end = skipContainer(b, i, n, depth);
    if (end >= 0 && keep) val = JSON.parse(b.toString('utf8', i, end));
    return end;
  }
  return readLiteral(b, i, n);
}

/** Checks and skips the object or array at b[i]; the index after it, or CUT or ODD. */
function skipContainer(b: Buffer, i: number, n: number, depth: number): number {
  const obj = b[i] === LBRACE;
  const close = obj ? RBRACE : RBRACKET;
  i = skipWs(b, i + 1, n);
  if (i >= n) return CUT;
  if (b[i] === close) return i + 1;
  for (;;) {
    if (obj) {
      if (b[i] !== QUOTE) return ODD;
      i = readString(b, i, n, false, -1);
      if (i < 0) return i;
      i = skipWs(b, i, n);
      if (i >= n) return CUT;
      if (b[i] !== COLON) return ODD;
      i = skipWs(b, i + 1, n);
      if (i >= n) return CUT;
    }
    i = readValue(b, i, n, false, depth + 1, -1);
    if (i < 0) return i;
    i = skipWs(b, i, n);
    if (i >= n) return CUT;
    const c = b[i];
    if (c === close) return i + 1;
    if (c !== COMMA) return ODD;
    i = skipWs(b, i + 1, n);
    if (i >= n) return CUT;
  }
}

const scratch: number[] = [];

/** A small array of numbers ("grid": [512, 1, 1]) read here; any other array as JSON.parse reads it. */
function readArray(b: Buffer, i: number, n: number): number {
  // Read into a scratch list, then shared (NumberLists): an array grown by push would hold room
  // for 17 values (218 bytes for [512, 1, 1]).
  const out = scratch;
  out.length = 0;
  let j = skipWs(b, i + 1, n);
  if (j < n && b[j] === RBRACKET) {
    val = [];
    return j + 1;
  }
  while (j < n && (b[j] === 0x2d || isDigit(b[j]))) {
    j = readNumber(b, j, n);
    if (j < 0) break;
    out.push(val as number);
    j = skipWs(b, j, n);
    if (j >= n) break;
    if (b[j] === RBRACKET) {
      val = lists.get(out);
      return j + 1;
    }
    if (b[j] !== COMMA) break;
    j = skipWs(b, j + 1, n);
  }
  // Not a plain list of numbers (or cut, or invalid): checked and read the general way.
  const end = skipContainer(b, i, n, 1);
  if (end >= 0) val = JSON.parse(b.toString('utf8', i, end));
  return end;
}

/** Reads the object at `start` (its `{`) into `f`; returns the index after it, INCOMPLETE or FALLBACK. */
export function extractEvent(b: Buffer, start: number, f: EventFields, byteStrings: ByteStrings): number {
  f.reset();
  f.shared = true;
  strings = byteStrings;
  lists = byteStrings.lists;
  return readObject(b, start, b.length, f, TOP_BY_LEN, 0);
}

/**
 * Key sequences seen, as a trie: node 0 starts an event, node 1 its "args". Each edge is a key's
 * bytes (no escapes), its field id and the node after it. Events of one kind repeat their keys in
 * one order, so the next key is mostly one of a node's few edges, matched by one comparison that
 * also finds the key's end.
 */
const edgeBytes: Uint8Array[] = [];
const edgeId: number[] = [];
const edgeNext: number[] = [];
const nodeEdges: number[][] = [[], []];
const MAX_NODES = 4096;
const MAX_EDGES = 8;
/** Longer keys are not kept as edges (a hostile file's keys would be copied into the trie). */
const MAX_EDGE_KEY = 64;

function readObject(b: Buffer, i: number, n: number, f: EventFields, keys: Key[][], depth: number): number {
  i = skipWs(b, i + 1, n);
  if (i >= n) return CUT;
  if (b[i] === RBRACE) return i + 1;
  let node = depth === 0 ? 0 : depth === 1 && keys === ARGS_BY_LEN ? 1 : -1;
  for (;;) {
    if (b[i] !== QUOTE) return ODD;
    const ks = i + 1;
    let q = -1;
    let id = -1;
    if (node >= 0) {
      const edges = nodeEdges[node];
      for (let k = 0; k < edges.length; k++) {
        const e = edges[k];
        const kb = edgeBytes[e];
        const len = kb.length;
        if (ks + len >= n || b[ks + len] !== QUOTE) continue;
        let j = 0;
        while (j < len && kb[j] === b[ks + j]) j++;
        if (j === len) {
          q = ks + len;
          id = edgeId[e];
          node = edgeNext[e];
          break;
        }
      }
    }
    if (q < 0) {
      q = stringEnd(b, ks, n);
      if (q < 0) return q;
      if (escaped) return ODD;
      id = find(keys, b, ks, q);
      if (node >= 0) {
        const edges = nodeEdges[node];
        if (nodeEdges.length < MAX_NODES && edges.length < MAX_EDGES && q - ks <= MAX_EDGE_KEY) {
          const e = edgeBytes.length;
          edgeBytes.push(Uint8Array.from(b.subarray(ks, q)));
          edgeId.push(id);
          edgeNext.push(nodeEdges.length);
          nodeEdges.push([]);
          edges.push(e);
          node = edgeNext[e];
        } else node = -1;
      }
    }
    i = skipWs(b, q + 1, n);
    if (i >= n) return CUT;
    if (b[i] !== COLON) return ODD;
    i = skipWs(b, i + 1, n);
    if (i >= n) return CUT;
    const c = b[i];
    if (id === F.args && depth === 0) {
      f.resetArgs();
      // Not an object: no argument is read from it (as with JSON.parse's value).
      i = c === LBRACE ? readObject(b, i, n, f, ARGS_BY_LEN, 1) : readValue(b, i, n, false, 1, -1);
    } else if ((id === F.grid || id === F.block) && c === LBRACKET) {
      i = readArray(b, i, n);
      if (i >= 0) setField(f, id, val);
    } else if ((id === F.dimsA || id === F.dimsB) && (c === LBRACKET || c === LBRACE)) {
      const s = i;
      i = skipContainer(b, i, n, depth + 1);
      if (i >= 0) {
        f.lazyBuf = b;
        const at = id === F.dimsA ? f.lazyA : f.lazyB;
        at[0] = s;
        at[1] = i;
        setField(f, id, LAZY);
      }
    } else if (id < 0) i = readValue(b, i, n, false, depth + 1, -1);
    else {
      i = readValue(b, i, n, true, depth + 1, id <= F.cat ? id : -1);
      if (i >= 0) setField(f, id, val);
    }
    if (i < 0) return i;
    i = skipWs(b, i, n);
    if (i >= n) return CUT;
    if (b[i] === COMMA) {
      i = skipWs(b, i + 1, n);
      if (i >= n) return CUT;
      continue;
    }
    if (b[i] === RBRACE) return i + 1;
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
