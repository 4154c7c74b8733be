/** `analyze`, `nsys` and `ncu` of Nsight reports: kernels, transfers, launches and findings. */
import { visibleName as v } from '../../core/util/visibleText';
import { buildNsysView } from '../../core/analysis/nsight/nsightView';
import { findings, kernelTotals, summarizeLaunch } from '../../core/analysis/nsight/ncuSummary';
import type { NcuLaunch, NcuReport, NsysReport } from '../../core/model/kernels';
import { round } from '../args';

export function nsysJson(r: NsysReport, file: string, top: number | undefined) {
  const n = top ?? Infinity;
  const { transfers } = buildNsysView(r, file);
  return {
    kind: 'kernels',
    source: 'nsys',
    version: r.version ?? null,
    kernels: r.kernels.slice(0, n).map((k) => ({
      name: k.name,
      calls: k.calls,
      totalNs: k.totalNs,
      avgNs: round(k.avgNs),
      minNs: k.minNs,
      maxNs: k.maxNs,
      medianNs: k.medianNs,
      stddevNs: round(k.stddevNs),
      timePct: round(k.timePct),
    })),
    api: r.api.slice(0, n).map((a) => ({ name: a.name, calls: a.calls, totalNs: a.totalNs })),
    memory: transfers.map((m) => ({ name: m.name, calls: m.calls, totalNs: m.totalNs, bytes: m.totalBytes ?? null })),
    nvtx: r.nvtx.slice(0, n).map((x) => ({ name: x.name, style: x.style ?? null, calls: x.calls, totalNs: x.totalNs })),
    ...(r.nvtxOperators
      ? {
          nvtxOperators: r.nvtxOperators.slice(0, n).map((x) => ({
            name: x.name,
            style: x.style ?? null,
            calls: x.calls,
            totalNs: x.totalNs,
            medianNs: x.medianNs,
          })),
        }
      : {}),
    devices: r.devices.map((d) => ({
      device: d.deviceId,
      name: d.name ?? null,
      busyNs: d.busyNs,
      spanNs: d.endNs - d.startNs,
    })),
    skipped: r.skipped,
  };
}

const ms = (ns: number) => (ns / 1e6).toFixed(3);
const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 3)}…` : s);

export function nsysText(r: NsysReport, file: string, top: number | undefined): string {
  const { transfers } = buildNsysView(r, file);
  const source = r.source === 'nsys-sqlite' ? 'SQLite export' : 'stats CSV';
  const launches = r.kernels.reduce((a, k) => a + k.calls, 0).toLocaleString('en-US');
  let out = `${v(file)}: Nsight Systems ${source}${r.version ? ` (${r.version})` : ''}: ${r.kernels.length} kernels, ${launches} launches\n\n`;
  out += `${'time %'.padStart(7)} ${'total ms'.padStart(10)} ${'calls'.padStart(7)} ${'avg µs'.padStart(9)}  kernel\n`;
  for (const k of r.kernels.slice(0, top ?? 15)) {
    const nums = `${k.timePct.toFixed(1).padStart(7)} ${ms(k.totalNs).padStart(10)} ${String(k.calls).padStart(7)}`;
    out += `${nums} ${(k.avgNs / 1000).toFixed(1).padStart(9)}  ${v(short(k.name, 110))}\n`;
  }
  if (transfers.length > 0) out += '\n';
  for (const m of transfers) {
    const bytes = m.totalBytes !== undefined ? `, ${(m.totalBytes / 1e6).toFixed(1)} MB` : '';
    out += `${v(m.name)}: ${m.calls} calls, ${ms(m.totalNs)} ms${bytes}\n`;
  }
  if (r.devices.length > 0) out += '\n';
  for (const d of r.devices) {
    const span = d.endNs - d.startNs;
    const pct = ((100 * d.busyNs) / Math.max(1, span)).toFixed(1);
    out += `GPU ${d.deviceId}${d.name ? ` ${v(d.name)}` : ''}: busy ${ms(d.busyNs)} ms of ${ms(span)} ms (${pct}%)\n`;
  }
  for (const s of r.skipped) out += `skipped: ${s}\n`;
  return out;
}

function launchSummaries(r: NcuReport) {
  return r.launches.map((l) => ({ l, s: summarizeLaunch(l) }));
}

export function ncuJson(r: NcuReport, top: number | undefined) {
  const launches = launchSummaries(r);
  const n = top ?? Infinity;
  const metrics = (l: NcuLaunch) =>
    Object.fromEntries(
      Object.entries(l.metrics)
        .filter(([k]) => !k.includes(' / '))
        .map(([k, m]) => [k, m.value]),
    );
  return {
    kind: 'kernels',
    source: 'ncu',
    page: r.page,
    launches: launches.slice(0, n).map(({ l, s }) => ({
      id: l.id,
      name: l.name,
      durationNs: s.durationNs ?? null,
      smThroughputPct: s.smThroughputPct ?? null,
      memThroughputPct: s.memThroughputPct ?? null,
      achievedOccupancyPct: s.achievedOccupancyPct ?? null,
      registersPerThread: s.registersPerThread ?? null,
      block: s.block ?? null,
      grid: s.grid ?? null,
      dramBytes: s.dramBytes ?? null,
      arithmeticIntensity: s.arithmeticIntensity ?? null,
      metrics: metrics(l),
    })),
    kernels: kernelTotals(launches.map((x) => x.s))
      .slice(0, n)
      .map((k) => ({ name: k.name, calls: k.calls, totalNs: k.totalNs })),
    findings: findings(r).slice(0, n),
    messages: r.messages,
  };
}

export function ncuText(r: NcuReport, file: string, top: number | undefined): string {
  if (r.launches.length === 0) {
    const last = r.messages.length ? ` (${r.messages[r.messages.length - 1]})` : '';
    return `${v(file)}: no kernels matched, nothing was profiled${last}; check --kernel-name and --launch-count\n`;
  }
  const launches = launchSummaries(r);
  const totals = kernelTotals(launches.map((x) => x.s));
  const fixes = findings(r);
  const f = (v: number | undefined, d = 1) => (v === undefined ? '—' : v.toFixed(d));
  let out = `${v(file)}: Nsight Compute ${r.page} page, ${r.launches.length} launch(es), ${totals.length} kernel(s)\n\n`;
  out += `${'id'.padStart(4)} ${'µs'.padStart(10)} ${'SM %'.padStart(6)} ${'mem %'.padStart(6)} ${'occ %'.padStart(6)} ${'regs'.padStart(5)}  kernel\n`;
  for (const { l, s } of launches.slice(0, top ?? 30)) {
    const us = f(s.durationNs === undefined ? undefined : s.durationNs / 1000, 2);
    const pcts = `${f(s.smThroughputPct).padStart(6)} ${f(s.memThroughputPct).padStart(6)} ${f(s.achievedOccupancyPct).padStart(6)}`;
    out += `${String(l.id).padStart(4)} ${us.padStart(10)} ${pcts} ${f(s.registersPerThread, 0).padStart(5)}  ${v(short(l.name, 100))}\n`;
  }
  if (fixes.length > 0) {
    out += '\nWhat to fix first (estimated speedup):\n';
    for (const x of fixes.slice(0, top ?? 10)) {
      const speedup = x.speedupPct !== undefined ? `${x.speedupPct.toFixed(1)}%` : '   —';
      out += `  ${speedup}  [${v(x.rule)}] launch ${x.launchId}: ${v(x.description)}\n`;
    }
  }
  return out;
}
