/**
 * Profile Memory of Python File: the open file, unchanged, under the heap tracer (tracemalloc),
 * as a core memory run shown in the editor; when it is done, the bytes held at the peak open in
 * the flame graph, the lines that held the most get ▣ lenses, the functions and lines get the
 * lenses, heat and hovers a CPU profile gets (in bytes at the peak), and leak candidates say so.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { runPythonMemory } from '../../core/runners/memory/memoryRun';
import {
  analyzePythonMemory,
  peakBytesByLine,
  peakBytesProfile,
  type PythonMemoryAnalysis,
} from '../../core/analysis/memory/pythonMemory';
import type { PythonMemoryProfile } from '../../core/model/pythonMemory';
import { gib } from '../../core/analysis/memory/torchMemory';
import type { RunEntry } from '../../core/model/run';
import { pythonRunTarget } from '../shared/interpreter';
import { plainText } from '../shared/plainText';
import { runInEditor, type RunInEditorDeps } from '../shared/runInEditor';
import type { ProfilingApi } from '../profiling/register';
import type { MemoryLenses } from './memoryLenses';

export class MemoryRunner {
  private readonly tracer: string;

  constructor(
    private readonly deps: RunInEditorDeps & {
      context: vscode.ExtensionContext;
      profiling: ProfilingApi;
      lenses: MemoryLenses;
    },
  ) {
    this.tracer = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'flamelens_memory_tracer.py').fsPath;
  }

  command(): vscode.Disposable {
    return vscode.commands.registerCommand('flamelens.profileMemory', (uri?: vscode.Uri) => this.profile(uri));
  }

  private async profile(uri?: vscode.Uri): Promise<RunEntry | undefined> {
    const run = await pythonRunTarget(uri, 'profile its memory', this.deps.log);
    if (!run) return undefined;
    const { target, root, name, python } = run;
    try {
      const { entry, record, output, ended } = await runInEditor(
        this.deps,
        `flamelens: memory of ${name}`,
        name,
        (hooks) =>
          runPythonMemory({
            ...hooks,
            workspaceRoot: root,
            python,
            script: target.fsPath,
            args: [],
            cwd: root,
            tracerScript: this.tracer,
          }),
      );
      if (ended) void vscode.window.showWarningMessage(plainText(`flamelens: ${name}: ${ended}`));
      await this.show(output, record.profile, name);
      return entry;
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${e instanceof Error ? e.message : String(e)}`));
      return undefined;
    }
  }

  /** A profile's peak bytes in the flame graph and on the code, its leak candidates said. */
  async show(file: string, profile: PythonMemoryProfile, title: string): Promise<PythonMemoryAnalysis> {
    const a = analyzePythonMemory(profile);
    this.deps.profiling.showFlameGraph(file, `${title} (bytes at the peak)`, peakBytesProfile(profile));
    // The active profile of the folder, as opening a CPU profile makes it: lenses on functions,
    // heat on lines, hovers, all in bytes held at the peak.
    const folder =
      vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ??
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ??
      path.dirname(file);
    await this.deps.profiling.hotPaths.setActive({
      folder,
      // The key of the flame graph opened above: a lens's click reveals it.
      runDir: file,
      title: `${title}: bytes at the peak`,
      profile: peakBytesByLine(profile),
    });
    await this.deps.lenses.setLines(
      `${title}: peak ${gib(a.peakBytes)}`,
      a.lines.map((l) => ({
        file: l.file,
        line: l.line,
        bytes: Math.max(l.peakBytes, l.netBytes),
        title: `▣ ${gib(l.peakBytes)} at peak · ${gib(l.netBytes)} held at the end`,
        tooltip: `${l.peakBlocks} blocks at the peak, ${l.netBlocks} at the end, allocated on this line in ${l.function}()`,
      })),
    );
    const leak = a.leaks[0];
    if (leak)
      void vscode.window.showWarningMessage(
        plainText(
          `flamelens: ${path.basename(leak.file)}:${leak.line} (${leak.function}) keeps growing: ${gib(leak.bytesPerSecond)}/s ` +
            `(R² ${leak.r2.toFixed(2)}), ${gib(leak.firstBytes)} → ${gib(leak.lastBytes)}: a leak candidate`,
        ),
      );
    return a;
  }
}
