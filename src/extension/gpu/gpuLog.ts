/**
 * A saved nvidia-smi log in the GPU dashboard's charts (one panel per file): a `--query-gpu` CSV
 * log, `-q` text, or plain `nvidia-smi`'s table and `-l` logs of it, read in a worker like every
 * file. The panel shows the log's readings over its whole span and the processes of its last
 * reading; it never samples this machine. A file that is no GPU log, or a broken one, shows the
 * reader's error in the panel.
 */
import * as path from 'node:path';
import { vscode } from '../vscodeApi';
import type { TelemetrySeries } from '../../core/model/telemetry';
import { envelope } from '../../core/analysis/gpu/telemetryEnvelope';
import { samplesByGpu } from '../../core/analysis/gpu/telemetrySummary';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/gpuDashboard';
import { closedWhileRead, openFileInWorker } from '../shared/openInWorker';
import { connectView, PanelSet, type ViewConnection } from '../shared/webview/panel';
import { saveCsvExport } from '../shared/saveExport';

const SOURCES: Record<TelemetrySeries['source'], string> = {
  'nvidia-smi-csv': 'nvidia-smi --query-gpu CSV',
  'nvidia-smi-xml': 'nvidia-smi -q -x XML',
  'nvidia-smi-q': 'nvidia-smi -q text',
  'nvidia-smi-table': "nvidia-smi's table",
  'nvidia-smi-dmon': 'nvidia-smi dmon',
};

/** Readings a GPU of a log sends the page at most (about). */
const BUCKETS = 2000;

/** The readings of a log per GPU, in time order where they carry times. */
export function logHistory(series: TelemetrySeries, file: string): ToWebview & { type: 'gpuInit' } {
  const driver = series.driverVersion ? `, driver ${series.driverVersion}` : '';
  return {
    type: 'gpuInit',
    intervalMs: 0,
    history: samplesByGpu(series.samples).map(([index, samples]) => ({ index, samples: envelope(samples, BUCKETS) })),
    host: [],
    snapshot: {
      state: {
        kind: 'log',
        message: `${SOURCES[series.source]}${driver}, ${series.samples.length} reading(s)${series.note ? `; ${series.note}` : ''}`,
      },
      source: SOURCES[series.source],
      processes: series.processes,
      ownPids: [],
      notes: [],
    },
    log: { file },
  };
}

export class GpuLogs implements vscode.Disposable {
  private readonly panels = new PanelSet('flamelens.gpuLog', { column: vscode.ViewColumn.Active });

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  open(file: string): vscode.WebviewPanel {
    const title = `GPU log: ${path.basename(file)}`;
    return this.panels.show(file, title, (panel) => {
      const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(panel.webview, this.context.extensionUri, {
        view: VIEW,
        title,
        log: this.log,
        handlers: {
          ready: async () => {
            try {
              const opened = await openFileInWorker(file, {
                cacheDir: '',
                signal: view.closed,
                expect: { kinds: ['gpu-telemetry'], what: 'this view shows nvidia-smi logs' },
              });
              if (opened.kind !== 'gpu-telemetry') return;
              this.log.info(`GPU log ${file}: ${opened.series.samples.length} reading(s)`);
              view.post(logHistory(opened.series, file));
            } catch (e) {
              if (view.closed.aborted) return this.log.info(closedWhileRead(file));
              const message = e instanceof Error ? e.message : String(e);
              this.log.warn(`Could not open ${file}: ${message}`);
              view.post({ type: 'error', message });
            }
          },
          // No export of the readings (the file holds them); the process table's CSV is saved.
          gpuExport: () => undefined,
          exportCsv: (m) =>
            saveCsvExport(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(file), m.name, m.csv),
        },
      });
      return view;
    });
  }

  titles(): string[] {
    return this.panels.titles();
  }

  dispose(): void {
    this.panels.dispose();
  }
}
