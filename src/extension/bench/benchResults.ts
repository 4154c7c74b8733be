/**
 * The benchmark results of the workspace as the editor sees them: the folders with benchmarks
 * (workspace folders and those holding a flamelens.bench.json), each folder's configuration, and
 * the latest comparisons per folder (what the regression lenses show), recomputed when results,
 * configurations or settings change.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { latestComparisons, type LatestComparison } from '../../core/analysis/bench/benchBaselines';
import type { BenchmarkComparison } from '../../core/analysis/bench/benchCompare';
import { parseBenchConfig, type BenchConfig } from '../../core/formats/bench/benchConfig';
import { listBaselines, listHistory, storeFingerprint } from '../../core/store/benchStore';
import { benchSettings } from '../shared/config';
import { LensChanges } from '../shared/lensChanges';

export const CONFIG_NAME = 'flamelens.bench.json';

export async function readBenchConfig(file: string): Promise<BenchConfig> {
  return parseBenchConfig(await fs.readFile(file, 'utf8'), file);
}

export interface LensEntry {
  comparison: BenchmarkComparison;
  label: string;
  /** References for `compare` (baseline name, result id or file). */
  baselineRef: string;
  currentRef: string;
}

export interface ResultsState {
  byFile: Map<string, LensEntry[]>;
  /** One comparison per source of results (flamelens' own, pytest-benchmark autosaves). */
  comparisons: LatestComparison[];
}

export class BenchResults implements vscode.Disposable {
  private readonly states = new Map<string, { fingerprint: string; state: Promise<ResultsState | undefined> }>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when results, configurations or settings change (the lenses refresh). */
  readonly changes = new LensChanges();

  constructor(private readonly log: vscode.LogOutputChannel) {
    for (const glob of ['**/.flamelens/bench/**/*.json', '**/.benchmarks/**/*.json', `**/${CONFIG_NAME}`]) {
      const w = vscode.workspace.createFileSystemWatcher(glob);
      const invalidate = () => this.invalidate();
      this.disposables.push(w, w.onDidCreate(invalidate), w.onDidChange(invalidate), w.onDidDelete(invalidate));
    }
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('flamelens.bench') && this.invalidate()),
    );
  }

  invalidate(): void {
    this.states.clear();
    this.changes.fire();
  }

  async roots(): Promise<string[]> {
    const set = new Set((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
    for (const u of await vscode.workspace.findFiles(`**/${CONFIG_NAME}`, '**/{node_modules,.git,.venv,venv}/**', 50))
      set.add(path.dirname(u.fsPath));
    return [...set];
  }

  async configOf(root: string): Promise<BenchConfig | undefined> {
    try {
      return await readBenchConfig(path.join(root, CONFIG_NAME));
    } catch {
      return undefined;
    }
  }

  /** The folder's state, recomputed when a watcher said so or its files differ from last time. */
  async stateOf(root: string): Promise<ResultsState | undefined> {
    const fingerprint = await storeFingerprint(root, [path.join(root, CONFIG_NAME)]);
    const cached = this.states.get(root);
    if (cached?.fingerprint === fingerprint) return cached.state;
    const state = this.computeState(root).catch((e) => {
      this.log.warn(`Benchmark results in ${root}: ${(e as Error).message}`);
      return undefined;
    });
    this.states.set(root, { fingerprint, state });
    if (cached) this.changes.fire(); // a change no watcher reported: the other lenses refresh too
    return state;
  }

  /** The folder whose benchmarks a command is about: given, the active file's, or asked. */
  async pickRoot(hint?: string): Promise<string | undefined> {
    if (hint) return hint;
    const active = vscode.window.activeTextEditor?.document.uri;
    const all = await this.roots();
    const withConfig = [];
    for (const r of all) if (await fs.stat(path.join(r, CONFIG_NAME)).catch(() => undefined)) withConfig.push(r);
    const candidates = withConfig.length ? withConfig : all;
    if (active) {
      const best = candidates
        .filter((r) => active.fsPath.startsWith(r + path.sep))
        .sort((a, b) => b.length - a.length)[0];
      if (best) return best;
    }
    if (candidates.length <= 1) return candidates[0];
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: path.basename(r), description: r, root: r })),
      { placeHolder: 'Which benchmarks?' },
    );
    return pick?.root;
  }

  private async computeState(root: string): Promise<ResultsState | undefined> {
    const history = (await listHistory(root)).items;
    if (history.length === 0) return undefined;
    const settings = benchSettings(vscode.Uri.file(root));
    const config = await this.configOf(root);
    const baselines = (await listBaselines(root)).items;
    const comparisons = latestComparisons(history, baselines, settings.baseline || config?.baseline, {
      threshold: config?.threshold ?? settings.threshold,
      alpha: config?.alpha ?? settings.alpha,
    });
    const state: ResultsState = { byFile: new Map(), comparisons };
    for (const latest of comparisons) {
      for (const c of latest.comparison.benchmarks) {
        if (!c.location) continue;
        const file = path.resolve(root, c.location.file);
        const entry: LensEntry = {
          comparison: c,
          label: latest.label,
          baselineRef: latest.baselineRef,
          currentRef: latest.currentRef,
        };
        (state.byFile.get(file) ?? state.byFile.set(file, []).get(file)!).push(entry);
      }
    }
    return state;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changes.dispose();
  }
}
