/**
 * Why the GPU is idle: the breakdowns (gpuBreakdown), launches and queues (launchStats), the
 * places the CPU waits for the GPU (syncPoints), and findings drawn from them, ranked by the GPU
 * time each could give back, each saying how it was computed, with the time range and the
 * source line to show.
 */
import type { TorchTrace } from '../../model/torchTrace';
import { gpuBreakdown, longestIdleGap, KERNEL_WAIT_US, type GpuBreakdown } from './gpuBreakdown';
import { launchStats, streamQueues, SHORT_KERNEL_US, type LaunchStats, type StreamQueue } from './launchStats';
import { syncPoints, type SyncPlace } from './syncPoints';
import { criticalPath, type CriticalPath } from './criticalPath';

export interface Finding {
  kind: 'idle' | 'sync' | 'short-kernels' | 'communication' | 'critical-path' | 'ranks' | 'rank-wait';
  text: string;
  /** How the figures were computed. */
  how: string;
  /** GPU time the change could give back, µs (what the ranking is by). */
  savingUs: number;
  /** A range to show on the timeline, µs from the trace's start. */
  range?: [number, number];
  source?: { file: string; line: number; name: string };
}

export interface Diagnosis extends GpuBreakdown {
  launches: LaunchStats;
  queue: StreamQueue[];
  syncs: SyncPlace[];
  criticalPath: CriticalPath;
  findings: Finding[];
}

