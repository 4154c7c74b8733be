/**
 * Benchmarks in the editor: Run Benchmarks (flamelens.bench.json), Save Results as Baseline…,
 * Compare with Baseline… (the comparison and history view), Compare Two Profiles… (differential
 * flame graph), regression CodeLenses above benchmarked functions and pytest-benchmark tests,
 * and profile-diff CodeLenses above the functions whose self time grew most. The statistics and
 * the store are the core's; this file only adapts them to VS Code.
 */
import * as vscode from 'vscode';
import { saveExport } from '../saveExport';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { parseBenchConfig, type BenchConfig } from '../../core/formats/bench/benchConfig';
import { runBenchmarks } from '../../core/runners/bench/benchRunner';
import {
  listBaselines,
  listHistory,
  resolveResults,
  saveBaseline,
  saveResults,
  baselineFile,
  checkBaselineName,
} from '../../core/store/benchStore';
import {
  compareResultSets,
  lensText,
  type BenchmarkComparison,
  type Comparison,
} from '../../core/analysis/bench/benchCompare';
import { buildHistories, type BenchViewData } from '../../core/analysis/bench/benchHistory';
import { latestComparisons, type LatestComparison } from '../../core/analysis/bench/benchBaselines';
import {
  diffProfiles,
  diffViewData,
  diffLensText,
  grownFunctions,
  type FunctionDiff,
} from '../../core/analysis/cpu/profileDiff';
import { findPythonDefinitions, matchDefinition } from '../../core/analysis/source/pythonDefinitions';
import { readProfile } from '../../core/formats/cpu/readProfile';
import { listRuns, runOutputPath } from '../../core/store/runStore';
import type { ToHost, ToWebview } from '../../shared/protocol';
import { benchSettings, profilerConfig } from '../config';
import { resolveInterpreter } from '../python/interpreter';
import { flameGraphHtml, webviewOptions } from '../profiling/flameGraphWebview';
import type { ProfilingApi } from '../profiling/register';
import { LensChanges } from '../lensChanges';
import { plainText } from '../plainText';

export interface BenchApi {
  /** The regression lenses' comparisons per workspace root (for tests). */
  lensComparisons(root: string): Promise<BenchmarkComparison[]>;
  panelTitles(): string[];
}

const CONFIG_NAME = 'flamelens.bench.json';

const TEMPLATE = `{
  // Benchmarks of this workspace. "command": a program run once per measurement;
  // "callable": "module:function" timed in-process (CUDA events when it uses CUDA).
  "defaults": { "warmup": 3, "runs": 30 },
  "threshold": "5%",
  "baseline": "main",
  "benchmarks": [
    { "name": "example", "command": "python3 -c \\"sum(range(10**6))\\"" }
  ]
}
`;

async function readConfig(file: string): Promise<BenchConfig> {
  return parseBenchConfig(await fs.readFile(file, 'utf8'), file);
}

interface LensEntry {
  comparison: BenchmarkComparison;
  label: string;
  /** References for `compare` (baseline name, result id or file). */
  baselineRef: string;
  currentRef: string;
}

interface LensState {
  byFile: Map<string, LensEntry[]>;
  /** One comparison per source of results (flamelens' own, pytest-benchmark autosaves). */
  comparisons: LatestComparison[];
}

