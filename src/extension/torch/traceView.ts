/**
 * The PyTorch trace view: a trace read and analysed on the host, its tables sent once (with the
 * other ranks of a distributed run read too and compared), its Python frames made the CPU hot
 * paths and its GPU time the ⚡ lenses of the code. Opened from runs, commands and as the custom
 * editor of `*.pt.trace.json(.gz)`.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { analyzeTorchSources, type TorchSources } from '../../core/analysis/torch/torchSources';
import { buildTraceView, compareRanks, type RankRow } from '../../core/analysis/torch/torchView';
import { diagnoseRanks, rankLabel } from '../../core/analysis/torch/rankDiagnosis';
import { closedWhileRead, openTorchTraceInWorker } from '../shared/openInWorker';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/torchTrace';
import { confirmFileSize, sizeSuffix } from '../shared/fileSize';
import { nsightConfig } from '../shared/config';
import { saveCsvExport } from '../shared/saveExport';
import { connectView, PanelSet, registerFileEditor, type ViewConnection } from '../shared/webview/panel';
import type { ProfilingApi } from '../profiling/register';
import type { GpuLenses } from './gpuLenses';
import type { TorchTrace } from '../../core/model/torchTrace';
import type { TorchTimeline } from '../../core/analysis/torch/torchTimeline';
import { TimelineHost } from './timelineHost';
import type { TraceLensOwner } from './traceLensOwner';

export const TORCH_TRACE_VIEW_TYPE = 'flamelens.torchTrace';
const WHAT = 'the trace view shows PyTorch profiler traces, Nsight Systems reports and CPU profiles in time order';

export interface TraceViewDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  profiling: ProfilingApi;
  gpuLenses: GpuLenses;
  /** Which open trace view sets the lenses: the one focused last. */
  lensOwner: TraceLensOwner;
  /** Where the timeline keeps its state per file. */
  state?: vscode.Memento;
  /** Where `.nsys-rep` files are exported to be read (the extension's storage, never beside them). */
  cacheDir?: string;
}

