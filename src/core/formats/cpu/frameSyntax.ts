import type { Frame, FrameKind } from '../../model/profile';

const PYTHON_FILE = /\.(py|pyw|pyx|pyi)$/i;

/** Classifies a frame from its file: Python source, a native library, or neither. */
export function frameKindFor(file: string | undefined): FrameKind {
  if (!file) return 'other';
  if (PYTHON_FILE.test(file) || file.startsWith('<')) return 'python';
  return 'native';
}

/**
 * Parses one frame written in py-spy's raw syntax, which flamelens' built-in sampler also
 * writes: `name (file:line)`, `name (file)` (no line recorded, `--nolineno` or a native frame),
 * or a bare `name`. Checked on py-spy 0.3.x/0.4.x output. Paths may contain spaces, parentheses
 * and drive-letter colons, so the file is taken from the last ` (` and the line from the last
 * colon followed only by digits.
 */
export function parsePySpyFrame(text: string): Frame {
  if (text.endsWith(')')) {
    const open = matchingOpenParen(text);
    if (open > 0) {
      const inner = text.slice(open + 2, -1);
      const name = text.slice(0, open);
      const colon = inner.lastIndexOf(':');
      if (colon > 0 && colon < inner.length - 1 && isDigits(inner, colon + 1)) {
        const file = inner.slice(0, colon);
        return { name, file, line: Number(inner.slice(colon + 1)), kind: frameKindFor(file) };
      }
      if (inner.length > 0 && !inner.startsWith('0x')) {
        return { name, file: inner, kind: frameKindFor(inner) };
      }
    }
  }
  return { name: text, kind: 'other' };
}

/** Index of the ` (` whose `(` balances the final `)`, so paths may contain parentheses. */
function matchingOpenParen(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i > 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 41 /* ) */) depth++;
    else if (c === 40 /* ( */) {
      depth--;
      if (depth === 0) return text.charCodeAt(i - 1) === 32 ? i - 1 : -1;
    }
  }
  return -1;
}

function isDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Splits text into lines without building an array of all of them (files can be tens of MB). */
export function* lines(text: string): Generator<[string, number]> {
  let start = 0;
  let lineNo = 1;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    yield [text.slice(start, stop), lineNo];
    start = end + 1;
    lineNo++;
  }
}

/** Parses a non-negative sample count or weight; NaN when the token is not one. */
export function parseWeight(token: string): number {
  if (token.length === 0) return NaN;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if ((c < 48 || c > 57) && c !== 46 && c !== 101 && c !== 69 && c !== 43) return NaN;
  }
  return Number(token);
}
