import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LinuxHostStats } from '../../../src/core/runners/gpu/hostStats';

test(
  'host statistics on this machine agree with systeminformation and see a busy child process',
  { skip: process.platform !== 'linux' ? 'reads /proc' : false },
  async () => {
    const si = await import('systeminformation');
    const stats = new LinuxHostStats();
    const mem = await si.mem();
    const s0 = await stats.read();
    assert.equal(Math.round((s0.memTotalMiB! * 1048576) / 1024), mem.total / 1024, 'MemTotal');
    assert.ok(
      Math.abs(s0.memUsedMiB! * 1048576 - mem.active) < 0.05 * mem.total,
      `used ${s0.memUsedMiB} vs ${mem.active / 1048576}`,
    );
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 30000; while (Date.now() < end);']);
    // Read once the child has used 0.7 s of CPU (its own clock, however loaded the machine is).
    const cpuSeconds = () => {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
        return (Number(rest[11]) + Number(rest[12])) / 100;
      } catch {
        return 0;
      }
    };
    for (const end = Date.now() + 60_000; cpuSeconds() < 0.7 && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 50));
    const s1 = await stats.read();
    child.kill();
    await new Promise((r) => child.on('exit', r));
    const cores = os.cpus().length;
    assert.ok(
      s1.cpuPct !== undefined && s1.cpuPct >= (100 / cores) * 0.7,
      `one busy core of ${cores} shows: ${s1.cpuPct}%`,
    );
  },
);
