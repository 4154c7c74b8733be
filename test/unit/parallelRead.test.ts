// A big trace read in segments on several threads (parallelRead.ts) gives what a read in one
// thread gives: the same trace, field by field, on real traces cut into up to 7 segments; the
// same on files built to mislead the guess of where a segment's first event begins; the same
// error, at the same offset, for a file that is cut short or invalid past the first segment;
// and a read that still succeeds when a worker cannot even start.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { lastSegmentRead, setTraceSegmentWorker } from '../../src/core/formats/torch/parallelRead';
import { REAL, ROOT } from '../helpers';

const WORKER = path.join(ROOT, 'dist', 'traceSegmentWorker.js');
setTraceSegmentWorker(WORKER);
const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-parallel-'));
const plain = (gz: string) => {
  const out = path.join(dir, path.basename(gz, '.gz'));
  writeFileSync(out, gunzipSync(readFileSync(path.join(REAL, gz))));
  return out;
};
const inOne = (file: string) => readTorchTrace(file, { threads: 1 });
const inSegments = (file: string, threads: number) => readTorchTrace(file, { threads, minBytes: 1 });

test('real traces read in 2, 3 and 7 segments equal the read in one thread, every segment used', async () => {
  for (const gz of [
    'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz',
    'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz',
    'torchtrace_hta__nccl_data.json.gz',
    'torchtrace_hta__sampled_rank-0.json.gz',
  ]) {
    const file = plain(gz);
    const one = await inOne(file);
    for (const threads of [2, 3, 7]) {
      const many = await inSegments(file, threads);
      assert.equal(lastSegmentRead.segments, threads - 1, `${gz}: ${threads - 1} workers`);
      assert.equal(lastSegmentRead.replayed, threads - 1, `${gz} in ${threads}: every segment's records used`);
      assert.deepStrictEqual(many, one, `${gz} in ${threads} segments`);
    }
  }
});

/**
 * Events whose strings end in ", {": before the string's closing quote, that is what a segment's
 * first event looks like to the guess (a `{` after a `,`, before a `"`).
 */
function misleading(events: number, extra = '', lures = true): string {
  const ev: string[] = [];
  for (let i = 0; i < events; i++) {
    const lure = lures && i % 3 ? ' x, {' : '';
    ev.push(
      `{"ph": "X", "cat": "cpu_op", "name": "op ${i % 7}${lure}", "pid": 1, "tid": 2, "ts": ${i * 10}, "dur": 4, "args": {"External id": ${i}, "Input Dims": [[${i % 5}, 3]], "Call stack": "a.py(${i % 11}): f${lures ? ', {' : ''}"}}`,
      `{"ph": "X", "cat": "kernel", "name": "k\\u00e9rnel ${i % 4}", "pid": 0, "tid": 7, "ts": ${i * 10 + 5}, "dur": 3, "args": {"correlation": ${i}, "grid": [${i % 9}, 1, 1], "block": [128, 1, 1], "stre\\u0061m": 7, "device": 0}}`,
    );
  }
  // And one event of 20,000 strings, each ": k}, {": seen from a `{` inside one, they read as
  // events of their own ({", ": 1}, {": ": 2}, …), whole segments of them, none odd.
  const chain = Array.from({ length: 10_000 }, (_, k) => `, ": ${2 * k}}, {": ": ${2 * k + 1}}, {"`).join('');
  ev.splice(events, 0, `{"ph": "X", "cat": "cpu_op", "name": "x, {"${chain}, "pid": 1, "tid": 2, "ts": 5, "dur": 1}`);
  return `{"schemaVersion": 1, "traceEvents": [\n${ev.join(',\n')}\n]${extra}}`;
}

test('a file built to mislead the guess of where a segment begins reads the same, the misled ones read here', async () => {
  const file = path.join(dir, 'handmade_misleading_strings.json');
  writeFileSync(
    file,
    misleading(3000, ', "deviceProperties": [{"id": 0, "name": "after the events"}], "traceName": "t"'),
  );
  const one = await inOne(file);
  assert.equal(one.ops.length, 3001);
  assert.equal(one.deviceProperties.length, 1, 'a key after traceEvents is read');
  let misled = 0;
  for (const threads of [2, 5, 9, 16]) {
    const many = await inSegments(file, threads);
    misled += lastSegmentRead.segments - lastSegmentRead.replayed;
    assert.deepStrictEqual(many, one, `in ${threads} segments`);
  }
  assert.ok(misled > 0, 'some segments began at a lure and were read by this thread instead');
  // Without the lures in the events around it, the segments before the long one are used, and
  // one beginning inside it is not: it does not begin where the one before it ended.
  const chained = path.join(dir, 'handmade_misleading_chain.json');
  writeFileSync(chained, misleading(3000, '', false));
  const base = await inOne(chained);
  for (const threads of [2, 5, 9]) {
    assert.deepStrictEqual(await inSegments(chained, threads), base, `in ${threads} segments`);
    assert.ok(lastSegmentRead.replayed > 0 || threads === 2, `${threads}: the segments before the long event are used`);
    assert.ok(lastSegmentRead.replayed < lastSegmentRead.segments, `${threads}: the one inside it is not`);
  }
});

test('a trace cut short, or invalid past the first segment, fails as the read in one thread does', async () => {
  const whole = misleading(2000);
  const cut = path.join(dir, 'handmade_cut_short.json');
  writeFileSync(cut, whole.slice(0, Math.floor(whole.length * 0.8)));
  const bad = path.join(dir, 'handmade_invalid_late.json');
  const at = whole.indexOf('"ts": 15000,');
  writeFileSync(bad, whole.slice(0, at) + '"ts": 15000,,' + whole.slice(at + 12));
  const negative = path.join(dir, 'handmade_negative_duration_late.json');
  writeFileSync(negative, whole.replace('"ts": 17000, "dur": 4', '"ts": 17000, "dur": -4'));
  for (const file of [cut, bad, negative]) {
    const expected = await inOne(file).then(
      () => assert.fail(`${file} should not read`),
      (e: Error) => e.message,
    );
    assert.match(expected, new RegExp(path.basename(file)));
    for (const threads of [2, 4]) {
      const message = await inSegments(file, threads).then(
        () => 'read',
        (e: Error) => e.message,
      );
      assert.equal(message, expected, `${path.basename(file)} in ${threads} segments`);
    }
  }
});

test('when a segment worker cannot start, the read goes on in this thread', async () => {
  const file = path.join(dir, 'handmade_no_worker.json');
  writeFileSync(file, misleading(500));
  const broken = path.join(dir, 'broken-worker.js');
  writeFileSync(broken, 'throw new Error("this worker cannot start");\n');
  try {
    setTraceSegmentWorker(broken);
    const many = await inSegments(file, 3);
    assert.equal(lastSegmentRead.replayed, 0);
    setTraceSegmentWorker(WORKER);
    assert.deepStrictEqual(many, await inOne(file));
  } finally {
    setTraceSegmentWorker(WORKER);
  }
});
