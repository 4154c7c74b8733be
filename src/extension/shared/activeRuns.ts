/**
 * The profiling runs in progress, across features: the GPU feature reads it to count "while
 * profiling" alerts, to highlight the run's processes on the GPU, to watch them for memory growth
 * and to offer stopping a run from an alert.
 */
import { vscode } from '../vscodeApi';

export interface ActiveRun {
  id: string;
  name: string;
  /** The Python script the run profiles, when it runs one (to profile its memory next). */
  script?: string;
  /** The process flamelens started (sampler or launcher); the program is it or below it. */
  pid?: number;
  stop(): void;
}

export class ActiveRuns implements vscode.Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  get list(): ActiveRun[] {
    return [...this.runs.values()];
  }

  begin(run: Omit<ActiveRun, 'pid'>): { setPid(pid: number): void; end(): void } {
    const entry: ActiveRun = { ...run };
    this.runs.set(run.id, entry);
    this.changed.fire();
    return {
      setPid: (pid) => {
        entry.pid = pid;
        this.changed.fire();
      },
      end: () => {
        if (this.runs.delete(run.id)) this.changed.fire();
      },
    };
  }

  dispose(): void {
    this.changed.dispose();
  }
}