export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, cpu: ProfilingApi): BenchApi {
  const disposables: vscode.Disposable[] = [];
  const changes = new LensChanges();
  const states = new Map<string, Promise<LensState | undefined>>();
  let benchPanel: vscode.WebviewPanel | undefined;
  let diffPanel: vscode.WebviewPanel | undefined;
  let diffState: { grown: FunctionDiff[]; resolved: Map<string, string | undefined> } | undefined;
  const helperScript = vscode.Uri.joinPath(context.extensionUri, 'media', 'flamelens_bench.py').fsPath;

  const roots = async (): Promise<string[]> => {
    const set = new Set((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
    for (const u of await vscode.workspace.findFiles(`**/${CONFIG_NAME}`, '**/{node_modules,.git,.venv,venv}/**', 50))
      set.add(path.dirname(u.fsPath));
    return [...set];
  };

  const configOf = async (root: string): Promise<BenchConfig | undefined> => {
    try {
      return await readConfig(path.join(root, CONFIG_NAME));
    } catch {
      return undefined;
    }
  };

  const computeState = async (root: string): Promise<LensState | undefined> => {
    const history = (await listHistory(root)).items;
    if (history.length === 0) return undefined;
    const settings = benchSettings(vscode.Uri.file(root));
    const config = await configOf(root);
    const baselines = (await listBaselines(root)).items;
    const comparisons = latestComparisons(history, baselines, settings.baseline || config?.baseline, {
      threshold: config?.threshold ?? settings.threshold,
      alpha: config?.alpha ?? settings.alpha,
    });
    const state: LensState = { byFile: new Map(), comparisons };
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
  };

  const stateOf = (root: string) => {
    let s = states.get(root);
    if (!s) {
      s = computeState(root).catch((e) => {
        log.warn(`Benchmark results in ${root}: ${(e as Error).message}`);
        return undefined;
      });
      states.set(root, s);
    }
    return s;
  };

  const invalidate = () => {
    states.clear();
    changes.fire();
  };
  for (const glob of ['**/.flamelens/bench/**/*.json', '**/.benchmarks/**/*.json', `**/${CONFIG_NAME}`]) {
    const w = vscode.workspace.createFileSystemWatcher(glob);
    disposables.push(w, w.onDidCreate(invalidate), w.onDidChange(invalidate), w.onDidDelete(invalidate));
  }
  disposables.push(
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('flamelens.bench') && invalidate()),
  );

  const lensProvider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changes.event,
    provideCodeLenses: async (doc) => {
      const lenses: vscode.CodeLens[] = [];
      const file = doc.uri.fsPath;
      let defs: ReturnType<typeof findPythonDefinitions> | undefined;
      const definitions = () => (defs ??= findPythonDefinitions(doc.getText()));
      if (benchSettings(doc.uri).lenses) {
        for (const root of await roots()) {
          if (!file.startsWith(root + path.sep)) continue;
          const state = await stateOf(root);
          for (const { comparison: c, label, baselineRef, currentRef } of state?.byFile.get(file) ?? []) {
            const loc = c.location!;
            const all = definitions();
            const cls = loc.className ? all.find((d) => d.kind === 'class' && d.name === loc.className) : undefined;
            const def = all.find(
              (d) =>
                d.kind === 'def' &&
                d.name === loc.function &&
                (!cls || (d.line > cls.line && d.endLine <= cls.endLine)),
            );
            if (!def) continue;
            const range = new vscode.Range(def.firstLine - 1, 0, def.firstLine - 1, 0);
            lenses.push(
              new vscode.CodeLens(range, {
                title: plainText(lensText(c, label)),
                tooltip: plainText(c.summary),
                command: 'flamelens.bench.compare',
                arguments: [{ root, focus: c.name, baseline: baselineRef, current: currentRef, label }],
              }),
            );
          }
        }
      }
      if (diffState) {
        for (const f of diffState.grown) {
          if (diffState.resolved.get(f.file ?? '') !== file) continue;
          const def = matchDefinition(definitions(), f.name, f.lines);
          if (!def) continue;
          const range = new vscode.Range(def.firstLine - 1, 0, def.firstLine - 1, 0);
          lenses.push(
            new vscode.CodeLens(range, {
              title: plainText(diffLensText(f)),
              tooltip: `total ${f.baseTotalPct.toFixed(1)}% → ${f.newTotalPct.toFixed(1)}%`,
              command: 'flamelens.bench.showProfileDiff',
              arguments: [],
            }),
          );
        }
      }
      return lenses;
    },
  };
  disposables.push(vscode.languages.registerCodeLensProvider({ language: 'python' }, lensProvider), changes);

  const latest = new WeakMap<vscode.WebviewPanel, ToWebview>();
  const showPanel = (
    existing: vscode.WebviewPanel | undefined,
    viewType: string,
    title: string,
    message: ToWebview,
    onMessage: (m: ToHost) => unknown,
  ): vscode.WebviewPanel => {
    if (existing) {
      existing.title = title;
      latest.set(existing, message);
      existing.reveal(undefined, true);
      void existing.webview.postMessage(message);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      viewType,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(context.extensionUri), retainContextWhenHidden: true },
    );
    panel.webview.html = flameGraphHtml(panel.webview, context.extensionUri, title, 'bench');
    latest.set(panel, message);
    panel.webview.onDidReceiveMessage(async (m: ToHost) => {
      if (m.type === 'ready') void panel.webview.postMessage(latest.get(panel));
      else if (m.type === 'exportCsv') {
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(cpu.locator.defaultFolder() ?? '', `${m.name}.csv`)),
          filters: { CSV: ['csv'] },
        });
        if (target) await saveExport(target, m.csv);
      } else await onMessage(m);
    });
    return panel;
  };

  const pickRoot = async (hint?: string): Promise<string | undefined> => {
    if (hint) return hint;
    const active = vscode.window.activeTextEditor?.document.uri;
    const all = await roots();
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
  };

  const openComparison = async (
    args: { root?: string; baseline?: string; current?: string; focus?: string; label?: string } = {},
  ): Promise<Comparison | undefined> => {
    const root = await pickRoot(args.root);
    if (!root) {
      void vscode.window.showInformationMessage('flamelens: open a folder with benchmark results first.');
      return undefined;
    }
    const { items: history, problems } = await listHistory(root);
    let baselineRef = args.baseline;
    if (!baselineRef) {
      const baselines = (await listBaselines(root)).items;
      const picks: (vscode.QuickPickItem & { ref: string })[] = baselines.map((b) => ({
        label: b.baseline ?? b.id,
        description: `${b.createdAt.slice(0, 16).replace('T', ' ')}${b.environment.git ? ` · ${b.environment.git.commit.slice(0, 8)}` : ''}`,
        ref: b.baseline ?? b.id,
      }));
      picks.push({
        label: '$(file) Choose a results file…',
        description: 'flamelens results or pytest-benchmark JSON',
        ref: '',
      });
      const pick = await vscode.window.showQuickPick(picks, { placeHolder: 'Compare the latest results with…' });
      if (!pick) return undefined;
      if (pick.ref) baselineRef = pick.ref;
      else {
        const files = await vscode.window.showOpenDialog({
          canSelectMany: false,
          defaultUri: vscode.Uri.file(root),
          filters: { JSON: ['json'] },
        });
        if (!files?.[0]) return undefined;
        baselineRef = files[0].fsPath;
      }
    }
    try {
      const base = await resolveResults(root, baselineRef);
      const cur = args.current ? await resolveResults(root, args.current) : history[history.length - 1];
      if (!cur) throw new Error('there are no results to compare yet: run the benchmarks first');
      const settings = benchSettings(vscode.Uri.file(root));
      const config = await configOf(root);
      const comparison = compareResultSets(base, cur, {
        threshold: config?.threshold ?? settings.threshold,
        alpha: config?.alpha ?? settings.alpha,
      });
      const git = base.environment.git;
      const label =
        args.label ??
        base.baseline ??
        (git
          ? `${base.source === 'pytest-benchmark' ? 'pytest run ' : ''}${git.commit.slice(0, 7)}${git.dirty ? '+' : ''}`
          : path.basename(baselineRef));
      const data: BenchViewData = {
        title: `Benchmarks: latest vs ${label}`,
        baselineLabel: label,
        currentLabel: cur.baseline ?? cur.id,
        comparison,
        histories: buildHistories(
          history.some((h) => h.id === cur.id) ? history : [...history, cur],
          comparison.threshold,
        ),
        focus: args.focus,
        problems,
      };
      const msg: ToWebview = { type: 'benchInit', data };
      benchPanel = showPanel(benchPanel, 'flamelens.bench', data.title, msg, async (m) => {
        if (m.type !== 'openBenchmark') return;
        const c = comparison.benchmarks.find((b) => b.name === m.name);
        if (!c?.location)
          return void vscode.window.showInformationMessage(
            plainText(`flamelens: no source location is recorded for ${m.name}.`),
          );
        const file = path.resolve(root, c.location.file);
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const def = findPythonDefinitions(doc.getText()).find(
          (d) => d.kind === 'def' && d.name === c.location!.function,
        );
        const pos = new vscode.Position((def?.line ?? 1) - 1, 0);
        await vscode.window.showTextDocument(doc, {
          selection: new vscode.Range(pos, pos),
          viewColumn: vscode.ViewColumn.One,
        });
      });
      benchPanel.onDidDispose(() => (benchPanel = undefined));
      return comparison;
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
      return undefined;
    }
  };

  disposables.push(
    vscode.commands.registerCommand('flamelens.bench.run', async (args: { config?: string; only?: string[] } = {}) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage(
          'flamelens: benchmarks run programs of this workspace; trust the workspace first (Manage Workspace Trust).',
        );
        return undefined;
      }
      let configFile = args.config;
      if (!configFile) {
        const root = await pickRoot();
        if (!root) return void vscode.window.showInformationMessage('flamelens: open a folder to run benchmarks in.');
        configFile = path.join(root, CONFIG_NAME);
        if (!(await fs.stat(configFile).catch(() => undefined))) {
          const create = await vscode.window.showInformationMessage(
            plainText(`flamelens: no ${CONFIG_NAME} in ${root}.`),
            'Create One',
          );
          if (create) {
            await fs.writeFile(configFile, TEMPLATE, { flag: 'wx' }).catch(() => undefined);
            await vscode.window.showTextDocument(vscode.Uri.file(configFile));
          }
          return undefined;
        }
      }
      let config: BenchConfig;
      try {
        config = await readConfig(configFile);
      } catch (e) {
        void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
        return undefined;
      }
      const root = path.dirname(configFile);
      const python = await resolveInterpreter(
        vscode.Uri.file(configFile),
        profilerConfig(vscode.Uri.file(root)).pythonPath,
        log,
      );
      const smi = vscode.workspace.getConfiguration('flamelens.gpu').get<string>('nvidiaSmiPath', '') || undefined;
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'flamelens: benchmarks', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          try {
            const { results, cancelled } = await runBenchmarks({
              root,
              config,
              python,
              helperScript,
              only: args.only,
              signal: controller.signal,
              nvidiaSmiPath: smi,
              onProgress: (m) => {
                progress.report({ message: m });
                log.info(`bench: ${m}`);
              },
              onOutput: (line) => log.info(`bench: ${line}`),
            });
            const file = await saveResults(root, results);
            invalidate();
            const failed = results.benchmarks.filter((b) => b.error && b.error !== 'cancelled');
            for (const f of failed) log.error(`bench: ${f.name}: ${f.error}`);
            const own = (await stateOf(root))?.comparisons.find((c) => c.comparison.current.id === results.id);
            const regressions = own?.comparison.benchmarks.filter((c) => c.verdict === 'regression') ?? [];
            const text = `flamelens: ${results.benchmarks.length} benchmark${results.benchmarks.length === 1 ? '' : 's'} measured${cancelled ? ' (cancelled; what was measured is saved)' : ''}${failed.length ? `, ${failed.length} failed (see the flamelens log)` : ''}${own ? `; ${regressions.length ? `${regressions.length} regression${regressions.length > 1 ? 's' : ''} vs ${own.label}` : `no regression vs ${own.label}`}` : ''}.`;
            void (
              failed.length || regressions.length
                ? vscode.window.showWarningMessage
                : vscode.window.showInformationMessage
            )(text, 'Show Comparison', 'Save as Baseline…').then((choice) => {
              if (choice === 'Show Comparison')
                void vscode.commands.executeCommand(
                  'flamelens.bench.compare',
                  own ? { root, baseline: own.baselineRef, current: results.id } : { root },
                );
              if (choice === 'Save as Baseline…')
                void vscode.commands.executeCommand('flamelens.bench.saveBaseline', { root, result: results.id });
            });
            return {
              file,
              id: results.id,
              cancelled,
              regressions: regressions.map((r) => r.name),
              benchmarks: results.benchmarks.map((b) => ({
                name: b.name,
                runs: b.samples.length,
                timing: b.timing,
                error: b.error,
              })),
            };
          } catch (e) {
            void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
            return undefined;
          }
        },
      );
    }),

    vscode.commands.registerCommand(
      'flamelens.bench.saveBaseline',
      async (args: { root?: string; result?: string; name?: string } = {}) => {
        const root = await pickRoot(args.root);
        if (!root) return undefined;
        const { items } = await listHistory(root);
        const own = items.filter((i) => i.source === 'flamelens' || i.origin);
        let set = args.result ? own.find((i) => i.id === args.result) : undefined;
        if (!set) {
          if (own.length === 0)
            return void vscode.window.showInformationMessage(
              'flamelens: no benchmark results to save yet: run the benchmarks first.',
            );
          const pick = await vscode.window.showQuickPick(
            [...own].reverse().map((s, i) => ({
              label: `${i === 0 ? 'latest: ' : ''}${s.createdAt.slice(0, 19).replace('T', ' ')}`,
              description: `${s.benchmarks.length} benchmarks${s.environment.git ? ` · ${s.environment.git.commit.slice(0, 8)}${s.environment.git.dirty ? '+' : ''}` : ''}${s.origin ? ` · ${path.basename(s.origin)}` : ''}`,
              set: s,
            })),
            { placeHolder: 'Which results become the baseline?' },
          );
          if (!pick) return undefined;
          set = pick.set;
        }
        const suggested = (await configOf(root))?.baseline ?? 'main';
        const name =
          args.name ??
          (await vscode.window.showInputBox({
            prompt: 'Baseline name',
            value: suggested,
            validateInput: (v) => {
              try {
                checkBaselineName(v);
                return undefined;
              } catch (e) {
                return (e as Error).message;
              }
            },
          }));
        if (!name) return undefined;
        checkBaselineName(name);
        if (!args.name && (await fs.stat(baselineFile(root, name)).catch(() => undefined))) {
          const ok = await vscode.window.showWarningMessage(
            plainText(`Replace the baseline "${name}"? (Every result stays in the history.)`),
            { modal: true },
            'Replace',
          );
          if (ok !== 'Replace') return undefined;
        }
        const file = await saveBaseline(root, name, set);
        invalidate();
        void vscode.window.showInformationMessage(plainText(`flamelens: saved as baseline "${name}".`));
        return file;
      },
    ),

    vscode.commands.registerCommand(
      'flamelens.bench.compare',
      (args: { root?: string; baseline?: string; current?: string; focus?: string; label?: string } = {}) =>
        openComparison(args),
    ),

    vscode.commands.registerCommand(
      'flamelens.bench.compareProfiles',
      async (args: { base?: string; new?: string } = {}) => {
        const pickProfile = async (title: string, exclude?: string): Promise<string | undefined> => {
          const root = cpu.locator.defaultFolder();
          const runs = root
            ? (await listRuns(root)).filter(
                (r) => ['collapsed', 'speedscope'].includes(r.meta.format) && r.meta.status !== 'failed',
              )
            : [];
          const items: (vscode.QuickPickItem & { file: string })[] = runs
            .map((r) => ({
              label: r.meta.name,
              description: `${r.meta.createdAt.slice(0, 19).replace('T', ' ')} · ${r.meta.samples ?? '?'} samples`,
              file: runOutputPath(r),
            }))
            .filter((i) => i.file !== exclude);
          items.push({ label: '$(file) Choose a profile file…', file: '' });
          const pick = await vscode.window.showQuickPick(items, { placeHolder: title });
          if (!pick) return undefined;
          if (pick.file) return pick.file;
          const f = await vscode.window.showOpenDialog({ canSelectMany: false, title });
          return f?.[0]?.fsPath;
        };
        const baseFile = args.base ?? (await pickProfile('Baseline profile (before)'));
        if (!baseFile) return undefined;
        const newFile = args.new ?? (await pickProfile('New profile (after)', baseFile));
        if (!newFile) return undefined;
        try {
          const [base, cur] = await Promise.all([readProfile(baseFile), readProfile(newFile)]);
          const d = diffProfiles(base, cur);
          const data = diffViewData(
            d,
            path.basename(path.dirname(baseFile)) + '/' + path.basename(baseFile),
            path.basename(path.dirname(newFile)) + '/' + path.basename(newFile),
          );
          const grown = grownFunctions(d.functions);
          const resolved = new Map<string, string | undefined>();
          cpu.locator.reset(); // files may have been added since the workspace was last listed
          for (const f of grown)
            if (f.file && !resolved.has(f.file)) resolved.set(f.file, await cpu.locator.resolve(f.file));
          diffState = { grown, resolved };
          changes.fire();
          const msg: ToWebview = { type: 'diffInit', data };
          diffPanel = showPanel(
            diffPanel,
            'flamelens.profileDiff',
            `Profile diff: ${path.basename(newFile)} vs ${path.basename(baseFile)}`,
            msg,
            async (m) => {
              if (m.type === 'openSource') await cpu.locator.open(m.file, m.line);
            },
          );
          diffPanel.onDidDispose(() => (diffPanel = undefined));
          return { functions: d.functions.slice(0, 50), grown };
        } catch (e) {
          void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
          return undefined;
        }
      },
    ),

    vscode.commands.registerCommand('flamelens.bench.showProfileDiff', () => diffPanel?.reveal()),
  );
  context.subscriptions.push(...disposables);

  return {
    lensComparisons: async (root) => {
      const s = await stateOf(root);
      return s ? [...s.byFile.values()].flat().map((e) => e.comparison) : [];
    },
    panelTitles: () => [benchPanel?.title, diffPanel?.title].filter((t): t is string => !!t),
  };
}