/** Wires a webview to a trace file (and the other ranks' traces, compared). */
export function connectTrace(
  panel: vscode.WebviewPanel,
  file: string,
  deps: TraceViewDeps,
  rankFiles: string[] = [],
  tab: 'summary' | 'timeline' = 'summary',
): vscode.Disposable {
  const { log, profiling, gpuLenses, lensOwner } = deps;
  const webview = panel.webview;
  const title = path.basename(file);
  const me = {};
  const focused = () =>
    lensOwner.focus(me).then(
      (set) => set && log.info(`The code's lenses are ${title}'s again (its view was focused)`),
      (err) => log.warn(`Lenses of ${file}: ${err}`),
    );
  if (panel.active) void focused();
  const focus = panel.onDidChangeViewState((e) => e.webviewPanel.active && void focused());
  let sources: TorchSources | undefined;
  /** The reader's worker's timeline index of a single trace (the Timeline tab needs no more). */
  let workerTimeline: Promise<TorchTimeline | undefined> | undefined;
  type Part = { trace: TorchTrace; label: string };
  let resolveTrace: (t: Part[]) => void = () => undefined;
  let rejectTrace: (e: unknown) => void = () => undefined;
  const traceRead = new Promise<Part[]>((resolve, reject) => {
    resolveTrace = resolve;
    rejectTrace = reject;
  });
  traceRead.catch(() => undefined);
  // Closing the view ends its reads (`view.closed`: a 2 GB trace's worker would read on for a
  // minute, with the memory it holds), and nothing of it reaches the editor after (tables, lenses,
  // hot paths).
  const stillOpen = () => {
    if (view.closed.aborted) throw new Error('the view was closed');
  };
  const load = async () => {
    const t0 = Date.now();
    for (const f of [file, ...rankFiles]) await confirmFileSize(f);
    const nsys = deps.cacheDir ? { cacheDir: deps.cacheDir, nsysPath: nsightConfig().nsysPath } : undefined;
    // Opened on its Timeline tab (Open Trace Timeline), one trace's timeline is built before its
    // tables and shown as soon as it is ready: on the 1 GB bench trace, about 8 s sooner.
    const timelineFirst = tab === 'timeline' && rankFiles.length === 0;
    const order = timelineFirst
      ? 'Its timeline comes first, then its tables.'
      : 'Its tables come first, then its timeline.';
    // The tables, diagnosis and sources are built by the reader's worker (here only where it
    // could not); the trace itself is rebuilt on the extension host's thread after them, in slices.
    /** The view's status while `f` is read: how much, then what is being built. */
    const open = (f: string, viewTitle: string, reading: string) => {
      let shown = -1;
      const onProgress = (done: number, total: number) => {
        const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
        if (pct === shown) return;
        shown = pct;
        view.post({
          type: 'status',
          text:
            done >= total
              ? timelineFirst
                ? `Read ${reading}: building its timeline, then its tables and diagnosis.`
                : `Read ${reading}: building its tables and diagnosis, then its timeline.`
              : `Reading ${reading}: ${pct}%. ${order}`,
        });
      };
      const opened = openTorchTraceInWorker(f, WHAT, {
        timeline: true,
        view: viewTitle,
        log,
        nsys,
        onProgress,
        signal: view.closed,
        timelineFirst,
      });
      opened.trace.catch(rejectTrace);
      return opened;
    };
    const label = (t: TorchTrace, f: string) => rankLabel(t, path.basename(f));
    const reading = `${title}${await sizeSuffix(file)}`;
    view.post({ type: 'status', text: `Reading ${reading}: ${order[0].toLowerCase()}${order.slice(1)}` });
    const first = open(file, title, reading);
    if (rankFiles.length === 0) workerTimeline = first.timeline;
    let tablesShown = false;
    if (timelineFirst)
      void first.timeline.then((tt) => {
        if (!tt || tablesShown || view.closed.aborted) return;
        view.post({ type: 'timelineFirst' });
        view.post({
          type: 'status',
          text: `Read ${reading}: its timeline is shown; building its tables and diagnosis.`,
        });
      });
    if (rankFiles.length === 0)
      first.trace.then(
        (t) => resolveTrace([{ trace: t, label: label(t, file) }]),
        () => undefined,
      );
    const mine = await first.view;
    stillOpen();
    const own = mine?.sources ?? analyzeTorchSources(await first.trace);
    sources = own;
    const data = mine?.data ?? buildTraceView(await first.trace, title, own);
    log.info(`Read ${file} (${data.events} events): its tables in ${Date.now() - t0} ms`);
    let ranks: RankRow[] | undefined;
    if (rankFiles.length > 0) {
      const views = [data];
      const trace = await first.trace;
      const parts: Part[] = [{ trace, label: label(trace, file) }];
      for (const [k, other] of rankFiles.entries()) {
        const rank = `rank ${k + 2} of ${rankFiles.length + 1}, ${path.basename(other)}${await sizeSuffix(other)}`;
        view.post({ type: 'status', text: `Reading ${rank}.` });
        const { trace: next, view: built } = open(other, path.basename(other), rank);
        const v = await built;
        const t = await next;
        parts.push({ trace: t, label: label(t, other) });
        views.push(v?.data ?? buildTraceView(t, path.basename(other)));
      }
      resolveTrace(parts);
      ranks = compareRanks(views);
      data.rankDiagnosis = diagnoseRanks(parts);
    }
    stillOpen();
    tablesShown = true;
    view.post({ type: 'traceInit', data, interactive: true, ranks, tab });
    // The code: CPU hot paths (when the trace has Python frames) and GPU time per function. A
    // CPU profile in time order leaves them to its flame graph, which read the same samples.
    if (data.form === 'profile') return;
    const folder =
      vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ??
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const pythonFrames = mine?.pythonFrames ?? (await first.trace).python.length;
    stillOpen();
    const spanUs = Math.max(0, ...(data.diagnosis?.temporal ?? []).map((t) => t.spanUs));
    const set = await lensOwner.ready(me, async () => {
      if (view.closed.aborted) return;
      if (folder && pythonFrames > 0) await profiling.hotPaths.setActive({ folder, title, profile: own.profile });
      await gpuLenses.setActive(title, own.gpuByFunction, data.diagnosis?.syncs, spanUs);
    });
    log.info(
      set
        ? `The code's lenses are ${title}'s`
        : `The code's lenses stay another trace's (focused since ${title} was opened); focus its view for its own`,
    );
  };
  const timeline = new TimelineHost(
    () => traceRead,
    (m) => view.post(m),
    file,
    log,
    deps.state,
    () => workerTimeline,
  );
  const failed = (what: string) => (e: unknown) => log.warn(`Timeline of ${file}: ${what}: ${(e as Error).message}`);
  const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(webview, deps.extensionUri, {
    view: VIEW,
    title,
    log,
    handlers: {
      ready: () =>
        load().catch((e) => {
          if (view.closed.aborted) return log.info(closedWhileRead(file));
          const message = e instanceof Error ? e.message : String(e);
          log.warn(`Could not open ${file}: ${message}`);
          view.post({ type: 'error', message });
        }),
      openSource: (m) => profiling.locator.open(m.file, m.line),
      openFlameGraph: () => {
        if (sources) profiling.showFlameGraph(`${file}#cpu`, `${title} (CPU side)`, sources.profile);
      },
      exportCsv: (m) => saveCsvExport(path.dirname(file), m.name, m.csv),
      timelineOpen: (m) => timeline.open(m).catch(failed('index')),
      timelineQuery: (m) => timeline.query(m).catch(failed('window')),
      timelineSelect: (m) => timeline.select(m).catch(failed('details')),
      timelineAggregate: (m) => timeline.aggregate(m).catch(failed('selection')),
      timelineSearch: (m) => timeline.search(m).catch(failed('search')),
      timelineState: (m) => timeline.saveState(m),
    },
  });
  return {
    dispose: () => {
      lensOwner.closed(me);
      focus.dispose();
      view.dispose();
    },
  };
}

/** The trace panels (one per trace, or per set of ranks) and the trace custom editor. */
export class TracePanels implements vscode.Disposable {
  private readonly panels = new PanelSet('flamelens.torchTraceView');

  constructor(private readonly deps: TraceViewDeps) {}

  open(file: string, rankFiles: string[] = [], tab: 'summary' | 'timeline' = 'summary'): void {
    const title = rankFiles.length ? `⚡ ${rankFiles.length + 1} ranks` : `⚡ ${path.basename(file)}`;
    const key = [file, ...rankFiles].join('\u0000');
    const existing = this.panels.get(key);
    this.panels.show(key, title, (panel) => connectTrace(panel, file, this.deps, rankFiles, tab));
    if (existing) void existing.webview.postMessage({ type: 'showTab', tab } satisfies ToWebview);
  }

  editor(): vscode.Disposable {
    return registerFileEditor(TORCH_TRACE_VIEW_TYPE, (panel, uri) => connectTrace(panel, uri.fsPath, this.deps));
  }

  titles(): string[] {
    return this.panels.titles();
  }

  dispose(): void {
    this.panels.dispose();
  }
}
