/**
 * The memory view: a CUDA allocator snapshot (a pickle, read in a worker by the reader that runs
 * nothing) analysed on the host and shown: per device reserved / allocated / fragmentation, the
 * out-of-memory entry explained, the active memory over the history with its peak and what was
 * live then by line, the largest live allocations; sources open at the line; live bytes by stack
 * open in the flame graph; the lines that hold the most get ▣ lenses. Opened as the custom editor
 * of `*.pickle`, from Open Profile… and with Open CUDA Memory Snapshot….
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { analyzeMemory, liveBytesProfile } from '../../core/analysis/memory/torchMemory';
import { closedWhileRead, openFileInWorker } from '../shared/openInWorker';
import { confirmFileSize } from '../shared/fileSize';
import { saveCsvExport } from '../shared/saveExport';
import { connectView, PanelSet, registerFileEditor } from '../shared/webview/panel';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/memory';
import { FormatError } from '../../core/formats/formatError';
import type { ProfilingApi } from '../profiling/register';
import type { MemoryLenses } from './memoryLenses';
import type { TorchMemorySnapshot } from '../../core/model/torchMemory';

export const MEMORY_VIEW_TYPE = 'flamelens.memorySnapshot';

export interface MemoryViewDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  profiling: ProfilingApi;
  lenses: MemoryLenses;
}

/** A snapshot read in a worker (memory and time bounded by the settings). */
async function readSnapshot(file: string, signal: AbortSignal): Promise<TorchMemorySnapshot> {
  const opened = await openFileInWorker(file, {
    cacheDir: '',
    signal,
    expect: { kinds: ['torch-memory'], what: 'the memory view shows CUDA allocator snapshots (pickles)' },
  });
  if (opened.kind !== 'torch-memory') throw new FormatError(file, '', 'not a CUDA allocator snapshot');
  return opened.snapshot;
}

export function connectMemory(webview: vscode.Webview, file: string, deps: MemoryViewDeps): vscode.Disposable {
  const title = path.basename(file);
  let snapshot: TorchMemorySnapshot | undefined;
  const load = async () => {
    const t0 = Date.now();
    await confirmFileSize(file);
    // Closing the view ends its read (`view.closed`), and sets no lenses for a view that is gone.
    snapshot = await readSnapshot(file, view.closed);
    const data = { ...analyzeMemory(snapshot), title };
    deps.log.info(
      `Read ${file} (${data.devices.length} devices, ${data.timelines.reduce((n, t) => n + t.x.length, 0)} points) in ${Date.now() - t0} ms`,
    );
    if (view.closed.aborted) throw new Error('the view was closed');
    view.post({ type: 'memoryInit', data, interactive: true });
    const peak = data.timelines.find((t) => t.atPeak.length);
    await deps.lenses.setActive(title, peak ? peak.atPeak : data.byLine, peak ? 'peak' : 'snapshot');
  };
  const view = connectView<ToHost, ToWebview>(webview, deps.extensionUri, {
    view: VIEW,
    title,
    log: deps.log,
    handlers: {
      ready: () =>
        load().catch((e: unknown) => {
          if (view.closed.aborted) return deps.log.info(closedWhileRead(file));
          const message = e instanceof Error ? e.message : String(e);
          deps.log.warn(`memory view: ${message}`);
          view.post({ type: 'error', message });
        }),
      openSource: (m) => deps.profiling.locator.open(m.file, m.line),
      openFlameGraph: () => {
        if (snapshot)
          deps.profiling.showFlameGraph(`${file}#live`, `${title} (live bytes)`, liveBytesProfile(snapshot, title));
      },
      exportCsv: (m) => saveCsvExport(path.dirname(file), m.name, m.csv),
    },
  });
  return view;
}

/** Memory panels (one per snapshot) and the custom editor of `*.pickle`. */
export class MemoryPanels implements vscode.Disposable {
  private readonly panels = new PanelSet('flamelens.memoryView');

  constructor(private readonly deps: MemoryViewDeps) {}

  open(file: string): void {
    this.panels.show(file, `▣ ${path.basename(file)}`, (panel) => connectMemory(panel.webview, file, this.deps));
  }

  editor(): vscode.Disposable {
    return registerFileEditor(MEMORY_VIEW_TYPE, (panel, uri) => connectMemory(panel.webview, uri.fsPath, this.deps));
  }

  titles(): string[] {
    return this.panels.titles();
  }

  dispose(): void {
    this.panels.dispose();
  }
}
