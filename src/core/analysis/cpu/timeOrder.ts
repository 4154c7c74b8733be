/**
 * A CPU profile in time order, as a trace for the timeline: speedscope's "time order" flame
 * chart. Each thread becomes a lane; consecutive samples that share a call path prefix become
 * one span per frame of that prefix, so a function that ran for a second of back-to-back samples
 * is one bar a second long, with what it called nested below it by time. A gap between samples
 * (the thread was idle, or not sampled) closes every open frame.
 */
import * as path from 'node:path';
import { FormatError } from '../../formats/formatError';
import type { Profile } from '../../model/profile';
import type { PyFrame, TorchTrace } from '../../model/torchTrace';

/** Samples closer than this (µs) count as back to back (the sampler's times are whole µs). */
const JOIN_US = 1;

/** Whether any thread of the profile says when its samples were taken. */
export function hasTimeOrder(profile: Profile): boolean {
  return profile.threads.some((t) => t.order && t.order.node.length > 0);
}

export function profileInTime(profile: Profile, file: string): TorchTrace {
  if (!hasTimeOrder(profile))
    throw new FormatError(
      file,
      '',
      'this CPU profile does not say when its samples were taken (collapsed stacks hold counts only): ' +
        "record with flamelens' built-in sampler, or open a speedscope file, to see it in time order",
    );
  let origin = Infinity;
  for (const t of profile.threads) if (t.order && t.order.start.length > 0) origin = Math.min(origin, t.order.start[0]);
  const python: PyFrame[] = [];
  const pid = profile.meta.pid ? `${profile.meta.pid}` : path.basename(file);
  let clock: string | undefined;
  for (const t of profile.threads) {
    const o = t.order;
    if (!o) continue;
    clock = clock === undefined || clock === o.clock ? o.clock : 'mixed';
    const depth = new Int32Array(t.parent.length);
    for (let n = 1; n < depth.length; n++) depth[n] = depth[t.parent[n]] + 1;
    // The frames open now: open[k] is the node at depth k + 1, its span python[span[k]].
    const open: number[] = [];
    const span: number[] = [];
    let end = -Infinity;
    const closeTo = (keep: number, at: number) => {
      while (open.length > keep) {
        const p = python[span.pop()!];
        p.dur = at - p.ts;
        open.pop();
      }
    };
    const path: number[] = [];
    for (let k = 0; k < o.node.length; k++) {
      const s = o.start[k] - origin;
      if (s > end + JOIN_US) closeTo(0, end);
      // Up from the sample's node to the deepest frame that is open already.
      let n = o.node[k];
      path.length = 0;
      while (n > 0 && !(depth[n] <= open.length && open[depth[n] - 1] === n)) {
        path.push(n);
        n = t.parent[n];
      }
      closeTo(n > 0 ? depth[n] : 0, s);
      for (let i = path.length - 1; i >= 0; i--) {
        const f = profile.frames[t.frame[path[i]]];
        open.push(path[i]);
        span.push(python.length);
        python.push({ name: f.name, file: f.file, line: f.line, ts: s, dur: 0, pid, tid: t.name });
      }
      end = Math.max(end, s + o.dur[k]);
    }
    closeTo(0, end);
  }
  const meta: Record<string, string> = { ...profile.meta, profileFormat: profile.format };
  if (clock) meta.timeOrder = clock;
  return {
    form: 'profile',
    origin,
    ops: [],
    runtime: [],
    gpu: [],
    memory: [],
    pythonFunctions: python.length,
    python,
    deviceProperties: [],
    meta,
    eventCount: python.length,
    categories: {},
    skipped: [],
  };
}
