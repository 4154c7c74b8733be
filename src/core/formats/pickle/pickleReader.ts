/**
 * A reader of Python pickles that holds data only: it runs the pickle machine's data opcodes
 * (protocols 0 to 5: numbers, strings, bytes, lists, tuples, dicts, sets, the memo, frames) and
 * nothing that calls code. A global is accepted only from ALLOWED (containers: OrderedDict and
 * defaultdict become dicts, set and frozenset become sets; builtins list, dict, int, float, str,
 * tuple, bool, bytes, set as a defaultdict's factory), and only called (REDUCE, NEWOBJ) as such a
 * container is built; any other global is refused by its name, before anything else happens:
 * nothing in a pickle is ever executed or evaluated.
 *
 * Values: prototype-less dicts (other keys as Python's str() writes them), arrays for lists and
 * tuples, Sets, BigInts past 2^53, Uint8Arrays for bytes, null for None (undefined: an empty memo
 * slot). Lengths are checked against the bytes left; a file is read through a window.
 */
import { PickleError } from './pickleError';
import { bigLong, PickleInput } from './pickleInput';
import { allowedGlobal, bigintBytes, build, Global, keyOf, latin1, newDict, type PickleDict } from './pickleValues';

export { PickleError } from './pickleError';
export type { PickleDict } from './pickleValues';

const WINDOW = 4 << 20;

export interface PickleHooks {
  /**
   * Called with the items (key, value, key, value… in `items[from..to)`) about to fill a new,
   * empty dict (SETITEMS or DICT); a value other than undefined takes the dict's place, on the
   * stack and in the memo, and the dict is never filled. A reader of a big file uses it to keep a
   * compact form of the records it knows (see memoryRecords.ts) instead of one object per record,
   * which the memo would otherwise hold until the end.
   */
  items?: (items: unknown[], from: number, to: number) => unknown;
  /** What stands in the memo for a list among the items of a record `items` compacted. */
  list?: (list: unknown[]) => unknown;
}

/** Reads a pickle held in memory. */
export function readPickle(b: Uint8Array, hooks: PickleHooks = {}): unknown {
  return run(b, undefined, b.length, hooks);
}

/** Reads a pickle from an open file (`size` bytes), through a window: the file is never held whole. */
export function readPickleFile(fd: number, size: number, hooks: PickleHooks = {}, window = WINDOW): unknown {
  return run(new Uint8Array(Math.min(window, Math.max(1, size))), fd, size, hooks);
}

