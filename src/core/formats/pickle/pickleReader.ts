/**
 * A reader of Python pickles that holds data only: it runs the pickle machine's data opcodes
 * (protocols 0 to 5: numbers, strings, bytes, lists, tuples, dicts, sets, the memo, frames) and
 * nothing that calls code. A global is accepted only from ALLOWED (containers: OrderedDict and
 * defaultdict become dicts, set and frozenset become sets; builtins list, dict, int, float, str,
 * tuple, bool, bytes, set as a defaultdict's factory), and only called (REDUCE, NEWOBJ) as such a
 * container is built; any other global is refused by its name, before anything else happens.
 * Nothing in a pickle is ever executed or evaluated.
 *
 * Values: dicts are objects without a prototype (keys as strings: str keys as they are, int,
 * float, bool and None keys as Python's str() writes them); lists and tuples are arrays; sets are
 * Sets; ints beyond 2^53 are BigInts; bytes are Uint8Arrays; None is null. Lengths are checked
 * against the bytes left before anything is allocated, so a hostile length fails at once.
 */
import { PickleError } from './pickleError';
import {
  ALLOWED,
  append,
  bigintBytes,
  build,
  Global,
  latin1,
  newDict,
  setItems,
  type PickleDict,
} from './pickleValues';

export { PickleError } from './pickleError';
export type { PickleDict } from './pickleValues';

const MARK = Symbol('mark');
const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Reads the pickle in `b` (the whole of it); `what` names the data in messages. */
export function readPickle(b: Uint8Array): unknown {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  let i = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo: unknown[] = [];
  let at = 0;
  const need = (k: number) => {
    if (k < 0 || i + k > n) throw new PickleError(at, `the pickle ends inside an opcode (wants ${k} more bytes)`);
  };
  const u8 = () => (need(1), b[i++]);
  const u16 = () => (need(2), (i += 2), view.getUint16(i - 2, true));
  const i32 = () => (need(4), (i += 4), view.getInt32(i - 4, true));
  const u32 = () => (need(4), (i += 4), view.getUint32(i - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(i, true);
    i += 8;
    if (v > BigInt(n)) throw new PickleError(at, `a length of ${v} bytes, past the end of the pickle`);
    return Number(v);
  };
  const bytes = (len: number) => {
    need(len);
    i += len;
    return b.subarray(i - len, i);
  };
  const text = (len: number) => {
    try {
      return decoder.decode(bytes(len));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      throw new PickleError(at, 'a string that is not valid UTF-8');
    }
  };
  const line = () => {
    let j = i;
    while (j < n && b[j] !== 0x0a) j++;
    if (j >= n) throw new PickleError(at, 'the pickle ends inside a text opcode');
    const s = String.fromCharCode(...b.subarray(i, Math.min(j, i + 4096)));
    if (j - i > 4096) throw new PickleError(at, 'a text opcode of more than 4096 bytes');
    i = j + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || stack.length <= (marks[marks.length - 1] ?? -1))
      throw new PickleError(at, 'an opcode wants a value and the stack is empty');
    const v = stack.pop();
    if (v === MARK) throw new PickleError(at, 'an opcode wants a value and finds a mark');
    return v;
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(at, 'an opcode wants a value and the stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(at, 'an opcode wants a mark and there is none');
    const items = stack.splice(m);
    items.shift(); // the mark itself
    return items;
  };
  const long = (raw: Uint8Array) => {
    if (raw.length === 0) return 0;
    let v = 0n;
    for (let k = raw.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(raw[k]);
    if (raw[raw.length - 1] & 0x80) v -= 1n << BigInt(8 * raw.length);
    return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
  };
  const global = (module: string, name: string) => {
    const builds = ALLOWED[`${module} ${name}`];
    if (!builds)
      throw new PickleError(
        at,
        `refused the global ${module}.${name}: only plain data and containers are read (nothing in a pickle is run)`,
      );
    return new Global(`${module}.${name}`, builds);
  };
  for (;;) {
    if (i >= n) throw new PickleError(i, 'the pickle ends without its STOP opcode (a truncated file?)');
    at = i;
    const op = b[i++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError(at, 'a pickle protocol newer than 5');
        break;
      case 0x95: // FRAME
        need(8);
        i += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) throw new PickleError(at, 'STOP with values left on the stack');
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const len = i32();
        if (len < 0) throw new PickleError(at, 'a negative length');
        stack.push(long(bytes(len)));
        break;
      }
      case 0x49: {
        // INT (text): also True/False as I01/I00
        const s = line().trim();
        if (s === '01' || s === '00') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(long(bigintBytes(BigInt(s))));
        else throw new PickleError(at, `INT with ${JSON.stringify(s.slice(0, 40))}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().trim().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) throw new PickleError(at, `LONG with ${JSON.stringify(s.slice(0, 40))}`);
        stack.push(long(bigintBytes(BigInt(s))));
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(i, false));
        i += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const s = line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)))
          throw new PickleError(at, 'FLOAT that is not a number');
        stack.push(v);
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(String.fromCharCode(...bytes(u8())));
        break;
      case 0x54: {
        // BINSTRING
        const len = i32();
        if (len < 0) throw new PickleError(at, 'a negative length');
        stack.push(latin1(bytes(len)));
        break;
      }
      case 0x53: {
        // STRING (quoted text)
        const s = line().trim();
        stack.push(s.length >= 2 ? s.slice(1, -1) : '');
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(bytes(u32())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(Uint8Array.from(bytes(u64())));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(Uint8Array.from(bytes(u64())));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(newDict());
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const y = pop();
        stack.push([pop(), y]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const z = pop();
        const y = pop();
        stack.push([pop(), y, z]);
        break;
      }
      case 0x64: {
        // DICT
        const d = newDict();
        setItems(d, popMark(), at);
        stack.push(d);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError(at, 'ADDITEMS on something that is not a set');
        for (const x of items) s.add(x);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v], at);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items, at);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v], at);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items, at);
        break;
      }
      case 0x94: // MEMOIZE
        memo.push(top());
        break;
      case 0x71: // BINPUT
        memo[u8()] = top();
        break;
      case 0x72: // LONG_BINPUT
        memo[u32()] = top();
        break;
      case 0x70: {
        // PUT
        const k = Number(line());
        if (!Number.isInteger(k) || k < 0 || k > n) throw new PickleError(at, 'PUT with a bad memo key');
        memo[k] = top();
        break;
      }
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!(k in memo)) throw new PickleError(at, `a memo reference (${k}) to nothing stored`);
        stack.push(memo[k]);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new PickleError(at, 'STACK_GLOBAL with a module or name that is not a string');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(build(pop(), args, at));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(build(pop(), args, at));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        stack.push(build(pop(), args, at));
        break;
      }
      case 0x62: {
        // BUILD: state for an object; on the containers built here only a dict of items is meaningful.
        const state = pop();
        const obj = top();
        if (
          obj &&
          typeof obj === 'object' &&
          !Array.isArray(obj) &&
          !(obj instanceof Set) &&
          state &&
          typeof state === 'object'
        )
          for (const [k, v] of Object.entries(state)) (obj as PickleDict)[k] = v;
        break;
      }
      default:
        throw new PickleError(
          at,
          `opcode 0x${op.toString(16).padStart(2, '0')} is not one of the data opcodes this reader runs (persistent ids, extensions and buffers are refused)`,
        );
    }
  }
}
