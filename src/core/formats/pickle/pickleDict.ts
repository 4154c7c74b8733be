/**
 * A fast path of the pickle reader for the commonest record of big files: a dict whose items are
 * all scalars (a frame: {filename, name, line}), written as EMPTY_DICT [MEMOIZE] MARK (key value
 * [MEMOIZE])… SETITEMS. The opcodes are checked in the window first; only when the whole dict is
 * there and plain does it run, with the same memo, hook and values as the general path (which
 * takes everything else, from the same place). On a snapshot of a million entries a frame dict
 * was a dozen trips through the opcode switch, the stack and an empty dict made only to be
 * replaced by the hook.
 */
import { PickleError } from './pickleError';
import type { PickleInput } from './pickleInput';
import { keyOf, newDict } from './pickleValues';

const MEMOIZE = 0x94;
const MARK = 0x28;
const SETITEMS = 0x75;

/** Bytes after a scalar opcode, or -1 for an opcode this path does not take. */
function argBytes(op: number, b: Uint8Array, at: number): number {
  switch (op) {
    case 0x68: // BINGET
    case 0x4b: // BININT1
      return 1;
    case 0x6a: // LONG_BINGET
    case 0x4a: // BININT
      return 4;
    case 0x4d: // BININT2
      return 2;
    case 0x4e: // NONE
    case 0x88: // NEWTRUE
    case 0x89: // NEWFALSE
      return 0;
    case 0x47: // BINFLOAT
      return 8;
    case 0x8c: // SHORT_BINUNICODE
      return at < b.length ? 1 + b[at] : -1;
    default:
      return -1;
  }
}

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * At an EMPTY_DICT just read: runs the plain dict that follows and returns its value (the hook's
 * replacement, or the dict), or undefined, having read nothing, where the general path must.
 */
export function plainDict(
  inp: PickleInput,
  memo: unknown[],
  scratch: unknown[],
  onItems: (items: unknown[], from: number, to: number) => unknown,
): { value: unknown; memoIndex: number } | undefined {
  const b = inp.buf;
  const start = inp.pos;
  const n = inp.end;
  const base = inp.offset;
  // Check: [MEMOIZE] MARK (scalar [MEMOIZE])* SETITEMS, wholly in the window.
  let i = start;
  if (i < n && b[i] === MEMOIZE) i++;
  if (i >= n || b[i] !== MARK) return undefined;
  i++;
  let values = 0;
  for (;;) {
    if (i >= n) return undefined;
    const op = b[i];
    if (op === SETITEMS) break;
    const k = argBytes(op, b, i + 1);
    if (k < 0 || i + 1 + k > n) return undefined;
    // A reference to the dict itself (the general path gives the empty dict there).
    if (
      start < n &&
      b[start] === MEMOIZE &&
      (op === 0x68 ? b[i + 1] : op === 0x6a ? u32(b, i + 1) : -1) === memo.length
    )
      return undefined;
    i += 1 + k;
    values++;
    if (i < n && b[i] === MEMOIZE) i++;
  }
  if (values % 2 || values === 0 || values > 64) return undefined;
  // Run it.
  const view = inp.bufView;
  i = start;
  let memoIndex = -1;
  if (b[i] === MEMOIZE) {
    memoIndex = memo.length;
    memo.push(undefined);
    i++;
  }
  i++; // MARK
  let count = 0;
  while (b[i] !== SETITEMS) {
    const op = b[i];
    const at = base + i;
    i++;
    let v: unknown;
    switch (op) {
      case 0x68:
      case 0x6a: {
        const k = op === 0x68 ? b[i] : view.getUint32(i, true);
        i += op === 0x68 ? 1 : 4;
        v = memo[k];
        if (v === undefined) throw new PickleError(at, `a memo reference (${k}) to nothing stored`);
        break;
      }
      case 0x4b:
        v = b[i++];
        break;
      case 0x4d:
        v = view.getUint16(i, true);
        i += 2;
        break;
      case 0x4a:
        v = view.getInt32(i, true);
        i += 4;
        break;
      case 0x4e:
        v = null;
        break;
      case 0x88:
        v = true;
        break;
      case 0x89:
        v = false;
        break;
      case 0x47:
        v = view.getFloat64(i, false);
        i += 8;
        break;
      default: {
        // SHORT_BINUNICODE
        const len = b[i++];
        let s = '';
        let k = i;
        for (; k < i + len && b[k] < 0x80; k++) s += String.fromCharCode(b[k]);
        if (k < i + len)
          try {
            s = decoder.decode(b.subarray(i, i + len));
          } catch {
            throw new PickleError(at, 'a string that is not valid UTF-8');
          }
        i += len;
        v = s;
      }
    }
    scratch[count++] = v;
    if (b[i] === MEMOIZE) {
      memo.push(v);
      i++;
    }
  }
  inp.seek(i + 1);
  let value = onItems(scratch, 0, count);
  if (value === undefined) {
    const d = newDict();
    for (let k = 0; k + 1 < count; k += 2) d[keyOf(scratch[k], base + i)] = scratch[k + 1];
    value = d;
  }
  for (let k = 0; k < count; k++) scratch[k] = undefined;
  if (memoIndex >= 0) memo[memoIndex] = value;
  return { value, memoIndex };
}
