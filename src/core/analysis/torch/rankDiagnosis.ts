/**
 * The ranks of a distributed run compared (issue 21, point 7): per profiler step, each rank's
 * duration, the slowest rank and how much slower it was than the fastest; the operators,
 * annotations and kernels whose time per step differs most between ranks; and how much of each
 * rank's communication time was spent waiting for the others.
 *
 * Waiting in a collective: the same collective (the n-th of its name on every rank) takes as
 * long as the slowest rank needs to reach it, so on each rank its duration less the shortest
 * duration any rank had for it is time spent waiting for the others (the shortest is the rank
 * that came last, which only did the transfer). Collectives are the communication kernels
 * (NCCL, RCCL, gloo on the GPU) where the traces have them, else the CPU-side collective
 * annotations (`gloo:…`, `nccl:…`, as c10d records them).
 */
import type { TorchTrace } from '../../model/torchTrace';
import { gpuWork } from './gpuIntervals';
import { rankOf } from './gpuBreakdown';
import { isProfilerStep, profilerSteps } from './profilerSteps';
import type { Finding } from './diagnosis';

const CPU_COLLECTIVE = /^(gloo|nccl|rccl|mpi|ucc):/;

/** "rank N" from the trace's distributedInfo, else `otherwise` (its file's name). */
export function rankLabel(trace: TorchTrace, otherwise: string): string {
  const rank = trace.distributedInfo?.rank;
  return typeof rank === 'number' ? `rank ${rank}` : otherwise;
}

export interface RankPart {
  trace: TorchTrace;
  label: string;
}

export interface RankStep {
  step: string;
  /** Per rank, in the order of `labels`. */
  us: number[];
  slowest: string;
  /** How much longer the slowest rank took than the fastest, in %. */
  slowerPct: number;
}

export interface RankOperator {
  name: string;
  kind: 'op' | 'annotation' | 'kernel';
  /** Time per step on each rank (inclusive), in the order of `labels`. */
  perStepUs: number[];
  /** Most minus least. */
  spreadUs: number;
  slowest: string;
}

export interface RankCommunication {
  label: string;
  rank: number;
  /** Collectives on this rank, and how many of them every rank had (those compared). */
  collectives: number;
  matched: number;
  communicationUs: number;
  /** Time in the matched collectives beyond the shortest any rank took for the same one. */
  waitUs: number;
  waitPct: number;
  source: 'GPU kernels' | 'CPU annotations';
}

export interface RankDiagnosis {
  labels: string[];
  ranks: number[];
  steps: RankStep[];
  operators: RankOperator[];
  communication: RankCommunication[];
  findings: Finding[];
}

interface Timed {
  name: string;
  ts: number;
  dur: number;
}

function stepsOf(t: TorchTrace): Map<string, Timed> {
  return new Map(profilerSteps(t).map((s) => [s.name, { name: s.name, ts: s.start, dur: s.dur }]));
}

function collectivesOf(t: TorchTrace, gpu: boolean): Timed[] {
  const list: Timed[] = gpu
    ? t.gpu.filter((g) => gpuWork(g) === 'communication')
    : t.ops.filter((o) => o.kind === 'annotation' && CPU_COLLECTIVE.test(o.name));
  return [...list].sort((a, b) => a.ts - b.ts);
}

const ms = (us: number) => `${(us / 1000).toFixed(us >= 10_000 ? 0 : 2)} ms`;

export function diagnoseRanks(parts: RankPart[]): RankDiagnosis {
  const labels = parts.map((p) => p.label);
  const ranks = parts.map((p) => rankOf(p.trace));
  const stepMaps = parts.map((p) => stepsOf(p.trace));
  // Steps every rank recorded, in the first rank's order.
  const common = [...stepMaps[0].values()]
    .sort((a, b) => a.ts - b.ts)
    .map((s) => s.name)
    .filter((name) => stepMaps.every((m) => m.has(name)));
  const steps: RankStep[] = common.map((step) => {
    const us = stepMaps.map((m) => m.get(step)!.dur);
    const max = Math.max(...us);
    const min = Math.min(...us);
    return { step, us, slowest: labels[us.indexOf(max)], slowerPct: min > 0 ? (100 * (max - min)) / min : 0 };
  });
  // Operators: time per step on each rank (a trace without steps counts as one).
  const perName = new Map<string, RankOperator>();
  parts.forEach((p, r) => {
    const n = Math.max(1, stepMaps[r].size);
    const add = (name: string, kind: RankOperator['kind'], dur: number) => {
      const id = `${kind}\u0000${name}`;
      let row = perName.get(id);
      if (!row) perName.set(id, (row = { name, kind, perStepUs: parts.map(() => 0), spreadUs: 0, slowest: '' }));
      row.perStepUs[r] += dur / n;
    };
    for (const o of p.trace.ops) if (!isProfilerStep(o.name)) add(o.name, o.kind === 'op' ? 'op' : 'annotation', o.dur);
    for (const g of p.trace.gpu) add(g.name, 'kernel', g.dur);
  });
  const operators = [...perName.values()]
    .map((row) => {
      const max = Math.max(...row.perStepUs);
      return { ...row, spreadUs: max - Math.min(...row.perStepUs), slowest: labels[row.perStepUs.indexOf(max)] };
    })
    .filter((row) => row.spreadUs > 0)
    .sort((a, b) => b.spreadUs - a.spreadUs)
    .slice(0, 20);
  const communication = commWaits(parts, labels, ranks);
  return { labels, ranks, steps, operators, communication, findings: rankFindings(steps, operators, communication) };
}