function run(first: Uint8Array, fd: number | undefined, total: number, hooks: PickleHooks): unknown {
  const inp = new PickleInput(first, fd, total);
  const onItems = hooks.items;
  const onList = hooks.list;
  const stack: unknown[] = [];
  let sp = 0;
  const marks: number[] = [];
  const memo: unknown[] = [];
  /** Per stack slot: the memo index of what is there, and the empty dict EMPTY_DICT put there. */
  const slotMemo: number[] = [];
  const slotEmpty: unknown[] = [];
  const push = (v: unknown) => {
    stack[sp++] = v;
  };
  const floor = () => (marks.length ? marks[marks.length - 1] : 0);
  const pop = () => {
    if (sp <= floor()) throw new PickleError(inp.at, 'an opcode wants a value and the stack is empty');
    const v = stack[--sp];
    stack[sp] = undefined;
    return v;
  };
  const top = () => {
    if (sp <= floor()) throw new PickleError(inp.at, 'an opcode wants a value and the stack is empty');
    return stack[sp - 1];
  };
  /** Where the items since the last mark begin (the mark is removed; they stay until cut). */
  const mark = () => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(inp.at, 'an opcode wants a mark and there is none');
    return m;
  };
  const cut = (m: number) => {
    for (let k = m; k < sp; k++) stack[k] = undefined;
    sp = m;
  };
  const popMark = () => {
    const m = mark();
    const items = stack.slice(m, sp);
    cut(m);
    return items;
  };
  /** Items [m, sp) for the new dict on top: the hook's replacement (in the memo too), or false. */
  const replaced = (m: number, slot: number) => {
    if (!onItems || slotEmpty[slot] !== stack[slot]) return false;
    const d = stack[slot];
    slotEmpty[slot] = undefined;
    const r = onItems(stack, m, sp);
    if (r === undefined) return false;
    stack[slot] = r;
    const k = slotMemo[slot];
    if (k !== undefined && memo[k] === d) memo[k] = r;
    // The lists among the items (a record's frames) were consumed: the memo keeps what the hook
    // says stands for each (a compact reference), not the list.
    if (onList)
      for (let j = m; j < sp; j++) {
        const mj = slotMemo[j];
        if (mj !== undefined && Array.isArray(stack[j]) && memo[mj] === stack[j])
          memo[mj] = onList(stack[j] as unknown[]);
      }
    return true;
  };
  const setItems = (d: unknown, m: number) => {
    if (!d || typeof d !== 'object' || Object.getPrototypeOf(d) !== null || d instanceof Global)
      throw new PickleError(inp.at, 'SETITEMS on something that is not a dict');
    const dict = d as PickleDict;
    for (let k = m; k + 1 < sp; k += 2) dict[keyOf(stack[k], inp.at)] = stack[k + 1];
  };
  for (;;) {
    const op = inp.op();
    switch (op) {
      case 0x80: // PROTO
        if (inp.u8() > 5) throw new PickleError(inp.at, 'a pickle protocol newer than 5');
        break;
      case 0x95: // FRAME
        inp.skip(8);
        break;
      case 0x2e: // STOP
        if (sp !== 1 || marks.length) throw new PickleError(inp.at, 'STOP with values left on the stack');
        return stack[0];
      case 0x28: // MARK
        marks.push(sp);
        break;
      case 0x30: // POP (the mark itself, when one is on top)
        if (marks.length && marks[marks.length - 1] === sp) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        cut(mark());
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(inp.i32());
        break;
      case 0x4b: // BININT1
        push(inp.u8());
        break;
      case 0x4d: // BININT2
        push(inp.u16());
        break;
      case 0x8a: // LONG1
        push(inp.long(inp.u8()));
        break;
      case 0x8b: // LONG4
        push(inp.long(inp.length(inp.i32())));
        break;
      case 0x49: {
        // INT (text): also True/False as I01/I00
        const s = inp.line().trim();
        if (s === '01' || s === '00') push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) push(bigLong(bigintBytes(BigInt(s))));
        else throw new PickleError(inp.at, `INT with ${JSON.stringify(s.slice(0, 40))}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = inp.line().trim().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) throw new PickleError(inp.at, `LONG with ${JSON.stringify(s.slice(0, 40))}`);
        push(bigLong(bigintBytes(BigInt(s))));
        break;
      }
      case 0x47: // BINFLOAT
        push(inp.f64());
        break;
      case 0x46: {
        // FLOAT (text)
        const s = inp.line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)))
          throw new PickleError(inp.at, 'FLOAT that is not a number');
        push(v);
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        push(inp.text(inp.u8()));
        break;
      case 0x58: // BINUNICODE
        push(inp.text(inp.length(inp.u32())));
        break;
      case 0x8d: // BINUNICODE8
        push(inp.text(inp.u64()));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        push(inp.line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        push(latin1(inp.bytes(inp.u8())));
        break;
      case 0x54: // BINSTRING
        push(latin1(inp.bytes(inp.length(inp.i32()))));
        break;
      case 0x53: {
        // STRING (quoted text)
        const s = inp.line().trim();
        push(s.length >= 2 ? s.slice(1, -1) : '');
        break;
      }
      case 0x43: // SHORT_BINBYTES
        push(Uint8Array.from(inp.bytes(inp.u8())));
        break;
      case 0x42: // BINBYTES
        push(Uint8Array.from(inp.bytes(inp.length(inp.u32()))));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(Uint8Array.from(inp.bytes(inp.u64())));
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x7d: {
        // EMPTY_DICT
        const d = newDict();
        slotEmpty[sp] = d;
        push(d);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        push(popMark());
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const y = pop();
        push([pop(), y]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const z = pop();
        const y = pop();
        push([pop(), y, z]);
        break;
      }
      case 0x64: {
        // DICT: the items since the mark, into a new dict in the mark's place.
        const m = mark();
        const d = newDict();
        const items = stack.slice(m, sp);
        cut(m);
        slotMemo[sp] = -1;
        slotEmpty[sp] = d;
        push(d);
        if (onItems) {
          const r = onItems(items, 0, items.length);
          if (r !== undefined) {
            stack[sp - 1] = r;
            break;
          }
        }
        for (let k = 0; k + 1 < items.length; k += 2) d[keyOf(items[k], inp.at)] = items[k + 1];
        slotEmpty[sp - 1] = undefined;
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError(inp.at, 'ADDITEMS on something that is not a set');
        for (const x of items) s.add(x);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw new PickleError(inp.at, 'APPEND on something that is not a list');
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const m = mark();
        if (m === 0 || m > sp) throw new PickleError(inp.at, 'APPENDS with no list under its mark');
        const l = stack[m - 1];
        if (!Array.isArray(l)) throw new PickleError(inp.at, 'APPEND on something that is not a list');
        for (let k = m; k < sp; k++) l.push(stack[k]);
        cut(m);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        slotEmpty[sp - 1] = undefined;
        push(k);
        push(v);
        setItems(d, sp - 2);
        cut(sp - 2);
        break;
      }
      case 0x75: {
        // SETITEMS
        const m = mark();
        if (m === 0 || m > sp) throw new PickleError(inp.at, 'SETITEMS with no dict under its mark');
        if (!replaced(m, m - 1)) {
          slotEmpty[m - 1] = undefined;
          setItems(stack[m - 1], m);
        }
        cut(m);
        break;
      }
      case 0x94: // MEMOIZE
        slotMemo[sp - 1] = memo.length;
        memo.push(top());
        break;
      case 0x71: // BINPUT
        memo[inp.u8()] = top();
        break;
      case 0x72: // LONG_BINPUT
        memo[inp.u32()] = top();
        break;
      case 0x70: {
        // PUT
        const k = Number(inp.line());
        if (!Number.isInteger(k) || k < 0 || k > inp.total) throw new PickleError(inp.at, 'PUT with a bad memo key');
        memo[k] = top();
        break;
      }
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const k = op === 0x68 ? inp.u8() : op === 0x6a ? inp.u32() : Number(inp.line());
        const v = Number.isInteger(k) && k >= 0 ? memo[k] : undefined;
        if (v === undefined) throw new PickleError(inp.at, `a memo reference (${k}) to nothing stored`);
        push(v);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = inp.line();
        push(allowedGlobal(module, inp.line(), inp.at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new PickleError(inp.at, 'STACK_GLOBAL with a module or name that is not a string');
        push(allowedGlobal(module, name, inp.at));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop();
        push(build(pop(), args, inp.at));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        push(build(pop(), args, inp.at));
        break;
      }
      case 0x62: {
        // BUILD: state for an object; on the containers built here only a dict of items is meaningful.
        const state = pop();
        const obj = top();
        if (obj && typeof obj === 'object' && Object.getPrototypeOf(obj) === null && state && typeof state === 'object')
          for (const [k, v] of Object.entries(state)) (obj as PickleDict)[k] = v;
        break;
      }
      default:
        throw new PickleError(
          inp.at,
          `opcode 0x${op.toString(16).padStart(2, '0')} is not one of the data opcodes this reader runs (persistent ids, extensions and buffers are refused)`,
        );
    }
  }
}
