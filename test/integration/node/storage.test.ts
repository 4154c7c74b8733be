// Storage survives crashes and concurrent writers: a writer process (this file, started again
// with FLAMELENS_ATOMIC_WRITER) saves baselines and settings-like files through the store in a
// loop and is killed (SIGKILL) at random moments, 100 times; every file left is a whole old or
// new version. Two writers saving into one workspace at once lose nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { saveBaseline, saveResults, listResults, listBaselines } from '../../../src/core/store/benchStore';
import { writeFileAtomic, removeStaleTemps } from '../../../src/core/store/atomicWrite';
import { makeRng } from '../../../src/core/analysis/bench/benchStats';
import type { BenchmarkResultSet } from '../../../src/core/model/bench';

function resultSet(id: string, version: number, size: number): BenchmarkResultSet {
  return {
    kind: 'flamelens-bench',
    version: 1,
    id,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
    source: 'flamelens',
    environment: {},
    benchmarks: [
      {
        name: `v${version}`,
        kind: 'callable',
        samples: Array.from({ length: size }, (_, i) => (version + i) / 1e6),
        timing: 'wall',
      },
    ],
  };
}

async function writerLoop(dir: string, mode: string): Promise<void> {
  process.stdout.write('started\n'); // the parent's random moment counts from here, not from a cold Node start-up
  for (let v = 1; ; v++) {
    if (mode === 'crash') {
      await saveBaseline(dir, 'main', resultSet(`b${v}`, v, 20_000 + (v % 7) * 5_000));
      await writeFileAtomic(
        path.join(dir, 'settings.json'),
        JSON.stringify({ version: v, pad: 'x'.repeat(200_000 + (v % 5) * 50_000) }),
      );
    } else {
      await saveResults(dir, resultSet(`${mode}-${v}`, v, 1000));
      await saveBaseline(dir, 'main', resultSet(`${mode}-b${v}`, v, 5000));
      if (v >= 40) return;
    }
  }
}

if (process.env.FLAMELENS_ATOMIC_WRITER) {
  void writerLoop(process.env.FLAMELENS_ATOMIC_DIR!, process.env.FLAMELENS_ATOMIC_WRITER);
} else {
  test(
    'a writer killed at 100 random moments leaves every file whole (old or new), never torn',
    { timeout: 180_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-atomic-'));
      const rng = makeRng(42);
      let checked = 0;
      for (let trial = 0; trial < 100; trial++) {
        const child = spawn(process.execPath, [__filename], {
          env: { ...process.env, FLAMELENS_ATOMIC_WRITER: 'crash', FLAMELENS_ATOMIC_DIR: dir },
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        await new Promise((r) => child.stdout.once('data', r));
        await new Promise((r) => setTimeout(r, 10 + Math.floor(rng() * 140)));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const mainFile = path.join(dir, '.flamelens', 'bench', 'baselines', 'main.json');
        if (!existsSync(mainFile)) continue; // killed before its first save finished
        checked++;
        const base = JSON.parse(
          readFileSync(path.join(dir, '.flamelens', 'bench', 'baselines', 'main.json'), 'utf8'),
        ) as BenchmarkResultSet;
        const v = Number(base.benchmarks[0].name.slice(1));
        assert.equal(
          base.benchmarks[0].samples.length,
          20_000 + (v % 7) * 5_000,
          `trial ${trial}: the baseline is one whole version`,
        );
        if (existsSync(path.join(dir, 'settings.json'))) {
          const s = JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8')) as {
            version: number;
            pad: string;
          };
          assert.equal(s.pad.length, 200_000 + (s.version % 5) * 50_000, `trial ${trial}: settings whole`);
        }
      }
      // Killed writers leave their temporary files (never read: they start with a dot and end in .flamelens-tmp).
      const listed = await listBaselines(dir);
      assert.deepEqual(listed.problems, []);
      assert.equal(listed.items.length, 1);
      assert.ok(checked >= 95, `${checked} of 100 trials had a baseline to check`);
      const baselines = path.join(dir, '.flamelens', 'bench', 'baselines');
      const temps = () => [
        ...readdirSync(baselines).filter((f) => f.endsWith('.flamelens-tmp')),
        ...readdirSync(dir).filter((f) => f.endsWith('.flamelens-tmp')),
      ];
      const leftovers = temps().length;
      console.log(`# 100 kills, ${checked} checked, ${leftovers} temporary files left by writers killed mid-write`);
      // The next write removes them once they are a minute old; a live writer's file stays.
      const live = `.settings.json.${process.pid}.${Date.now()}.abc.flamelens-tmp`;
      writeFileSync(path.join(dir, live), 'in progress');
      const young = `.settings.json.999999999.${Date.now()}.abc.flamelens-tmp`;
      writeFileSync(path.join(dir, young), 'a writer on another host, maybe');
      // A file of the user's that merely looks like a temporary file is never ours to remove.
      const users = `.notes.123.${Date.now() - 7_200_000}.draft.tmp`;
      writeFileSync(path.join(dir, users), 'mine');
      assert.deepEqual(await removeStaleTemps(dir), [], 'nothing younger than a minute is touched');
      const removed = [...(await removeStaleTemps(baselines, 0)), ...(await removeStaleTemps(dir, 0))];
      assert.equal(removed.length, leftovers + 1, "every killed writer's file (and the dead pid's) removed");
      assert.deepEqual(temps(), [live], 'the file of a writer still running is left alone');
      assert.equal(readFileSync(path.join(dir, users), 'utf8'), 'mine', "the user's .tmp file is untouched");
      assert.equal(
        JSON.parse(readFileSync(path.join(baselines, 'main.json'), 'utf8')).kind,
        'flamelens-bench',
        'the baseline itself untouched',
      );
    },
  );

  test(
    'two writers saving into one workspace at once: every result kept, the baseline whole',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-two-writers-'));
      const run = (name: string) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [__filename], {
            env: { ...process.env, FLAMELENS_ATOMIC_WRITER: name, FLAMELENS_ATOMIC_DIR: dir },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.once('exit', resolve);
        });
      assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
      const results = await listResults(dir);
      assert.deepEqual(results.problems, []);
      assert.equal(results.items.length, 80, "both windows' 40 results each");
      const base = (await listBaselines(dir)).items[0];
      assert.equal(base.benchmarks[0].samples.length, 5000);
    },
  );
}
