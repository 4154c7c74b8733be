import { execa } from 'execa';
import { ToolError } from './findTool';
import { LineSplitter, type LineEnd } from '../util/lineSplitter';
import { isAlive } from '../util/process';
import { knob } from '../model/knobs';
import {
  killRunTree,
  linuxDescendants,
  newRunToken,
  processesWithToken,
  RUN_TOKEN_VAR,
  signalProcessTree,
  snapshotTree,
} from './processTree';

export type ChildTool = 'py-spy' | 'builtin' | 'nsys' | 'ncu';

export interface ChildOptions<S extends ChildTool = 'py-spy' | 'builtin'> {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of the tool's output as it comes; `end` is what ended it (`\r` for a progress bar's redraw). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr', end: LineEnd) => void;
  onStart?: (info: { pid: number; sampler: S; command: string[] }) => void;
  graceMs?: number;
  /**
   * The profiled program, for a tool that runs or attaches to one: a process the tool starts
   * (`'child'`, Linux) or the pid it attached to. A tool still running `stopAfterMs` after that
   * program ended is hung: it is stopped like a cancelled run (SIGINT, so that it writes what it
   * has, then SIGKILL) and the result says `hung`.
   */
  watch?: { program: 'child' | number; stopAfterMs: number };
  /** How long the output may stay open after the tool exited before what holds it is stopped. */
  afterExitMs?: number;
}

/** See ChildOptions.afterExitMs. */
export const AFTER_EXIT_MS = 2000;

/** How long each tool may go on after the profiled program ended (writing its output) before it counts as hung. */
export const STOP_AFTER_PROGRAM_MS: Record<'py-spy' | 'nsys' | 'ncu', number> = {
  'py-spy': 60_000,
  nsys: 900_000,
  ncu: 120_000,
};

export interface ChildEnd {
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  hung?: boolean;
  /** When hung: how long after the program's end the tool was stopped. */
  hungAfterMs?: number;
  /** Processes the run started that still held its output after it ended, and were stopped. */
  leftovers?: number;
}

const SIGNAL_MEANING: Record<string, string> = {
  SIGSEGV: 'a segmentation fault',
  SIGABRT: 'an abort',
  SIGKILL: 'SIGKILL, often the out-of-memory killer',
  SIGBUS: 'a bus error',
  SIGFPE: 'a floating-point exception',
  SIGILL: 'an illegal instruction',
  SIGTERM: 'SIGTERM',
};

/**
 * What happened at the end of a run, in one sentence for the user (undefined when it simply
 * finished). `tool` names the profiler ('py-spy', 'nsys', …) for a hang.
 */
export function describeEnd(r: ChildEnd, tool: string): string | undefined {
  const rest = describeLeftovers(r);
  const main = describeMain(r, tool);
  return main && rest ? `${main} ${rest}` : (main ?? rest);
}

function describeLeftovers(r: ChildEnd): string | undefined {
  if (!r.leftovers) return undefined;
  return `${r.leftovers} process${r.leftovers === 1 ? '' : 'es'} the program started ${r.leftovers === 1 ? 'was' : 'were'} still running after it ended, holding its output; flamelens stopped ${r.leftovers === 1 ? 'it' : 'them'}.`;
}

function describeMain(r: ChildEnd, tool: string): string | undefined {
  if (r.hung)
    return `${tool} was still running ${Math.round((r.hungAfterMs ?? 0) / 1000)} s after the profiled program ended, so flamelens stopped it; what it had recorded is kept.`;
  if (r.cancelled) return undefined;
  if (r.signal)
    return `The program was ended by ${r.signal}${SIGNAL_MEANING[r.signal] && SIGNAL_MEANING[r.signal] !== r.signal ? ` (${SIGNAL_MEANING[r.signal]})` : ''}; what was recorded until then is kept.`;
  if (r.exitCode) return `The program exited with code ${r.exitCode}; what was recorded until then is kept.`;
  return undefined;
}

/** What to do when a tool cannot be started, in the words of the front end (model/knobs). */
export function missingFix(tool: ChildTool): string {
  switch (tool) {
    case 'py-spy':
      return `Install it with \`pip install py-spy\` (or set ${knob('pyspy')}).`;
    case 'builtin':
      return `Check ${knob('python')}.`;
    case 'nsys':
      return `Install Nsight Systems (it comes with the CUDA toolkit) or set ${knob('nsys')}.`;
    case 'ncu':
      return `Install Nsight Compute (it comes with the CUDA toolkit) or set ${knob('ncu')}.`;
  }
}

/**
 * Runs a profiler or launcher in its own process group, PYTHONUNBUFFERED=1, output streamed
 * line by line; on abort, SIGINT to the tree (the samplers and the launcher write what they
 * have), SIGKILL of what is left after the grace period.
 */
