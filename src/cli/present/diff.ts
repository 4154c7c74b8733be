/** `diff`: the functions whose share of two profiles changed, as tables or JSON. */
import type { ProfileDiff } from '../../core/analysis/cpu/profileDiff';
import { table } from './table';
import { visibleName as v } from '../../core/util/visibleText';

/** The rows worth showing: a change of at least 0.05 points in self or total. */
export function changedFunctions(d: ProfileDiff) {
  return d.functions.filter((f) => Math.abs(f.selfDeltaPts) >= 0.05 || Math.abs(f.totalDeltaPts) >= 0.05);
}

export function diffJson(d: ProfileDiff, baseFile: string, newFile: string) {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    kind: 'profile-diff',
    base: { file: baseFile, total: d.baseTotal },
    new: { file: newFile, total: d.newTotal },
    unit: d.unit,
    functions: changedFunctions(d).map((f) => ({
      name: f.name,
      file: f.file ?? null,
      line: f.line ?? null,
      baseSelfPct: r2(f.baseSelfPct),
      newSelfPct: r2(f.newSelfPct),
      selfDeltaPts: r2(f.selfDeltaPts),
      baseTotalPct: r2(f.baseTotalPct),
      newTotalPct: r2(f.newTotalPct),
      totalDeltaPts: r2(f.totalDeltaPts),
    })),
  };
}

export function diffText(d: ProfileDiff, baseFile: string, newFile: string, top: number): string {
  const rows = changedFunctions(d);
  const show = (list: typeof rows, title: string) => {
    if (!list.length) return '';
    const t = [['self Δ', 'self', 'total Δ', 'function', 'location']];
    for (const f of list)
      t.push([
        `${f.selfDeltaPts >= 0 ? '+' : ''}${f.selfDeltaPts.toFixed(1)} pts`,
        `${f.baseSelfPct.toFixed(1)}% → ${f.newSelfPct.toFixed(1)}%`,
        `${f.totalDeltaPts >= 0 ? '+' : ''}${f.totalDeltaPts.toFixed(1)}`,
        f.name,
        f.file ? `${f.file}:${f.line ?? '?'}` : '',
      ]);
    return `${title}\n${table(t, new Set([0, 1, 2]))}`;
  };
  const total = (n: number) => `${n.toLocaleString('en-US')} ${d.unit}`;
  const grew = rows.filter((f) => f.selfDeltaPts > 0).slice(0, top);
  const shrank = rows
    .filter((f) => f.selfDeltaPts < 0)
    .sort((a, b) => a.selfDeltaPts - b.selfDeltaPts)
    .slice(0, top);
  return `${v(baseFile)} (${total(d.baseTotal)}) → ${v(newFile)} (${total(d.newTotal)})\n${show(grew, 'grew:')}${show(shrank, 'shrank:')}`;
}
