/**
 * Python heap profiles written by flamelens' tracer (JSON, `"kind": "flamelens-python-memory"`)
 * into the model; what is not as expected is a FormatError naming the file and the field.
 */
import { FormatError } from '../formatError';
import { isRecord, JsonDocument } from '../jsonDocument';
import type { PythonMemoryProfile } from '../../model/pythonMemory';

export const looksLikePythonMemory = (head: string): boolean => /"kind"\s*:\s*"flamelens-python-memory"/.test(head);

export function parsePythonMemory(text: string, file: string): PythonMemoryProfile {
  const doc = JsonDocument.parse(file, text).value;
  if (!isRecord(doc) || doc.kind !== 'flamelens-python-memory')
    throw new FormatError(file, '', 'expected a flamelens Python memory profile ("kind": "flamelens-python-memory")');
  const n = (v: unknown, at: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FormatError(file, at, 'expected a number');
    return v;
  };
  const s = (v: unknown, at: string): string => {
    if (typeof v !== 'string') throw new FormatError(file, at, 'expected a string');
    return v;
  };
  const list = (v: unknown, at: string): unknown[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new FormatError(file, at, 'expected a list');
    return v;
  };
  const obj = (v: unknown, at: string) => {
    if (!isRecord(v)) throw new FormatError(file, at, 'expected an object');
    return v;
  };
  const series = isRecord(doc.series) ? doc.series : { t: [], lines: [] };
  const t = list(series.t, 'series.t').map((x, i) => n(x, `series.t[${i}]`));
  return {
    python: typeof doc.python === 'string' ? doc.python : '',
    frames: n(doc.frames ?? 1, 'frames'),
    durationS: n(doc.durationS ?? 0, 'durationS'),
    tracerS: doc.tracerS === undefined ? undefined : n(doc.tracerS, 'tracerS'),
    exitCode: typeof doc.exitCode === 'number' ? doc.exitCode : 0,
    peakBytes: n(doc.peakBytes, 'peakBytes'),
    peakSnapshotBytes: n(doc.peakSnapshotBytes ?? doc.peakBytes, 'peakSnapshotBytes'),
    peakAtS: n(doc.peakAtS ?? 0, 'peakAtS'),
    finalBytes: n(doc.finalBytes ?? 0, 'finalBytes'),
    lines: list(doc.lines, 'lines').map((v, i) => {
      const at = `lines[${i}]`;
      const l = obj(v, at);
      return {
        file: s(l.file, `${at}.file`),
        line: n(l.line, `${at}.line`),
        function: typeof l.function === 'string' ? l.function : '',
        netBytes: n(l.netBytes, `${at}.netBytes`),
        netBlocks: n(l.netBlocks ?? 0, `${at}.netBlocks`),
        peakBytes: n(l.peakBytes, `${at}.peakBytes`),
        peakBlocks: n(l.peakBlocks ?? 0, `${at}.peakBlocks`),
      };
    }),
    stacks: list(doc.stacks, 'stacks').map((v, i) => {
      const at = `stacks[${i}]`;
      const st = obj(v, at);
      return {
        bytes: n(st.bytes, `${at}.bytes`),
        blocks: n(st.blocks ?? 0, `${at}.blocks`),
        frames: list(st.frames, `${at}.frames`).map((f, j) => {
          const fr = list(f, `${at}.frames[${j}]`);
          return {
            file: s(fr[0], `${at}.frames[${j}][0]`),
            line: n(fr[1], `${at}.frames[${j}][1]`),
            function: typeof fr[2] === 'string' ? fr[2] : '',
          };
        }),
      };
    }),
    series: {
      t,
      lines: list(series.lines, 'series.lines').map((v, i) => {
        const at = `series.lines[${i}]`;
        const l = obj(v, at);
        const bytes = list(l.bytes, `${at}.bytes`).map((x, j) => n(x, `${at}.bytes[${j}]`));
        if (bytes.length !== t.length)
          throw new FormatError(
            file,
            `${at}.bytes`,
            `expected ${t.length} values (one per time), found ${bytes.length}`,
          );
        return { file: s(l.file, `${at}.file`), line: n(l.line, `${at}.line`), bytes };
      }),
    },
    types: list(doc.types, 'types').map((v, i) => {
      const at = `types[${i}]`;
      const x = obj(v, at);
      return {
        type: s(x.type, `${at}.type`),
        before: n(x.before, `${at}.before`),
        after: n(x.after, `${at}.after`),
        delta: n(x.delta, `${at}.delta`),
      };
    }),
    notes: list(doc.notes, 'notes').map((x) => String(x)),
  };
}
