import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NvidiaSmiMonitor, type MonitorState, type Reading } from '../../../src/core/runners/gpu/nvidiaSmiMonitor';
import { RingBuffer } from '../../../src/core/util/ringBuffer';
import { isAlive } from '../../../src/core/util/process';
import { ROOT } from '../../helpers';

const BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const withStandIn = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
  ...extra,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await sleep(20);
}

test('one long-lived nvidia-smi in loop mode, not a process per sample', async () => {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'fl-smi-')), 'spawns.log');
  const m = new NvidiaSmiMonitor({ intervalMs: 100, env: withStandIn({ FLAMELENS_FAKE_SMI_LOG: log }) });
  const readings: Reading[] = [];
  m.on('reading', (r) => readings.push(r));
  await m.start();
  await until(() => readings.length >= 8, 5000);
  await m.stop();
  assert.ok(readings.length >= 8, `${readings.length} readings`);
  const spawns = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(spawns.length, 1, 'a single nvidia-smi process');
  assert.match(spawns[0], /--format=csv,noheader,nounits -lms 100/);
  assert.equal(readings[0].gpus[0].name, 'Tesla V100S-PCIE-32GB');
  assert.equal(readings[0].gpus[0].memoryTotalMiB, 32768);
  assert.equal(readings[0].gpus[0].powerDrawW, undefined, '[N/A] power');
  assert.equal(m.state.kind, 'stopped');
});

test('a dying nvidia-smi is restarted with growing backoff', async () => {
  const m = new NvidiaSmiMonitor({
    intervalMs: 100,
    maxBackoffMs: 400,
    env: withStandIn({ FLAMELENS_FAKE_SMI: 'die-after=2' }),
  });
  const states: MonitorState[] = [];
  m.on('state', (s) => states.push(s));
  await m.start();
  await until(() => m.restarts >= 3, 8000);
  assert.equal(m.active, true, 'a restart is running or scheduled');
  await m.stop();
  assert.equal(m.active, false, 'nothing scheduled once stopped');
  const waits = states
    .filter((s): s is Extract<MonitorState, { kind: 'restarting' }> => s.kind === 'restarting')
    .map((s) => s.inMs);
  assert.ok(waits.length >= 3, `restarts: ${waits.join(',')}`);
  assert.ok(waits[0] <= waits[1], 'backoff grows');
  assert.ok(
    waits.every((w) => w <= 400),
    'up to the cap',
  );
});

test('"NVIDIA-SMI has failed" is a state with the message, not a restart loop; no nvidia-smi is "absent"', async (t) => {
  const failed = new NvidiaSmiMonitor({ intervalMs: 100, env: withStandIn({ FLAMELENS_FAKE_SMI: 'driver-failed' }) });
  // Stopped even when an assertion fails, so a monitor that restarts cannot keep the run alive.
  t.after(() => failed.stop());
  const states: string[] = [];
  failed.on('state', (s) => states.push(s.kind));
  await failed.start();
  assert.equal(failed.active, true, 'running while nvidia-smi runs');
  await until(() => failed.state.kind === 'failed', 5000);
  assert.equal(failed.state.kind, 'failed');
  assert.match((failed.state as { message: string }).message, /NVIDIA-SMI has failed because it couldn't communicate/);
  // Nothing left to run it again: no process, no restart scheduled (checked now, not after a wait).
  assert.equal(failed.active, false);
  assert.equal(failed.restarts, 0);
  assert.deepEqual(states, ['starting', 'failed']);
  await failed.stop();
  const absent = new NvidiaSmiMonitor({ intervalMs: 100, env: { ...process.env, PATH: '/nonexistent' } });
  await absent.start();
  assert.equal(absent.state.kind, 'absent');
  await absent.stop();
});

test('a hanging nvidia-smi is killed and restarted', async () => {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'fl-smi-')), 'spawns.log');
  const m = new NvidiaSmiMonitor({
    intervalMs: 100,
    stallMs: 500,
    maxBackoffMs: 200,
    env: withStandIn({ FLAMELENS_FAKE_SMI: 'hang', FLAMELENS_FAKE_SMI_LOG: log }),
  });
  await m.start();
  await until(() => m.restarts >= 1, 5000);
  assert.ok(m.restarts >= 1);
  await m.stop();
  const pids = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[0]));
  assert.ok(existsSync(log) && pids.length >= 1);
  await until(() => pids.every((pid) => !isAlive(pid)), 10_000);
  for (const pid of pids) assert.equal(isAlive(pid), false, `nvidia-smi ${pid} was ended`);
});

test('ring buffers keep the newest items and stay bounded', () => {
  const r = new RingBuffer<number>(3);
  for (let i = 1; i <= 10; i++) r.push(i);
  assert.deepEqual(r.toArray(), [8, 9, 10]);
  assert.equal(r.length, 3);
  assert.equal(r.last(), 10);
});

test('the telemetry hub: sampling only while acquired, GPU processes from --query-compute-apps, bounded history, host statistics', async () => {
  const { GpuTelemetry } = await import('../../../src/core/runners/gpu/gpuTelemetry');
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'fl-smi-')), 'spawns.log');
  const hub = new GpuTelemetry({
    intervalMs: 100,
    historyPoints: 5,
    processesEveryMs: 200,
    hostEveryMs: 200,
    env: withStandIn({ FLAMELENS_FAKE_SMI_LOG: log, FLAMELENS_FAKE_SMI_EXTRA_APP: `${process.pid},node,64` }),
  });
  const release1 = hub.acquire();
  const release2 = hub.acquire();
  await until(() => hub.history(0).length >= 5 && hub.processes.length > 0 && hub.host.length >= 2, 8000);
  assert.equal(hub.source, 'nvidia-smi');
  assert.equal(hub.history(0).length, 5, 'history bounded by historyPoints');
  // Three more readings later, still five.
  const newest = () => hub.history(0)[hub.history(0).length - 1];
  const seen = new Set([newest()]);
  await until(() => (seen.add(newest()), seen.size >= 4), 8000);
  assert.ok(seen.size >= 4, 'three more readings arrived');
  assert.equal(hub.history(0).length, 5);
  const mine = hub.processes.find((p) => p.pid === process.pid);
  assert.ok(mine && mine.usedMemoryMiB === 64 && mine.gpuIndex === 0, 'a process on the only GPU');
  assert.ok(
    hub.processes.some((p) => p.name === './gpu_burn' && p.usedMemoryMiB === 7484),
    'the rows of the real capture',
  );
  const h = hub.host.last();
  assert.ok(
    h && h.cpuPct !== undefined && h.memTotalMiB !== undefined && h.memTotalMiB > 100,
    'CPU and memory from systeminformation',
  );
  release1();
  assert.equal(hub.state.kind, 'running', 'still needed by one user');
  release2();
  await until(() => hub.state.kind === 'stopped', 3000);
  assert.equal(hub.state.kind, 'stopped', 'nobody needs it: stopped');
  const loops = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.includes('-lms'));
  assert.equal(loops.length, 1, 'one loop process');
  const pids = loops.map((l) => Number(l.split(' ')[0]));
  await until(() => !pids.some(isAlive), 3000);
  assert.ok(!pids.some(isAlive), 'the loop process ended');
});
