/**
 * The memory-growth watch of profiling runs: while a run is active, the resident memory of its
 * process tree (/proc) and its GPU memory (compute-apps) are fitted over a sliding window; steady
 * growth is reported once per run and kind ("GPU memory grows 120 MB/min (R² 0.97) in run x").
 */
import { vscode } from '../vscodeApi';
import { GrowthWindow, describeGrowth } from '../../core/analysis/gpu/growthTrend';
import { linuxDescendants, processTreeRssMiB } from '../../core/runners/processTree';
import type { ActiveRuns } from '../shared/activeRuns';
import { plainText } from '../shared/plainText';
import type { GpuConfig } from './gpuConfig';
import type { SharedTelemetry } from './sharedTelemetry';

export class RunMemoryWatch implements vscode.Disposable {
  private readonly watches = new Map<string, NodeJS.Timeout>();
  /** The process tree of each watched run (its programs below the sampler or launcher). */
  private readonly trees = new Map<string, Set<number>>();
  private readonly found = new Map<string, string>();

  constructor(
    private readonly activeRuns: ActiveRuns,
    private readonly telemetry: SharedTelemetry,
    private readonly config: () => GpuConfig,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Processes of flamelens' runs: their tools and every program below them. */
  pids(): Set<number> {
    const s = new Set<number>();
    for (const r of this.activeRuns.list) if (r.pid !== undefined) s.add(r.pid);
    for (const pids of this.trees.values()) for (const p of pids) s.add(p);
    return s;
  }

  /** Growth found so far, one sentence each. */
  notes(): string[] {
    return [...this.found.values()];
  }

  /** Starts watching runs that began and stops watching those that ended. */
  sync(): void {
    for (const r of this.activeRuns.list) {
      if (this.watches.has(r.id) || r.pid === undefined) continue;
      this.watch(r.id, r.name, r.pid, () => r.stop(), r.script);
    }
    for (const [id, timer] of this.watches) {
      if (this.activeRuns.list.some((r) => r.id === id)) continue;
      clearInterval(timer);
      this.watches.delete(id);
      this.trees.delete(id);
      this.telemetry.use(`run:${id}`, false);
    }
  }

  private watch(id: string, name: string, pid: number, stop: () => void, script?: string): void {
    const cfg = this.config();
    this.telemetry.use(`run:${id}`, true);
    const growthOptions = { minSpanSec: cfg.leak.windowS / 2, minSlopePerMin: cfg.leak.minMiBPerMin, minPoints: 6 };
    const host = new GrowthWindow(cfg.leak.windowS * 1000, growthOptions);
    const gpu = new GrowthWindow(cfg.leak.windowS * 1000, growthOptions);
    const raised = new Set<string>();
    const check = (what: string, w: GrowthWindow, v: number) => {
      const t = w.add({ t: Date.now(), v });
      if (!t?.growing || raised.has(what)) return;
      raised.add(what);
      const text = `${describeGrowth(what, t)} in run ${name}`;
      this.found.set(`${id}:${what}`, text);
      this.log.warn(text);
      // Host memory that keeps growing: where it goes is the heap tracer's question.
      const profile = what === 'host memory' && script ? ['Profile Memory'] : [];
      void vscode.window
        .showWarningMessage(plainText(`flamelens: ${text}`), 'Open Dashboard', 'Stop Run', ...profile)
        .then((c) => {
          if (c === 'Open Dashboard') void vscode.commands.executeCommand('flamelens.gpu.showDashboard');
          if (c === 'Stop Run') stop();
          if (c === 'Profile Memory')
            void vscode.commands.executeCommand('flamelens.profileMemory', vscode.Uri.file(script!));
        });
    };
    const tick = async () => {
      const tree = new Set([pid, ...(await linuxDescendants(pid))]);
      if (this.watches.has(id)) this.trees.set(id, tree);
      const rss = await processTreeRssMiB(pid);
      if (rss !== undefined) check('host memory', host, rss);
      const onGpu = (this.telemetry.hub?.processes ?? []).filter(
        (p) => tree.has(p.pid) && p.usedMemoryMiB !== undefined,
      );
      if (onGpu.length > 0)
        check(
          'GPU memory',
          gpu,
          onGpu.reduce((a, p) => a + (p.usedMemoryMiB ?? 0), 0),
        );
    };
    void tick();
    this.watches.set(
      id,
      setInterval(() => void tick(), cfg.leak.everyS * 1000),
    );
  }

  dispose(): void {
    for (const t of this.watches.values()) clearInterval(t);
  }
}
