/**
 * Linux kernel counters as /proc prints them: /proc/stat (CPU time), /proc/meminfo, /proc/diskstats
 * and /proc/net/dev. Pure parsers; rates come from two readings (runners/hostStats.ts).
 * Lines that do not have the expected shape are skipped: kernels add columns over the years, and a
 * missing counter leaves its value undefined rather than failing the whole reading.
 */

export interface CpuTimes {
  /** Jiffies spent not idle (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All jiffies, idle and iowait included. */
  total: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user/nice.
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export interface MemInfo {
  totalMiB?: number;
  /** Total minus MemAvailable (what `free` calls used, and what systeminformation calls active). */
  usedMiB?: number;
}

export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  // Kernels before 3.14 have no MemAvailable: free + buffers + cached is the old estimate.
  const available =
    kb.get('MemAvailable') ??
    (kb.has('MemFree') ? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0) : undefined);
  return {
    totalMiB: total !== undefined ? total / 1024 : undefined,
    usedMiB: total !== undefined && available !== undefined ? (total - available) / 1024 : undefined,
  };
}

/** Bytes read and written since boot, summed over the given whole disks (sectors are 512 bytes in diskstats). */
export function parseDiskstats(
  text: string,
  disks: (name: string) => boolean,
): { readBytes: number; writeBytes: number } | undefined {
  let readBytes = 0;
  let writeBytes = 0;
  let any = false;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !disks(f[2])) continue;
    const read = Number(f[5]);
    const written = Number(f[9]);
    if (!Number.isFinite(read) || !Number.isFinite(written)) continue;
    readBytes += read * 512;
    writeBytes += written * 512;
    any = true;
  }
  return any ? { readBytes, writeBytes } : undefined;
}

/** Devices of /sys/block that are disks of their own, not views of others (loop, ram, zram, device-mapper, md). */
export function isPhysicalDisk(name: string): boolean {
  return !/^(loop|ram|zram|dm-|md|nbd|sr|fd)\d*/.test(name);
}

/** Bytes received and sent since boot per interface. */
export function parseNetDev(text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!name || f.length < 9 || !Number.isFinite(f[0]) || !Number.isFinite(f[8])) continue;
    out.set(name, { rx: f[0], tx: f[8] });
  }
  return out;
}

/** The 1-minute load average of /proc/loadavg. */
export function parseLoadAverage(text: string): number | undefined {
  const v = Number(text.trim().split(/\s+/)[0]);
  return text.trim() && Number.isFinite(v) ? v : undefined;
}

/**
 * CPU time of a process and its reaped children, in clock ticks, from /proc/<pid>/stat: utime,
 * stime, cutime and cstime (fields 14–17; the command name in parentheses may hold spaces).
 */
export function parseSelfStat(text: string): number | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 (state): fields 14–17 are f[11]–f[14].
  const v = f.slice(11, 15).map(Number);
  return v.length === 4 && v.every(Number.isFinite) ? v[0] + v[1] + v[2] + v[3] : undefined;
}

/** The mean of the "cpu MHz" lines of /proc/cpuinfo (x86; other architectures have none). */
export function parseCpuInfoMHz(text: string): number | undefined {
  const mhz = [...text.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1])).filter((x) => x > 0);
  return mhz.length ? mhz.reduce((a, x) => a + x, 0) / mhz.length : undefined;
}
