/**
 * Summaries of per-call durations (nsys stats' Time %, Total, Instances, Avg, Med, Min, Max,
 * StdDev) and per-device busy/idle timelines from per-launch rows.
 */
import type { DeviceTimeline, DurationStat, GpuActivity } from '../../model/kernels';

/** Groups durations by name; rows sorted by total time, heaviest first. */
export function summarizeDurations<T>(
  items: Iterable<T>,
  name: (t: T) => string,
  durationNs: (t: T) => number,
): DurationStat[] {
  const groups = new Map<string, number[]>();
  for (const it of items) {
    const key = name(it);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(durationNs(it));
  }
  const rows = [...groups].map(([n, ds]) => statOf(n, ds));
  const grand = rows.reduce((a, r) => a + r.totalNs, 0);
  for (const r of rows) r.timePct = grand > 0 ? (100 * r.totalNs) / grand : 0;
  return rows.sort((a, b) => b.totalNs - a.totalNs || a.name.localeCompare(b.name));
}

export function statOf(name: string, durations: number[]): DurationStat {
  const ds = Float64Array.from(durations).sort();
  const n = ds.length;
  let total = 0;
  for (const d of ds) total += d;
  const avg = n > 0 ? total / n : 0;
  let sq = 0;
  for (const d of ds) sq += (d - avg) * (d - avg);
  const median = n === 0 ? 0 : n % 2 === 1 ? ds[(n - 1) / 2] : (ds[n / 2 - 1] + ds[n / 2]) / 2;
  return {
    name,
    calls: n,
    totalNs: total,
    avgNs: avg,
    medianNs: median,
    minNs: n ? ds[0] : 0,
    maxNs: n ? ds[n - 1] : 0,
    stddevNs: n > 1 ? Math.sqrt(sq / (n - 1)) : 0,
    timePct: 0,
  };
}

/** Busy time per device (overlapping kernels and copies on several streams counted once) and a bucketed busy fraction. */
export function deviceTimelines(activities: GpuActivity[], bucketCount = 200): DeviceTimeline[] {
  const byDevice = new Map<number, GpuActivity[]>();
  for (const a of activities) {
    if (!(a.endNs > a.startNs)) continue;
    let l = byDevice.get(a.deviceId);
    if (!l) byDevice.set(a.deviceId, (l = []));
    l.push(a);
  }
  const out: DeviceTimeline[] = [];
  for (const [deviceId, list] of [...byDevice].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.startNs - b.startNs);
    // Merge into disjoint busy intervals.
    const merged: [number, number][] = [];
    for (const a of list) {
      const last = merged[merged.length - 1];
      if (last && a.startNs <= last[1]) last[1] = Math.max(last[1], a.endNs);
      else merged.push([a.startNs, a.endNs]);
    }
    const startNs = merged[0][0];
    const endNs = merged[merged.length - 1][1];
    const span = endNs - startNs;
    const width = span / bucketCount;
    const buckets = new Array<number>(bucketCount).fill(0);
    let busyNs = 0;
    for (const [s, e] of merged) {
      busyNs += e - s;
      let b = Math.min(bucketCount - 1, Math.floor((s - startNs) / width));
      while (b < bucketCount) {
        const bs = startNs + b * width;
        const be = bs + width;
        const overlap = Math.min(e, be) - Math.max(s, bs);
        if (overlap > 0) buckets[b] += overlap;
        if (be >= e) break;
        b++;
      }
    }
    out.push({
      deviceId,
      startNs,
      endNs,
      busyNs,
      buckets: buckets.map((v) => (width > 0 ? Math.min(1, v / width) : 1)),
    });
  }
  return out;
}
