import { execa } from 'execa';
import { ToolError } from './findTool';
import { killRun, newRunToken, RUN_TOKEN_VAR, signalProcessTree, signalPids, snapshotTree } from './processTree';

export type ChildTool = 'py-spy' | 'builtin' | 'nsys' | 'ncu';

export interface ChildOptions<S extends ChildTool = 'py-spy' | 'builtin'> {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  onStart?: (info: { pid: number; sampler: S; command: string[] }) => void;
  graceMs?: number;
}

/** What to do when a tool cannot be started. */
export const MISSING_FIX: Record<ChildTool, string> = {
  'py-spy': 'Install it with `pip install py-spy` (or set flamelens.pyspy.path).',
  builtin: 'Check flamelens.python.path.',
  nsys: 'Install Nsight Systems (it comes with the CUDA toolkit) or set flamelens.nsys.path.',
  ncu: 'Install Nsight Compute (it comes with the CUDA toolkit) or set flamelens.ncu.path.',
};

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
  const pump = (stream: NodeJS.ReadableStream | null | undefined, name: 'stdout' | 'stderr') => {
    if (!stream) return;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (name === 'stderr') stderrTail = (stderrTail + line + '\n').slice(-4000);
        o.onOutput?.(line, name);
      }
    });
    stream.on('end', () => {
      if (pending) {
        if (name === 'stderr') stderrTail = (stderrTail + pending).slice(-4000);
        o.onOutput?.(pending, name);
      }
    });
  };
  pump(child.stdout, 'stdout');
  pump(child.stderr, 'stderr');
  if (child.pid !== undefined) o.onStart?.({ pid: child.pid, sampler, command });

  let killTimer: NodeJS.Timeout | undefined;
  let tree: Promise<number[]> = Promise.resolve([]);
  const onAbort = () => {
    if (cancelled || child.pid === undefined) return;
    cancelled = true;
    const pid = child.pid;
    tree = snapshotTree(pid);
    // Ask the sampler to stop and write; then end everything that is left.
    void signalProcessTree(pid, 'SIGINT');
    killTimer = setTimeout(() => {
      void signalProcessTree(pid, 'SIGKILL');
      void tree.then((pids) => signalPids(pids, 'SIGKILL'));
      // Whatever the run started that left its group still holds its output pipes: end it too.
      void killRun(token);
    }, o.graceMs ?? 5000);
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    if (child.pid !== undefined && cancelled) {
      // The sampler is gone; make sure nothing it started outlives it, including what left its
      // process group (those are in the snapshot taken when the run was cancelled).
      await signalProcessTree(child.pid, 'SIGKILL');
      signalPids((await tree).filter((p) => p !== child.pid), 'SIGKILL');
      await killRun(token);
    }
    if (r.failed && r.code === 'ENOENT') {
      throw new ToolError(sampler === 'builtin' ? 'python' : sampler, `Could not start ${exe}.`, MISSING_FIX[sampler]);
    }
    return { command, exitCode: r.exitCode ?? null, signal: r.signal ?? undefined, cancelled, stderrTail };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