const ms = (us: number) => (us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${(us / 1000).toFixed(1)} ms`);
const pct = (x: number, of: number) => (of > 0 ? (100 * x) / of : 0);
const where = (s: SyncPlace) =>
  s.site === 'def' ? `${s.name}() (${s.file}:${s.line})` : `${s.file}:${s.line} in ${s.name}()`;

export function diagnose(trace: TorchTrace): Diagnosis {
  const b = gpuBreakdown(trace);
  const launches = launchStats(trace);
  const queue = streamQueues(trace, b.idle);
  const syncs = syncPoints(trace);
  const findings: Finding[] = [];
  // Each device's streams, grouped once (a filter per device was a square law in the devices).
  const byDevice = new Map<number, typeof b.idle>();
  for (const s of b.idle) (byDevice.get(s.device) ?? byDevice.set(s.device, []).get(s.device)!).push(s);
  for (const t of b.temporal) {
    const streams = byDevice.get(t.device) ?? [];
    const host = streams.reduce((s, x) => s + x.hostWaitUs, 0);
    const kernel = streams.reduce((s, x) => s + x.kernelWaitUs, 0);
    const other = streams.reduce((s, x) => s + x.otherUs, 0);
    const gapsSum = host + kernel + other;
    const idlePct = pct(t.idleUs, t.spanUs);
    if (idlePct < 10 || gapsSum <= 0) continue;
    const top = syncs[0];
    const after =
      top && top.gpuIdleAfterUs >= 0.2 * t.idleUs
        ? `, mostly after the waits for it in ${top.file ? where(top) : (top.op ?? top.name)} (${top.calls.join(', ')})`
        : '';
    findings.push({
      kind: 'idle',
      text:
        `GPU ${t.device} is idle ${idlePct.toFixed(0)}% of the time from its first to its last kernel ` +
        `(${ms(t.idleUs)} of ${ms(t.spanUs)}): of the gaps on its streams ${pct(host, gapsSum).toFixed(0)}% host wait, ` +
        `${pct(kernel, gapsSum).toFixed(0)}% kernel wait, ${pct(other, gapsSum).toFixed(0)}% other${after}`,
      how:
        'Idle: the span from the first GPU activity to the end of the last, less their merged time. ' +
        'Each gap between consecutive activities of a stream is host wait when the CPU call that launched ' +
        `the next one began after the previous had ended, kernel wait when under ${KERNEL_WAIT_US} µs, ` +
        'else other (as Holistic Trace Analysis defines them).',
      savingUs: t.idleUs,
      range: longestIdleGap(trace, t.device, b),
      source: top?.file && top.line !== undefined ? { file: top.file, line: top.line, name: top.name } : undefined,
    });
  }
  const span = Math.max(0, ...b.temporal.map((t) => t.spanUs));
  for (const s of syncs.slice(0, 3)) {
    if (span <= 0 || s.gpuIdleAfterUs < 0.05 * span) continue;
    const place = s.file ? ` at ${where(s)}` : ' (no Python stack recorded)';
    findings.push({
      kind: 'sync',
      text:
        `${s.count} wait${s.count === 1 ? '' : 's'} for the GPU (${s.calls.join(', ')}${s.op ? ` in ${s.op}` : ''})` +
        `${place}: the CPU waited ${ms(s.cpuWaitUs)}, then the GPU sat idle ${ms(s.gpuIdleAfterUs)} ` +
        `(${pct(s.gpuIdleAfterUs, span).toFixed(0)}% of the span) until new work came`,
      how:
        'Calls that block until the GPU is done (synchronisations, blocking copies: .item(), .cpu(), .tolist()), ' +
        'placed at the innermost Python frame around them; GPU idle after: the idle gap of the device open when ' +
        'each returned.',
      savingUs: s.gpuIdleAfterUs,
      range: s.range,
      source: s.file && s.line !== undefined ? { file: s.file, line: s.line, name: s.name } : undefined,
    });
  }
  const sk = launches.shortKernels;
  const kernelWait = b.idle.reduce((s, x) => s + x.kernelWaitUs + x.hostWaitUs, 0);
  if (sk.count >= 100 && sk.kernelPct >= 5)
    findings.push({
      kind: 'short-kernels',
      text:
        `${sk.count.toLocaleString('en-US')} kernels under ${SHORT_KERNEL_US} µs take ${sk.kernelPct.toFixed(0)}% of ` +
        `kernel time (${ms(sk.totalUs)}); ${launches.launchBound.toLocaleString('en-US')} ran shorter than their own launch: ` +
        'candidates for fusion (torch.compile) or CUDA graphs',
      how:
        `Kernels shorter than ${SHORT_KERNEL_US} µs, and kernels shorter than the CPU call that launched them ` +
        '(same correlation id). Ranked by the host and kernel wait between activities, what fewer launches save.',
      savingUs: Math.min(kernelWait, sk.totalUs),
    });
  for (const o of b.overlap) {
    if (o.commComputeOverlapPct === undefined || o.communicationUs < 0.05 * span || o.commComputeOverlapPct >= 50)
      continue;
    findings.push({
      kind: 'communication',
      text:
        `Communication on GPU ${o.device} overlaps compute only ${o.commComputeOverlapPct.toFixed(0)}%: ` +
        `${ms(o.communicationUs - o.overlappedUs)} of its ${ms(o.communicationUs)} ran with no compute beside it`,
      how: 'Merged time of NCCL/gloo kernels, and the part of it during which a compute kernel ran too.',
      savingUs: o.communicationUs - o.overlappedUs,
    });
  }
  const cp = criticalPath(trace);
  const f = trace.gpu.length ? criticalPathFinding(cp) : undefined;
  if (f) findings.push(f);
  findings.sort((x, y) => y.savingUs - x.savingUs);
  return { ...b, launches, queue, syncs, criticalPath: cp, findings };
}

/** What bounds the steps, from the critical path of the step whose path is longest. */
function criticalPathFinding(cp: CriticalPath): Finding | undefined {
  const s = cp.steps[cp.longest];
  if (!s || s.lengthUs <= 0) return undefined;
  const span = s.endUs - s.startUs;
  const bound = cp.steps.filter((x) => x.bound === s.bound).length;
  const top = s.top
    .slice(0, 3)
    .map((t) => `${t.name} ${ms(t.us)}`)
    .join(', ');
  const advice =
    s.bound === 'GPU'
      ? 'faster kernels shorten the step; less CPU work would not'
      : s.bound === 'CPU'
        ? 'the GPU waits for the CPU: less CPU work per step (fewer, larger operators; torch.compile; CUDA graphs) shortens it, faster kernels would not'
        : 'the path waits on launches and gaps between kernels: fewer, larger kernels or CUDA graphs shorten it';
  return {
    kind: 'critical-path',
    text:
      `${s.bound}-bound: the critical path of ${s.step === 'trace' ? 'the trace' : s.step} is ${ms(s.lengthUs)}` +
      `${span > 0 ? ` of its ${ms(span)}` : ''}, ${pct(s.cpuUs, s.lengthUs).toFixed(0)}% CPU, ` +
      `${pct(s.gpuUs, s.lengthUs).toFixed(0)}% GPU, ${pct(s.waitingUs, s.lengthUs).toFixed(0)}% waiting ` +
      `(${bound} of ${cp.steps.length}${cp.stepsInTrace > cp.steps.length ? ` longest of ${cp.stepsInTrace}` : ''} step${cp.steps.length === 1 ? '' : 's'} ${s.bound}-bound); ` +
      `most on it: ${top}. ${advice[0].toUpperCase()}${advice.slice(1)}`,
    how:
      "Holistic Trace Analysis's critical path: a graph of the starts and ends of CPU operators, runtime calls and GPU " +
      "activities, linked along each thread's call stack, from launch to activity, between activities of a stream and " +
      `at synchronisations (${s.syncs === 'recorded' ? "the trace's cuda_sync records" : 'inferred from the blocking calls'}); ` +
      'the longest path through it. Time between top-level operators (Python between operators) weighs nothing, ' +
      'as in HTA, so the path can be shorter than the step.',
    // If the CPU and the launches took no time, each step would last its path's GPU part.
    savingUs: cp.steps.reduce((sum, x) => sum + (x.bound === 'GPU' ? 0 : x.lengthUs - x.gpuUs), 0),
    range: [s.startUs, s.endUs],
  };
}
