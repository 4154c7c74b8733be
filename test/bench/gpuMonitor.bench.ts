// CPU cost of GPU sampling in the extension host's process: the monitor reading a stand-in
// nvidia-smi that replays a real capture in loop mode at 1 Hz (and at 10 Hz), for 20 s each.
// Only this Node process's CPU time counts (nvidia-smi's own cost is the driver's, not ours).
import * as path from 'node:path';
import { NvidiaSmiMonitor } from '../../src/core/runners/nvidiaSmiMonitor';
import { RingBuffer } from '../../src/core/analysis/ringBuffer';

const ROOT = path.resolve(__dirname, '..', '..');
const env = { ...process.env, PATH: `${path.join(ROOT, 'test', 'fixtures', 'bin')}${path.delimiter}${process.env.PATH}` };

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
  console.log(`GPU monitor at ${1000 / intervalMs} Hz: ${readings - r0} readings in ${(wall / 1000).toFixed(0)} s, this process used ${pct.toFixed(3)}% of one core${intervalMs === 1000 ? ` (target under 0.5%: ${(pct / 0.5).toFixed(2)}x)` : ''}`);
}

(async () => {
  await measure(1000, 20);
  await measure(100, 20);
})();
