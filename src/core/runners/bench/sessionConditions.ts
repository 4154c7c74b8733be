/**
 * The machine around a benchmark session (Linux; elsewhere every field stays undefined): the load
 * average, the CPU time other processes used (all busy time in /proc/stat less this process's and
 * its reaped children's, from /proc/self/stat; the hypervisor's steal time counts as someone
 * else's), the CPU clock (cpufreq, else /proc/cpuinfo) and thermal throttle counts. Read once over
 * a short window before the first run, then at every `mark()` between benchmarks and blocks.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineState, SessionConditions } from '../../model/bench';
import {
  parseCpuInfoMHz,
  parseLoadAverage,
  parseProcStat,
  parseSelfStat,
  type CpuTimes,
} from '../../formats/gpu/procStats';

interface Reading {
  loadAverage?: number;
  cpu?: CpuTimes;
  self?: number;
  cpuMHz?: number;
  throttleCount?: number;
}

const readText = (file: string) => fs.readFile(file, 'utf8').catch(() => undefined);

async function cpuDirs(root: string): Promise<string[]> {
  const base = path.join(root, 'sys/devices/system/cpu');
  const names = await fs.readdir(base).catch(() => [] as string[]);
  return names.filter((n) => /^cpu\d+$/.test(n)).map((n) => path.join(base, n));
}

async function sumOf(files: string[], scale = 1): Promise<{ sum: number; n: number }> {
  let sum = 0;
  let n = 0;
  for (const t of await Promise.all(files.map(readText))) {
    const v = t === undefined ? NaN : Number(t.trim());
    if (Number.isFinite(v)) {
      sum += v * scale;
      n++;
    }
  }
  return { sum, n };
}

/** One reading of the counters under `root` ("/" on a real machine; a fake root in tests). */
export async function readMachine(root = '/'): Promise<Reading> {
  const dirs = await cpuDirs(root);
  const [loadavg, stat, self, freq, throttle] = await Promise.all([
    readText(path.join(root, 'proc/loadavg')),
    readText(path.join(root, 'proc/stat')),
    readText(path.join(root, 'proc/self/stat')),
    sumOf(
      dirs.map((d) => path.join(d, 'cpufreq/scaling_cur_freq')),
      1 / 1000,
    ),
    sumOf(
      dirs.flatMap((d) => [
        path.join(d, 'thermal_throttle/core_throttle_count'),
        path.join(d, 'thermal_throttle/package_throttle_count'),
      ]),
    ),
  ]);
  let cpuMHz = freq.n ? freq.sum / freq.n : undefined;
  if (cpuMHz === undefined) {
    const info = await readText(path.join(root, 'proc/cpuinfo'));
    cpuMHz = info ? parseCpuInfoMHz(info) : undefined;
  }
  return {
    loadAverage: loadavg ? parseLoadAverage(loadavg) : undefined,
    cpu: stat ? parseProcStat(stat) : undefined,
    self: self ? parseSelfStat(self) : undefined,
    cpuMHz,
    throttleCount: throttle.n ? throttle.sum : undefined,
  };
}

/** CPUs' worth of other processes' time between two readings. */
function otherCpus(a: Reading, b: Reading, cpus: number): number | undefined {
  if (!a.cpu || !b.cpu || a.self === undefined || b.self === undefined) return undefined;
  const total = b.cpu.total - a.cpu.total;
  if (total <= 0) return undefined;
  const others = b.cpu.busy - a.cpu.busy - (b.self - a.self);
  return Math.max(0, (others / total) * cpus);
}

const mean = (xs: (number | undefined)[]): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? v.reduce((a, x) => a + x, 0) / v.length : undefined;
};

export class ConditionsRecorder {
  private first?: Reading;
  private readonly marks: Reading[] = [];
  private before?: MachineState;

  constructor(
    private readonly root = '/',
    readonly cpus = os.cpus().length || 1,
  ) {}

  /** The state before the runs: two readings `windowMs` apart. */
  async start(windowMs = 250): Promise<void> {
    const a = await readMachine(this.root);
    await new Promise((r) => setTimeout(r, windowMs));
    const b = await readMachine(this.root);
    this.first = b;
    this.before = {
      loadAverage: b.loadAverage,
      otherCpus: otherCpus(a, b, this.cpus),
      cpuMHz: mean([a.cpuMHz, b.cpuMHz]),
      throttleCount: b.throttleCount,
    };
  }

  async mark(): Promise<void> {
    if (this.first) this.marks.push(await readMachine(this.root));
  }

  finish(): SessionConditions | undefined {
    if (!this.first || !this.before) return undefined;
    const last = this.marks[this.marks.length - 1] ?? this.first;
    const during: MachineState = {
      loadAverage: mean(this.marks.map((m) => m.loadAverage)),
      otherCpus: otherCpus(this.first, last, this.cpus),
      cpuMHz: mean(this.marks.map((m) => m.cpuMHz)),
      throttleCount: last.throttleCount,
    };
    const known = (s: MachineState) => Object.values(s).some((v) => v !== undefined);
    return known(this.before) || known(during) ? { cpus: this.cpus, before: this.before, during } : undefined;
  }
}
