// CPU cost of GPU sampling in the extension host's process: the monitor reading a stand-in
// nvidia-smi that replays a real capture in loop mode at 1 Hz (and at 10 Hz), for 20 s each.
// Then the whole telemetry hub as the extension runs it: the loop, the `--query-compute-apps` poll
// every 5 s and the host's CPU/memory/disk/network every interval.
// Only this Node process's CPU time counts (nvidia-smi's own cost is the driver's, not ours).
import * as path from 'node:path';
import { NvidiaSmiMonitor } from '../../src/core/runners/gpu/nvidiaSmiMonitor';
import { GpuTelemetry } from '../../src/core/runners/gpu/gpuTelemetry';
import { RingBuffer } from '../../src/core/util/ringBuffer';

const ROOT = path.resolve(__dirname, '..', '..');
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, 'test', 'fixtures', 'bin')}${path.delimiter}${process.env.PATH}`,
};

async function measure(intervalMs: number, seconds: number): Promise<void> {
  const history = new RingBuffer<unknown>(3600);
  const m = new NvidiaSmiMonitor({ intervalMs, env });
  let readings = 0;
  m.on('reading', (r) => {
    readings++;
    history.push(r);
  });
  await m.start();
  await new Promise((r) => setTimeout(r, 1500)); // past start-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r0 = readings;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await m.stop();
  const pct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  console.log(
    `GPU monitor at ${1000 / intervalMs} Hz: ${readings - r0} readings in ${(wall / 1000).toFixed(0)} s, this process used ${pct.toFixed(3)}% of one core${intervalMs === 1000 ? ` (target under 0.5%: ${(pct / 0.5).toFixed(2)}x)` : ''}`,
  );
}

async function measureHub(
  intervalMs: number,
  seconds: number,
  hostReader: 'auto' | 'systeminformation' = 'auto',
): Promise<void> {
  const hub = new GpuTelemetry({ intervalMs, historyPoints: 3600, env, hostReader });
  let readings = 0;
  let hosts = 0;
  let lists = 0;
  hub.on('reading', () => readings++);
  hub.on('host', () => hosts++);
  hub.on('processes', () => lists++);
  const release = hub.acquire();
  await new Promise((r) => setTimeout(r, 3000)); // past start-up and systeminformation's first load
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const [r0, h0, l0] = [readings, hosts, lists];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  release();
  await new Promise((r) => setTimeout(r, 500));
  const pct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  console.log(
    `GPU telemetry hub at ${1000 / intervalMs} Hz (loop + process list every 5 s + host stats from ${hostReader === 'auto' ? (process.platform === 'linux' ? '/proc' : 'systeminformation') : hostReader}): ${readings - r0} readings, ${hosts - h0} host samples, ${lists - l0} process lists in ${(wall / 1000).toFixed(0)} s, this process used ${pct.toFixed(3)}% of one core${intervalMs === 1000 ? ` (target under 0.5%: ${(pct / 0.5).toFixed(2)}x)` : ''}`,
  );
}

(async () => {
  await measure(1000, 20);
  await measure(100, 20);
  await measureHub(1000, 30);
  // For comparison: host statistics through systeminformation, which on Linux starts shells
  // (`cat /proc/stat` through execSync, `lsblk | grep`, `cat /proc/diskstats`) every sample.
  if (process.platform === 'linux') await measureHub(1000, 30, 'systeminformation');
})();
