/**
 * The fuzz properties: for every target, random text, truncations and mutations of the real
 * seeds (markup and script, huge and odd numbers, deep nesting, megabyte lines, random bytes),
 * and for the nsys SQLite reader, truncated and corrupted database bytes. A case passes when the
 * parser returns or throws FormatError within its bound; anything else is a finding.
 */
import fc from 'fast-check';
import { FormatError } from '../../src/core/formats/formatError';
import { PICKLE_SEED, SQLITE_SEED, parseSqlite, type FuzzTarget } from './targets';
import { parseMemorySnapshot } from '../../src/core/formats/torch/memorySnapshot';

const NASTY = [
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  'javascript:alert(1)',
  '\u202Eexe.txt',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '-0',
  '9'.repeat(400),
  '0x10',
  '1,234,567',
  '""',
  '"',
  '\\',
  ',',
  ';',
  '\n',
  '\r\n',
  '\t',
  '[',
  ']',
  '{',
  '}',
  ':',
  'null',
  'true',
  '{"a":'.repeat(2000),
  '['.repeat(5000),
  '__proto__',
  'constructor',
  '{"__proto__":{"x":1}}',
];

type Op =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'dup'; at: number; len: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 20 }), fc.fullUnicodeString({ maxLength: 8 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    kind: fc.constant('dup' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 400 }),
  }),
);

function apply(seed: string, ops: Op[]): string {
  let s = seed;
  for (const o of ops) {
    const at = Math.floor(o.at * s.length);
    if (o.kind === 'truncate') s = s.slice(0, at);
    else if (o.kind === 'insert') s = s.slice(0, at) + o.text + s.slice(at);
    else if (o.kind === 'delete') s = s.slice(0, at) + s.slice(at + o.len);
    else s = s.slice(0, at) + s.slice(at, at + o.len).repeat(3) + s.slice(at);
  }
  return s;
}

function inputs(seeds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 6 }))
        .map(([s, ops]) => apply(s, ops)),
      weight: 6,
    },
    { arbitrary: fc.string({ maxLength: 300 }), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
    {
      arbitrary: fc.constantFrom(...NASTY).chain((n) => fc.integer({ min: 1, max: 3 }).map((k) => n.repeat(k))),
      weight: 1,
    },
    // A megabyte line, inside a seed.
    {
      arbitrary: fc
        .constantFrom(...seeds)
        .map((s) => s.slice(0, s.length >> 1) + 'x'.repeat(1 << 20) + s.slice(s.length >> 1)),
      weight: 1,
    },
  );
}

export interface FuzzReport {
  name: string;
  cases: number;
  slowestMs: number;
}

export async function fuzzTarget(t: FuzzTarget, numRuns: number, seed: number): Promise<FuzzReport> {
  let cases = 0;
  let slowest = 0;
  await fc.assert(
    fc.asyncProperty(inputs(t.seeds()), async (input) => {
      cases++;
      const t0 = performance.now();
      try {
        await t.parse(input);
      } catch (e) {
        if (!(e instanceof FormatError))
          throw new Error(
            `${t.name}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} for input ${JSON.stringify(input.slice(0, 200))}… (${input.length} chars)`,
          );
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > t.boundMs)
        throw new Error(`${t.name}: took ${ms.toFixed(0)} ms (bound ${t.boundMs} ms) for ${input.length} chars`);
    }),
    { numRuns, seed, endOnFailure: true },
  );
  return { name: t.name, cases, slowestMs: slowest };
}

/** A reader of bytes, fuzzed with truncations, byte edits and random bytes of a real seed. */
interface BytesTarget {
  name: string;
  seed: () => Uint8Array;
  parse: (bytes: Uint8Array) => unknown;
  boundMs: number;
}

async function fuzzBytes(t: BytesTarget, numRuns: number, seed: number): Promise<FuzzReport> {
  const original = t.seed();
  let cases = 0;
  let slowest = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.double({ min: 0, max: 1, noNaN: true }).map((f) => original.slice(0, Math.floor(f * original.length))),
        fc
          .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 50,
          })
          .map((edits) => {
            const b = original.slice();
            for (const [at, v] of edits) b[Math.floor(at * (b.length - 1))] = v;
            return b;
          }),
        fc.uint8Array({ maxLength: 4096 }),
      ),
      async (bytes) => {
        cases++;
        const t0 = performance.now();
        try {
          await t.parse(bytes);
        } catch (e) {
          if (!(e instanceof FormatError))
            throw new Error(
              `${t.name}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} for ${bytes.length} bytes`,
            );
        }
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        if (ms > t.boundMs) throw new Error(`${t.name}: took ${ms.toFixed(0)} ms for ${bytes.length} bytes`);
      },
    ),
    { numRuns, seed, endOnFailure: true },
  );
  return { name: t.name, cases, slowestMs: slowest };
}

export const fuzzSqlite = (numRuns: number, seed: number): Promise<FuzzReport> =>
  fuzzBytes(
    {
      name: 'nsys SQLite export (bytes)',
      seed: () => new Uint8Array(SQLITE_SEED()),
      parse: parseSqlite,
      boundMs: 5000,
    },
    numRuns,
    seed,
  );

/** CUDA allocator snapshots: the pickle reader and the snapshot on top of it. */
export const fuzzPickle = (numRuns: number, seed: number): Promise<FuzzReport> =>
  fuzzBytes(
    {
      name: 'CUDA allocator snapshot pickles (bytes)',
      seed: () => new Uint8Array(PICKLE_SEED()),
      parse: (b) => parseMemorySnapshot(b, 'fuzz.pickle'),
      boundMs: 2000,
    },
    numRuns,
    seed,
  );
