/** `analyze` of a CPU profile: the hot functions as a table, or as JSON. */
import { visibleName as v } from '../../core/util/visibleText';
import type { HotPaths } from '../../core/analysis/cpu/hotPaths';
import { threadTotals, type Profile } from '../../core/model/profile';
import { fmt, round } from '../args';

export function cpuProfileJson(profile: Profile, hot: HotPaths, top: number | undefined) {
  const n = top ?? Infinity;
  return {
    kind: 'cpu-profile',
    format: profile.format,
    unit: profile.unit,
    samples: hot.total,
    threads: threadTotals(profile).map((t) => ({ id: t.id, name: t.name, samples: t.weight })),
    functions: hot.functions.slice(0, n).map((f) => ({
      name: f.name,
      file: f.file ?? null,
      line: f.line ?? null,
      self: f.self,
      total: f.total,
      selfPct: round(f.selfPct),
      totalPct: round(f.totalPct),
    })),
    lines: hot.lines.slice(0, n).map((l) => ({ file: l.file, line: l.line, self: l.self, total: l.total })),
  };
}

export function cpuProfileText(file: string, profile: Profile, hot: HotPaths, top: number | undefined): string {
  const unit = profile.unit === 'samples' ? 'samples' : profile.unit;
  let out = `${v(file)}: ${profile.format}, ${fmt(hot.total)} ${unit}, ${profile.threads.length} thread(s)\n\n`;
  out += `${'total%'.padStart(7)} ${'self%'.padStart(7)} ${'total'.padStart(10)}  function (file:line)\n`;
  for (const f of hot.functions.slice(0, top ?? 20)) {
    const where = f.file ? ` (${v(f.file)}${f.line !== undefined ? `:${f.line}` : ''})` : '';
    const pct = `${f.totalPct.toFixed(1).padStart(7)} ${f.selfPct.toFixed(1).padStart(7)}`;
    out += `${pct} ${fmt(f.total).padStart(10)}  ${v(f.name)}${where}\n`;
  }
  return out;
}

/** The few hottest functions with a location, as `record` prints them after a run. */
export function hottestText(hot: HotPaths, count = 5): string {
  if (hot.total === 0) return '0 samples\n';
  let out = `${fmt(hot.total)} samples; hottest:\n`;
  for (const f of hot.functions.filter((f) => f.file).slice(0, count)) {
    const pct = `${f.totalPct.toFixed(1).padStart(5)}% total ${f.selfPct.toFixed(1).padStart(5)}% self`;
    out += `  ${pct}  ${v(f.name)} (${v(f.file ?? '')}:${f.line ?? '?'})\n`;
  }
  return out;
}
