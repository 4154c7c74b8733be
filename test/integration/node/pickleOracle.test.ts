// The pickle reader against Python's own (issue 22): every real allocator snapshot in the fixtures,
// read by flamelens and by Python's pickle (with an Unpickler that refuses every global but
// OrderedDict and defaultdict), gives the same value, tuples and sets as lists, dict keys as
// Python's str() of them. Python is the CI machine's python3.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readPickle } from '../../../src/core/formats/pickle/pickleReader';
import { REAL } from '../../helpers';

const PY = `
import collections, json, pickle, sys
class U(pickle.Unpickler):
    def find_class(self, m, n):
        if (m, n) in (('collections', 'OrderedDict'), ('collections', 'defaultdict')):
            return getattr(collections, n)
        raise pickle.UnpicklingError(f'{m}.{n}')
def norm(x):
    if isinstance(x, dict): return {str(k): norm(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)): return [norm(v) for v in x]
    return x
with open(sys.argv[1], 'rb') as f:
    json.dump(norm(U(f).load()), sys.stdout)
`;

const norm = (x: unknown): unknown =>
  x instanceof Set
    ? [...x].map(norm)
    : Array.isArray(x)
      ? x.map(norm)
      : typeof x === 'bigint'
        ? Number(x)
        : x && typeof x === 'object'
          ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, norm(y)]))
          : x;

const pickles = [path.join(REAL, 'torch_memory'), path.join(REAL, 'h200')].flatMap((d) =>
  readdirSync(d)
    .filter((n) => n.endsWith('.pickle'))
    .map((n) => path.join(d, n)),
);

test('ten real snapshots read as Python reads them', () => {
  assert.equal(pickles.length, 10);
  for (const file of pickles) {
    const py = spawnSync('python3', ['-c', PY, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual(norm(readPickle(readFileSync(file))), JSON.parse(py.stdout), path.basename(file));
  }
});
