import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findPythonDefinitions, matchDefinition } from '../../src/core/analysis/source/pythonDefinitions';
import { WorkspacePathMapper } from '../../src/core/analysis/source/pathMapping';
import { createRunDir, listRuns, writeRunMetadata } from '../../src/core/store/runStore';
import type { RunMetadata } from '../../src/core/model/run';
import { jsonForHtml } from '../../src/core/util/html';
import { EXAMPLES, read } from '../helpers';

const SOURCE = `import functools

@functools.lru_cache()
@other
def cached(x):
    return x


class Model:
    def forward(self, x):
        y = x + 1
        return y

    async def step(
        self,
        batch,
    ):
        def inner():
            return 1
        return inner()


class Other:
    def forward(self, x):
        return x * 2
`;

test('Python definitions: decorators, classes, nested and async functions, multi-line signatures', () => {
  const defs = findPythonDefinitions(SOURCE);
  const byName = defs.map((d) => `${d.kind} ${d.name} ${d.firstLine}/${d.line}-${d.endLine}`);
  assert.deepEqual(byName, [
    'def cached 3/5-6',
    'class Model 9/9-20',
    'def forward 10/10-12',
    'def step 14/14-20',
    'def inner 18/18-19',
    'class Other 23/23-25',
    'def forward 24/24-25',
  ]);
});

test('a profiled function maps to the definition containing its sampled lines', () => {
  const defs = findPythonDefinitions(SOURCE);
  assert.equal(matchDefinition(defs, 'forward', [25])?.line, 24, 'Other.forward, not Model.forward');
  assert.equal(matchDefinition(defs, 'forward', [11, 12])?.line, 10);
  assert.equal(matchDefinition(defs, 'inner', [19])?.line, 18);
  assert.equal(matchDefinition(defs, 'forward', [])?.line, 10, 'without lines, the first definition');
  assert.equal(matchDefinition(defs, 'missing', [3]), undefined);
  assert.equal(matchDefinition(defs, 'forward', [2]), undefined, 'lines outside every definition of that name');
  const example = findPythonDefinitions(read(path.join(EXAMPLES, 'matrix_work.py')));
  assert.equal(matchDefinition(example, 'multiply', [15, 18])?.line, 8);
});

test('paths recorded elsewhere map to workspace files', () => {
  const ws = [
    '/ws/proj/train.py',
    '/ws/proj/model/layers.py',
    '/ws/proj/utils/io.py',
    '/ws/proj/data/io.py',
    '/ws/proj/__init__.py',
  ];
  const m = new WorkspacePathMapper(ws, ['/ws/proj']);
  assert.equal(m.map('/ws/proj/train.py'), '/ws/proj/train.py', 'same machine');
  assert.equal(m.map('/home/alice/code/proj/model/layers.py'), '/ws/proj/model/layers.py', 'another machine');
  assert.equal(m.map('model/layers.py'), '/ws/proj/model/layers.py', 'py-spy short path');
  assert.equal(m.map('./train.py'), '/ws/proj/train.py', 'relative to a root');
  assert.equal(m.map('C:\\Users\\bob\\proj\\model\\layers.py'), '/ws/proj/model/layers.py', 'Windows path');
  assert.equal(m.map('/srv/app/utils/io.py'), '/ws/proj/utils/io.py', 'the longest matching suffix decides');
  assert.equal(m.map('/srv/app/io.py'), undefined, 'a bare name matching two files is ambiguous');
  assert.equal(
    m.map('/usr/lib/python3.11/site-packages/foo/__init__.py'),
    undefined,
    'library files are not mapped by name alone',
  );
  assert.equal(m.map('<frozen runpy>'), undefined);
  assert.equal(m.map('/elsewhere/nothing.py'), undefined);
});

test('run folders are new for every run; broken ones are skipped when listing', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'flamelens-store-'));
  const now = new Date('2026-01-02T03:04:05.006Z');
  const a = await createRunDir(root, 'train.py', now);
  const b = await createRunDir(root, 'train.py', now);
  assert.notEqual(a.dir, b.dir);
  assert.match(path.basename(a.dir), /^\d{8}-\d{6}-\d{3}-train$/);
  const meta = (id: string, createdAt: string): RunMetadata => ({
    schema: 1,
    id,
    name: 'train.py',
    kind: 'cpu',
    createdAt,
    status: 'completed',
    command: ['python3', 'train.py'],
    cwd: root,
    sampler: 'builtin',
    rateHz: 100,
    output: 'profile.folded',
    format: 'collapsed',
  });
  await writeRunMetadata(a.dir, meta(path.basename(a.dir), '2026-01-02T03:04:05.006Z'));
  await writeRunMetadata(b.dir, meta(path.basename(b.dir), '2026-01-02T03:04:06.000Z'));
  const broken = path.join(root, '.flamelens', 'runs', 'zz-broken');
  mkdirSync(broken);
  writeFileSync(path.join(broken, 'run.json'), '{ not json');
  const runs = await listRuns(root);
  assert.deepEqual(
    runs.map((r) => r.dir),
    [b.dir, a.dir],
    'newest first, broken skipped',
  );
  assert.ok(
    readdirSync(a.dir).every((f) => !f.endsWith('.tmp')),
    'no temporary files are left',
  );
  assert.deepEqual(await listRuns(path.join(root, 'nowhere')), []);
});

test('JSON embedded in the HTML report cannot end its script element', () => {
  const evil = { name: '</script><script>alert(1)</script>', other: '<!-- & \u2028' };
  const s = jsonForHtml(evil);
  assert.ok(!s.includes('<'));
  assert.ok(!s.includes('>'));
  assert.deepEqual(JSON.parse(s), evil);
});
