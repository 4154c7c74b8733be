import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDiskstats, parseMeminfo, parseNetDev, parseProcStat } from '../../src/core/formats/gpu/procStats';
import { LinuxHostStats } from '../../src/core/runners/gpu/hostStats';
import { REAL, read } from '../helpers';

const PROCFS = path.join(REAL, 'procfs');

/** A root laid out like the recording machine's: its /proc copy at one time, its /sys/block and net links. */
function machineRoot(snapshot: 't0' | 't1', into: string): string {
  const sys = JSON.parse(read(path.join(PROCFS, 'sys.json'))) as {
    'sys/block': string[];
    'sys/class/net': Record<string, string>;
  };
  fs.rmSync(path.join(into, 'proc'), { recursive: true, force: true });
  fs.cpSync(path.join(PROCFS, snapshot, 'proc'), path.join(into, 'proc'), { recursive: true });
  if (!fs.existsSync(path.join(into, 'sys'))) {
    for (const b of sys['sys/block']) fs.mkdirSync(path.join(into, 'sys', 'block', b), { recursive: true });
    fs.mkdirSync(path.join(into, 'sys', 'class', 'net'), { recursive: true });
    for (const [n, target] of Object.entries(sys['sys/class/net']))
      fs.symlinkSync(target, path.join(into, 'sys', 'class', 'net', n));
  }
  return into;
}

const time = (s: string) => Number(read(path.join(PROCFS, s, 'time')));

test('host statistics from two real /proc copies: CPU share of the busy second, the 64 MiB written, memory from MemAvailable', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flamelens-procfs-'));
  try {
    const stats = new LinuxHostStats(machineRoot('t0', root));
    const first = await stats.read(time('t0'));
    assert.equal(first.cpuPct, undefined, 'no rate from one reading');
    assert.equal(first.diskWriteBps, undefined);
    const meminfo = read(path.join(PROCFS, 't0', 'proc', 'meminfo'));
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1]);
    assert.equal(first.memTotalMiB, kb('MemTotal') / 1024);
    assert.equal(first.memUsedMiB, (kb('MemTotal') - kb('MemAvailable')) / 1024);

    machineRoot('t1', root);
    const second = await stats.read(time('t1'));
    const seconds = (time('t1') - time('t0')) / 1000;
    // Between the copies one of the two CPUs spun for a second: about half of the machine.
    assert.ok(second.cpuPct !== undefined && second.cpuPct > 35 && second.cpuPct < 65, `cpu ${second.cpuPct}`);
    // dd wrote 64 MiB with fsync to vda; loop and zram devices and partitions do not count.
    const written = (second.diskWriteBps ?? 0) * seconds;
    assert.ok(written >= 64 * 1048576 && written < 80 * 1048576, `written ${written}`);
    // Only eth0 is a physical interface (lo and the ifb devices are virtual); it saw no traffic here.
    const eth0 = (s: 't0' | 't1') => parseNetDev(read(path.join(PROCFS, s, 'proc', 'net', 'dev'))).get('eth0')!;
    assert.equal(second.netRxBps, (eth0('t1').rx - eth0('t0').rx) / seconds);
    assert.equal(second.netTxBps, (eth0('t1').tx - eth0('t0').tx) / seconds);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('proc parsers: old kernels without MemAvailable, short stat lines, counters that go backwards give no rate', async () => {
  // Hand-made lines in the shapes of a 3.x kernel (no MemAvailable) and a 2.6 kernel (4-column cpu line).
  assert.deepEqual(parseMeminfo('MemTotal:  2048 kB\nMemFree:  512 kB\nBuffers:  256 kB\nCached:  256 kB\n'), {
    totalMiB: 2,
    usedMiB: 1,
  });
  assert.deepEqual(parseProcStat('cpu  10 0 10 80\ncpu0 10 0 10 80\n'), { busy: 20, total: 100 });
  assert.equal(parseProcStat('intr 1 2 3\n'), undefined);
  assert.equal(
    parseDiskstats('   8 0 sda 1 2 3 4\n', () => true),
    undefined,
    'a line too short for the write column',
  );

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flamelens-procfs-'));
  try {
    const stats = new LinuxHostStats(machineRoot('t1', root));
    await stats.read(1000);
    machineRoot('t0', root); // counters smaller than before: a wrap or a device that went away
    const s = await stats.read(2000);
    assert.equal(s.diskWriteBps, undefined);
    assert.equal(s.netRxBps, 0, 'eth0 did not move between the copies: equal counters are a rate of 0');
    assert.equal(s.cpuPct, undefined);
    fs.rmSync(path.join(root, 'proc', 'diskstats'));
    const t = await stats.read(3000);
    assert.equal(t.diskReadBps, undefined, 'a missing file leaves its fields out');
    assert.ok(t.memTotalMiB! > 0, 'the other files still count');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
