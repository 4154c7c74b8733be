/**
 * GPU time credited to Python functions from the spans of a PyTorch trace (see torchSources).
 */
import { walkTree } from '../../model/profile';
import type { TorchTrace } from '../../model/torchTrace';
import type { GpuByFunction } from './torchSources';

interface CallFrame {
  name: string;
  file: string;
  line: number;
}

/** What GpuCredits needs of a thread's nested spans. */
export interface CreditSpans {
  spans: { python?: CallFrame; callStack?: string }[];
  parent: Int32Array;
}

type Credit = Omit<GpuByFunction, 'kernels' | 'pct' | 'kernelsAtLeast'> & { kernelNames: Set<string> };

/**
 * GPU time credited to Python functions, each launch once per function however often the
 * function recurs around it: to the functions whose spans enclose the launch ("def" sites), and
 * to the lines of the launching operator's call stack ("call" sites). Enclosing functions are
 * found depth first over each thread's spans (a function's outermost span on a path takes its
 * subtree's launches), not by walking up from every launch: linear in spans and launches.
 */
export class GpuCredits {
  private readonly acc = new Map<string, Credit>();
  /** Steps spent counting distinct kernels per function, and whether the budget ran out. */
  private kernelSteps = 0;
  kernelsCut = false;
  private static readonly KERNEL_STEPS = 20_000_000;

  private entry(py: CallFrame, site: GpuByFunction['site']): Credit {
    const key = `${site}\u0000${py.file}\u0000${py.line}\u0000${py.name}`;
    let e = this.acc.get(key);
    if (!e) {
      e = { name: py.name, file: py.file, line: py.line, site, gpuUs: 0, launches: 0, kernelNames: new Set() };
      this.acc.set(key, e);
    }
    return e;
  }

  addThread(
    t: CreditSpans,
    at: Int32Array,
    activities: number[],
    gpu: TorchTrace['gpu'],
    csUp: Int32Array,
    callFrames: (s: string) => CallFrame[],
  ): void {
    const n = t.spans.length;
    const dur = new Float64Array(n + 1);
    const count = new Float64Array(n + 1);
    const kernelsAt = new Map<string, number[]>();
    const byCallStack = new Map<string, { dur: number; count: number; kernels: Set<string> }>();
    activities.forEach((a, j) => {
      const s = at[j];
      if (s < 0) return;
      const g = gpu[a];
      dur[s + 1] += g.dur;
      count[s + 1]++;
      if (g.kind === 'kernel') {
        const l = kernelsAt.get(g.name);
        if (l) l.push(s);
        else kernelsAt.set(g.name, [s]);
      }
      const c = csUp[s];
      if (c >= 0) {
        const cs = t.spans[c].callStack!;
        let agg = byCallStack.get(cs);
        if (!agg) byCallStack.set(cs, (agg = { dur: 0, count: 0, kernels: new Set() }));
        agg.dur += g.dur;
        agg.count++;
        if (g.kind === 'kernel') agg.kernels.add(g.name);
      }
    });
    // Def sites. Tree nodes are spans + 1 under a root 0, so the forest is one tree.
    const parent1 = new Int32Array(n + 1);
    parent1[0] = -1;
    for (let i = 0; i < n; i++) parent1[i + 1] = t.parent[i] + 1;
    for (let i = n; i > 0; i--) {
      dur[parent1[i]] += dur[i];
      count[parent1[i]] += count[i];
    }
    const credit = new Array<Credit | undefined>(n);
    for (let i = 0; i < n; i++) {
      const py = t.spans[i].python;
      if (py) credit[i] = this.entry(py, 'def');
    }
    const open = new Map<Credit, number>();
    walkTree(
      parent1,
      (i) => {
        const c = credit[i - 1];
        if (!c) return;
        const k = open.get(c) ?? 0;
        if (k === 0 && count[i] > 0) {
          c.gpuUs += dur[i];
          c.launches += count[i];
        }
        open.set(c, k + 1);
      },
      (i) => {
        const c = credit[i - 1];
        if (c) open.set(c, open.get(c)! - 1);
      },
    );
    // Distinct kernels per def site: for each kernel name, mark the spans above its launches
    // (stopping at spans already marked for it). Bounded: past the budget counts are lower bounds.
    const mark = new Int32Array(n).fill(-1);
    let stamp = 0;
    for (const [name, spans] of kernelsAt) {
      for (const s of spans) {
        for (let q = s; q >= 0 && mark[q] !== stamp; q = t.parent[q]) {
          if (this.kernelSteps++ >= GpuCredits.KERNEL_STEPS) {
            this.kernelsCut = true;
            break;
          }
          mark[q] = stamp;
          credit[q]?.kernelNames.add(name);
        }
      }
      stamp++;
    }
    // Call sites: each call stack's lines, once per launch.
    for (const [cs, agg] of byCallStack) {
      const seen = new Set<Credit>();
      for (const f of callFrames(cs)) {
        const c = this.entry(f, 'call');
        if (seen.has(c)) continue;
        seen.add(c);
        c.gpuUs += agg.dur;
        c.launches += agg.count;
        for (const k of agg.kernels) c.kernelNames.add(k);
      }
    }
  }

  entries(): Credit[] {
    return [...this.acc.values()].filter((e) => e.launches > 0);
  }
}
