// Every parser fuzzed with a fixed seed and a size that keeps CI fast (`npm run fuzz` runs more
// cases): it returns a model or throws FormatError, within a time bound.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TARGETS } from '../fuzz/targets';
import { fuzzTarget, fuzzSqlite, fuzzPickle } from '../fuzz/run';

const SEED = 20261123;

for (const t of TARGETS) {
  test(`fuzz: ${t.name}`, async () => {
    const r = await fuzzTarget(t, 150, SEED);
    assert.equal(r.cases, 150);
  });
}

test('fuzz: nsys SQLite export (truncated and corrupted bytes)', async () => {
  const r = await fuzzSqlite(25, SEED);
  assert.equal(r.cases, 25);
});

test('fuzz: CUDA allocator snapshot pickles (truncated, edited and random bytes)', async () => {
  const r = await fuzzPickle(300, SEED);
  assert.equal(r.cases, 300);
});
