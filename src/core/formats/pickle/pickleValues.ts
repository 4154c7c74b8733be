/**
 * The values the pickle reader builds, and its allowlist of globals (see pickleReader.ts).
 */
import { PickleError } from './pickleError';

export type PickleDict = { [key: string]: unknown };

/** Globals a snapshot may name, and what they build. */
export const ALLOWED: Record<string, 'dict' | 'set' | 'factory'> = {
  'collections OrderedDict': 'dict',
  'collections defaultdict': 'dict',
  'builtins set': 'set',
  'builtins frozenset': 'set',
  '__builtin__ set': 'set',
  '__builtin__ frozenset': 'set',
  'builtins list': 'factory',
  'builtins dict': 'factory',
  'builtins int': 'factory',
  'builtins float': 'factory',
  'builtins str': 'factory',
  'builtins tuple': 'factory',
  'builtins bool': 'factory',
  'builtins bytes': 'factory',
};

/** A global, as it stands on the stack until a REDUCE builds its container. */
export class Global {
  constructor(
    readonly name: string,
    readonly builds: 'dict' | 'set' | 'factory',
  ) {}
}

/** Python's str() of a dict key that is not a str. */
export function keyOf(k: unknown, at: number): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return Number.isInteger(k) ? String(k) : String(k);
  if (typeof k === 'bigint') return k.toString();
  if (k === true) return 'True';
  if (k === false) return 'False';
  if (k === null) return 'None';
  if (Array.isArray(k)) return `(${k.map((x) => keyOf(x, at)).join(', ')}${k.length === 1 ? ',' : ''})`;
  throw new PickleError(at, 'a dict key that is not a string, number, tuple or None');
}

export function newDict(): PickleDict {
  return Object.create(null) as PickleDict;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let k = 0; k < b.length; k += 8192) s += String.fromCharCode(...b.subarray(k, k + 8192));
  return s;
}

/** A BigInt as little-endian two's-complement bytes (for the text INT/LONG opcodes). */
export function bigintBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  for (let k = 0; k < 64; k++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    if ((x === 0n && !(out[out.length - 1] & 0x80)) || (x === -1n && out[out.length - 1] & 0x80)) break;
  }
  return Uint8Array.from(out);
}

/** A container from an allowed global and its arguments (REDUCE, NEWOBJ): nothing is called. */
export function build(g: unknown, args: unknown, at: number): unknown {
  if (!(g instanceof Global)) throw new PickleError(at, 'REDUCE of something that is not an allowed global');
  if (!Array.isArray(args)) throw new PickleError(at, 'REDUCE with arguments that are not a tuple');
  if (g.builds === 'dict') {
    const d = newDict();
    // OrderedDict([(k, v), …]) is how protocol 0-1 write it; defaultdict(factory) has no items.
    const first = args[0];
    if (g.name.endsWith('OrderedDict') && Array.isArray(first))
      for (const kv of first) if (Array.isArray(kv) && kv.length === 2) d[keyOf(kv[0], at)] = kv[1];
    return d;
  }
  if (g.builds === 'set') return new Set(Array.isArray(args[0]) ? args[0] : []);
  throw new PickleError(at, `refused a call of ${g.name}: only containers are built`);
}

/** A global the allowlist names; any other is refused by its name, before anything is built. */
export function allowedGlobal(module: string, name: string, at: number): Global {
  const builds = ALLOWED[`${module} ${name}`];
  if (!builds)
    throw new PickleError(
      at,
      `refused the global ${module}.${name}: only plain data and containers are read (nothing in a pickle is run)`,
    );
  return new Global(`${module}.${name}`, builds);
}
