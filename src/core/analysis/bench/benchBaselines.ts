/**
 * What the latest results are compared with, per kind of results (flamelens' own runs and
 * pytest-benchmark autosaves are separate histories): the named baseline, else the newest saved
 * baseline, among those saved from the same kind of results; else the previous result of that
 * kind (pytest autosaves compare with the one before). Used by the regression CodeLenses and
 * the message after a run. Two separate sessions are compared against the noise between sessions
 * (`compareWithHistory`); an interleaved session (`bench --against`) with its own baseline side.
 */
import type { BenchmarkResultSet } from '../../model/bench';
import type { CompareOptions, Comparison } from './benchCompare';
import { compareInterleaved, compareWithHistory } from './sessionCompare';

/** A baseline reference meaning "the interleaved baseline side of this result" (`<id>#interleaved`). */
export const INTERLEAVED_REF = '#interleaved';

export interface LatestComparison {
  /** "main", or "previous run". */
  label: string;
  /** References `resolveResults` accepts: a baseline name, a result id or a file. */
  baselineRef: string;
  currentRef: string;
  comparison: Comparison;
}

export function chooseBaseline(
  current: BenchmarkResultSet,
  history: readonly BenchmarkResultSet[],
  baselines: readonly BenchmarkResultSet[],
  wanted?: string,
): { set: BenchmarkResultSet; label: string; ref: string } | undefined {
  const same = baselines.filter((b) => b.source === current.source);
  const named = wanted
    ? same.find((b) => b.baseline === wanted)
    : [...same].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).pop();
  if (named?.baseline) return { set: named, label: named.baseline, ref: named.baseline };
  const previous = history
    .filter((h) => h.id !== current.id && h.source === current.source && h.createdAt <= current.createdAt)
    .pop();
  return previous ? { set: previous, label: 'previous run', ref: previous.origin ?? previous.id } : undefined;
}

/** One comparison per kind of results that has a latest result and something to compare it with. */
export function latestComparisons(
  history: readonly BenchmarkResultSet[],
  baselines: readonly BenchmarkResultSet[],
  wanted: string | undefined,
  options: CompareOptions,
): LatestComparison[] {
  const out: LatestComparison[] = [];
  for (const source of ['flamelens', 'pytest-benchmark'] as const) {
    const current = history.filter((h) => h.source === source).pop();
    if (!current) continue;
    if (current.interleaved) {
      // An interleaved session compares with its own baseline side.
      out.push({
        label: `${current.interleaved.against} (interleaved)`,
        baselineRef: `${current.origin ?? current.id}${INTERLEAVED_REF}`,
        currentRef: current.origin ?? current.id,
        comparison: compareInterleaved(current, options),
      });
      continue;
    }
    const base = chooseBaseline(current, history, baselines, wanted);
    if (!base) continue;
    out.push({
      label: base.label,
      baselineRef: base.ref,
      currentRef: current.origin ?? current.id,
      comparison: compareWithHistory(base.set, current, history, options),
    });
  }
  return out;
}