export async function runChild<S extends ChildTool>(exe: string, args: string[], o: ChildOptions<S>, sampler: S) {
  const token = newRunToken();
  const env = { ...(o.env ?? process.env), PYTHONUNBUFFERED: '1', [RUN_TOKEN_VAR]: token };
  const child = execa(exe, args, {
    cwd: o.cwd,
    env,
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  const command = [exe, ...args];
  let cancelled = false;
  let stderrTail = '';
  const open = new Set<string>();
  const pump = (stream: NodeJS.ReadableStream | null | undefined, name: 'stdout' | 'stderr') => {
    if (!stream) return;
    open.add(name);
    stream.on('close', () => open.delete(name));
    const lines = new LineSplitter((line, end) => {
      if (name === 'stderr') stderrTail = (stderrTail + line + end).slice(-4000);
      o.onOutput?.(line, name, end);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => lines.push(chunk));
    stream.on('end', () => {
      open.delete(name);
      lines.end();
    });
  };
  pump(child.stdout, 'stdout');
  pump(child.stderr, 'stderr');
  if (child.pid !== undefined) o.onStart?.({ pid: child.pid, sampler, command });

  let killTimer: NodeJS.Timeout | undefined;
  let tree: Promise<number[]> = Promise.resolve([]);
  let stopping = false;
  let hung = false;
  const stop = () => {
    if (stopping || child.pid === undefined) return;
    stopping = true;
    const pid = child.pid;
    tree = snapshotTree(pid);
    // Ask the sampler to stop and write; then end everything that is left.
    void signalProcessTree(pid, 'SIGINT');
    // Whatever the run started that left its group may still hold its output pipes: that ends too.
    killTimer = setTimeout(() => void tree.then((pids) => killRunTree(pid, token, pids)), o.graceMs ?? 5000);
  };
  const onAbort = () => {
    if (stopping) return;
    cancelled = true;
    stop();
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });

  // A tool that outlives its program: watch the program, stop the tool when it is hung.
  let watchdog: NodeJS.Timeout | undefined;
  const watch = o.watch;
  if (watch && child.pid !== undefined && (watch.program !== 'child' || process.platform === 'linux')) {
    const toolPid = child.pid;
    let endedAt: number | undefined;
    let checking = false;
    // While a known process of the program lives, a tick costs one signal-0 and one /proc read;
    // /proc is walked for the tool's descendants only when none is known to live.
    let known: number[] = [];
    const programAlive = async (): Promise<boolean> => {
      if (watch.program !== 'child') return isAlive(watch.program);
      known = known.filter((p) => isAlive(p));
      if (known.length === 0) known = (await linuxDescendants(toolPid)).filter((p) => isAlive(p));
      return known.length > 0;
    };
    watchdog = setInterval(
      () => {
        if (checking || stopping) return;
        checking = true;
        void programAlive().then((alive) => {
          checking = false;
          // A program that ends before the first look counts as ended from then on; one that has
          // not started yet (a tool setting up) is caught only if the tool sits there past the limit.
          if (alive) {
            endedAt = undefined;
            return;
          }
          endedAt ??= Date.now();
          if (Date.now() - endedAt >= watch.stopAfterMs && !stopping) {
            hung = true;
            stop();
          }
        });
      },
      Math.min(1000, Math.max(100, watch.stopAfterMs / 4)),
    );
  }
  // Processes the program started in the background inherit its output pipes: they would keep
  // the run open after the program (and the tool) ended. A short grace for the last output,
  // then they are stopped like a cancelled run's, and the pipes closed on our side.
  let leftovers = 0;
  let afterExit: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    afterExit = setTimeout(() => {
      if (open.size === 0 || child.pid === undefined) return;
      const pid = child.pid;
      void processesWithToken(token)
        .then(async (pids) => {
          leftovers = pids.length;
          await killRunTree(pid, token, pids);
        })
        .finally(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        });
    }, o.afterExitMs ?? AFTER_EXIT_MS);
  });
  try {
    const r = await child;
    if (child.pid !== undefined && stopping) {
      // The sampler is gone; make sure nothing it started outlives it, including what left its
      // process group (those are in the snapshot taken when the run was cancelled).
      await killRunTree(
        child.pid,
        token,
        (await tree).filter((p) => p !== child.pid),
      );
    }
    if (r.failed && r.code === 'ENOENT') {
      throw new ToolError(sampler === 'builtin' ? 'python' : sampler, `Could not start ${exe}.`, missingFix(sampler));
    }
    return {
      command,
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? undefined,
      cancelled,
      hung,
      hungAfterMs: hung ? watch?.stopAfterMs : undefined,
      leftovers,
      stderrTail,
    };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    if (watchdog) clearInterval(watchdog);
    if (afterExit) clearTimeout(afterExit);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
