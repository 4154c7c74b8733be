// Lines out of a child's output as it arrives (util/lineSplitter): every line end, split anywhere
// between chunks; progress redraws (`\r`) as lines of their own; a line with no end in pieces.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineSplitter, type LineEnd } from '../../src/core/util/lineSplitter';

function split(chunks: string[], maxLine?: number): [string, LineEnd][] {
  const out: [string, LineEnd][] = [];
  const s = new LineSplitter((l, e) => out.push([l, e]), maxLine);
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

test('\\n, \\r\\n and a lone \\r end lines, wherever the chunks are cut', () => {
  const text = 'a\nb\r\nstep 1\rstep 2\rdone\n\r\nlast';
  const expected: [string, LineEnd][] = [
    ['a', '\n'],
    ['b', '\r\n'],
    ['step 1', '\r'],
    ['step 2', '\r'],
    ['done', '\n'],
    ['', '\r\n'],
    ['last', ''],
  ];
  assert.deepEqual(split([text]), expected);
  // Cut anywhere: the same lines, except that a \r\n cut between its two characters is passed on
  // as the line at its \r and then an empty line at its \n (joined, the bytes are the same).
  const joined = (ls: [string, LineEnd][]) => ls.map(([l, e]) => l + e).join('');
  for (let cut = 1; cut < text.length; cut++) {
    const got = split([text.slice(0, cut), text.slice(cut)]);
    assert.equal(joined(got), text, `cut at ${cut}`);
    if (text[cut - 1] === '\r' && text[cut] === '\n') assert.equal(got.length, expected.length + 1, `cut at ${cut}`);
    else assert.deepEqual(got, expected, `cut at ${cut}`);
  }
  assert.equal(joined(split([...text])), text, 'one character at a time');
  assert.deepEqual(split(['x\r']), [['x', '\r']], 'a \\r at the very end is passed on at once');
});

test('output without line ends is passed on in pieces of at most maxLine; nothing more is held', () => {
  const pieces: string[] = [];
  let held = 0;
  const s = new LineSplitter((l) => pieces.push(l), 1000);
  for (let i = 0; i < 100_000; i++) {
    s.push('#');
    held = Math.max(held, s.held);
  }
  s.end();
  assert.ok(held < 1000, `held at most ${held} characters`);
  assert.equal(pieces.length, 100);
  assert.ok(pieces.every((p) => p.length === 1000));
});