function commWaits(parts: RankPart[], labels: string[], ranks: number[]): RankCommunication[] {
  const gpu = parts.some((p) => p.trace.gpu.some((g) => gpuWork(g) === 'communication'));
  const lists = parts.map((p) => collectivesOf(p.trace, gpu));
  // The n-th collective of each name on each rank.
  const byName = lists.map((l) => {
    const m = new Map<string, Timed[]>();
    for (const c of l) (m.get(c.name) ?? m.set(c.name, []).get(c.name)!).push(c);
    return m;
  });
  const wait = parts.map(() => 0);
  const matched = parts.map(() => 0);
  for (const [name, first] of byName[0]) {
    const n = Math.min(first.length, ...byName.map((m) => m.get(name)?.length ?? 0));
    for (let i = 0; i < n; i++) {
      const durs = byName.map((m) => m.get(name)![i].dur);
      const least = Math.min(...durs);
      durs.forEach((d, r) => {
        wait[r] += d - least;
        matched[r]++;
      });
    }
  }
  return parts.map((_, r) => {
    const communicationUs = lists[r].reduce((s, c) => s + c.dur, 0);
    return {
      label: labels[r],
      rank: ranks[r],
      collectives: lists[r].length,
      matched: matched[r],
      communicationUs,
      waitUs: wait[r],
      waitPct: communicationUs > 0 ? (100 * wait[r]) / communicationUs : 0,
      source: gpu ? 'GPU kernels' : 'CPU annotations',
    };
  });
}

function rankFindings(steps: RankStep[], ops: RankOperator[], comm: RankCommunication[]): Finding[] {
  const out: Finding[] = [];
  if (steps.length) {
    const count = new Map<string, number>();
    for (const s of steps) count.set(s.slowest, (count.get(s.slowest) ?? 0) + 1);
    const [slow, times] = [...count].sort((a, b) => b[1] - a[1])[0];
    const worst = steps.reduce((a, b) => (b.slowerPct > a.slowerPct ? b : a));
    const lost = steps.reduce((s, x) => s + Math.max(...x.us) - Math.min(...x.us), 0);
    const mine = ops.filter((o) => o.slowest === slow && o.kind !== 'annotation').slice(0, 3);
    const gap = lost / steps.length;
    const differ = mine.map((o) => `${o.name} (+${ms(o.spreadUs)} a step)`);
    const outside =
      mine.reduce((sum, o) => sum + o.spreadUs, 0) < 0.2 * gap
        ? '; its operators and kernels take about as long as on the others: the gap is time outside them (waiting, Python, data loading)'
        : '';
    out.push({
      kind: 'ranks',
      text:
        `${slow} is the slowest rank in ${times} of ${steps.length} steps; the widest gap is ${worst.step}, ` +
        `${worst.slowerPct.toFixed(0)}% slower than the fastest rank (${ms(Math.max(...worst.us))} against ` +
        `${ms(Math.min(...worst.us))})${outside || (differ.length ? `; what it spends more on: ${differ.join(', ')}` : '')}`,
      how:
        'Each ProfilerStep that every rank recorded, compared by duration; operators and kernels by their ' +
        'inclusive time per step on each rank, largest difference first. Every rank waits for the slowest at ' +
        'each collective, so the gap is time every other rank loses.',
      savingUs: lost,
    });
  }
  const waiter = [...comm].sort((a, b) => b.waitUs - a.waitUs)[0];
  if (waiter && waiter.waitUs > 0 && waiter.waitPct >= 20)
    out.push({
      kind: 'rank-wait',
      text:
        `${waiter.label} spends ${waiter.waitPct.toFixed(0)}% of its communication time waiting for the other ranks ` +
        `(${ms(waiter.waitUs)} of ${ms(waiter.communicationUs)} in ${waiter.matched} collectives): ` +
        'the ranks reach their collectives at different times (uneven work or data per rank)',
      how:
        `The n-th collective of each name on every rank (${waiter.source}); on each rank its duration less the ` +
        'shortest any rank had for it (the last rank to arrive only transfers), summed.',
      savingUs: waiter.waitUs,
    });
  return out;
}
