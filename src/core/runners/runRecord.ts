/**
 * The lifecycle of a profiling run, one for every runner and both front ends: a fresh folder
 * under `.flamelens/runs/`, run.json written as running, the work under an AbortController, then
 * run.json written once more with how it ended. The runners of each kind (cpu/cpuRun,
 * torch/torchRun, nsight/nsightRun) say what their run.json holds; the front ends only show it.
 */
import { createRunDir, writeRunMetadata } from '../store/runStore';
import type { RunEntry, RunMetadata } from '../model/run';

/** What is known of a run before it starts. */
export type RunStart = Omit<RunMetadata, 'schema' | 'id' | 'createdAt' | 'finishedAt' | 'status'>;

/** How a run ended: its status and whatever else the end tells. */
export type RunEnd = Partial<Omit<RunMetadata, 'schema' | 'id' | 'kind' | 'createdAt' | 'finishedAt' | 'status'>> & {
  status: Exclude<RunMetadata['status'], 'running'>;
};

/** Ways a front end follows a run: it shows it (runs view, active runs) and can stop it. */
export interface RunHooks {
  /** The folder and run.json exist; the work has not started. */
  onBegin?(run: ActiveRun): void;
  /** run.json says how it ended (also after a failure). */
  onEnd?(entry: RunEntry): void;
}

/** A run in progress: its folder, its run.json so far, and its cancellation. */
export class ActiveRun {
  private readonly controller = new AbortController();
  private ended: RunEntry | undefined;

  constructor(
    readonly dir: string,
    readonly meta: RunMetadata,
    private readonly hooks: RunHooks = {},
  ) {}

  get id(): string {
    return this.meta.id;
  }

  get name(): string {
    return this.meta.name;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the work: the runners end the process tree and keep what was recorded. */
  abort(): void {
    this.controller.abort();
  }

  /** Writes how the run ended (once; a later call returns the first end). */
  async finish(end: RunEnd): Promise<RunEntry> {
    if (this.ended) return this.ended;
    const meta: RunMetadata = { ...this.meta, ...end, finishedAt: new Date().toISOString() };
    this.ended = { dir: this.dir, meta };
    await writeRunMetadata(this.dir, meta);
    this.hooks.onEnd?.(this.ended);
    return this.ended;
  }

  /** The run failed before it could say more: status failed with the error's message. */
  fail(error: unknown): Promise<RunEntry> {
    return this.finish({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

/** Creates the run's folder and writes run.json as running. */
export async function beginRun(workspaceRoot: string, start: RunStart, hooks: RunHooks = {}): Promise<ActiveRun> {
  const { id, dir } = await createRunDir(workspaceRoot, start.name);
  const meta: RunMetadata = { schema: 1, id, createdAt: new Date().toISOString(), status: 'running', ...start };
  await writeRunMetadata(dir, meta);
  const run = new ActiveRun(dir, meta, hooks);
  hooks.onBegin?.(run);
  return run;
}

/**
 * Runs `work` as a run: begins it, and when `work` throws, records the run as failed (with the
 * message) before the error goes on to the caller. `work` finishes the run itself on success.
 */
export async function withRun<R>(
  workspaceRoot: string,
  start: RunStart,
  hooks: RunHooks,
  work: (run: ActiveRun) => Promise<R>,
): Promise<R> {
  const run = await beginRun(workspaceRoot, start, hooks);
  try {
    return await work(run);
  } catch (e) {
    await run.fail(e).catch(() => undefined);
    throw e;
  }
}
