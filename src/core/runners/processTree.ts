/**
 * Ending a whole process tree. Children are started in their own process group (POSIX), so
 * one signal reaches the profiler, the profiled program and whatever that started; on Linux we
 * also walk /proc for descendants that left the group (setsid, daemons).
 */
import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';

/** Descendants of a process on Linux (from /proc), or [] elsewhere. */
export async function linuxDescendants(root: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          const list = children.get(ppid);
          if (list) list.push(Number(e));
          else children.set(ppid, [Number(e)]);
        } catch {
          // The process ended while we looked.
        }
      }),
  );
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.pop()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Sends `signal` to the tree rooted at `pid` (its process group and every descendant). */
export async function signalProcessTree(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (process.platform === 'win32') {
    await new Promise<void>((resolve) => {
      execFile('taskkill', ['/pid', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])], () => resolve());
    });
    return;
  }
  const descendants = process.platform === 'linux' ? await linuxDescendants(pid) : [];
  trySignal(-pid, signal);
  for (const d of descendants) trySignal(d, signal);
  trySignal(pid, signal);
}

/**
 * The tree rooted at `pid` as it is now (itself and its descendants). Taken when a run is
 * cancelled: once the root has exited, processes that left its group (their own session) are
 * no longer its descendants in /proc, so they are ended from this list.
 */
export async function snapshotTree(pid: number): Promise<number[]> {
  return process.platform === 'linux' ? [pid, ...(await linuxDescendants(pid))] : [pid];
}

export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const p of pids) trySignal(p, signal);
}

/** The environment variable that marks every process of one run (inherited by descendants). */
export const RUN_TOKEN_VAR = 'FLAMELENS_RUN_TOKEN';

export function newRunToken(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * Processes (Linux: from /proc/<pid>/environ) that carry `token` in RUN_TOKEN_VAR: every process a
 * run started, also those that left its process group and its parent (setsid, daemons), unless
 * they cleared their environment.
 */
export async function processesWithToken(token: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${RUN_TOKEN_VAR}=${token}\0`);
  const out: number[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return [];
  }
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        try {
          const env = await fs.readFile(`/proc/${e}/environ`);
          if (env.includes(needle)) out.push(Number(e));
        } catch {
          // gone, or not ours to read
        }
      }),
  );
  return out;
}

/** SIGKILL to every process of a run (by its token), a few times while it may still be starting some. */
export async function killRun(token: string, rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const pids = await processesWithToken(token);
    if (pids.length === 0 && i > 0) return;
    signalPids(pids, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends everything of one run with SIGKILL: the tree rooted at `pid` (its group and descendants),
 * the processes of `snapshot` (taken earlier: those that have left the tree since), and whatever
 * carries the run's token.
 */
export async function killRunTree(pid: number, token: string, snapshot: readonly number[] = []): Promise<void> {
  await signalProcessTree(pid, 'SIGKILL');
  signalPids(snapshot, 'SIGKILL');
  await killRun(token);
}

/**
 * Resident memory of a process and its descendants in MiB (Linux, from /proc/PID/status), or
 * undefined where /proc is not there or the process has ended.
 */
export async function processTreeRssMiB(root: number): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const pids = [root, ...(await linuxDescendants(root))];
  let kib = 0;
  let seen = false;
  await Promise.all(
    pids.map(async (p) => {
      try {
        const m = /^VmRSS:\s+(\d+) kB/m.exec(await fs.readFile(`/proc/${p}/status`, 'utf8'));
        if (m) {
          kib += Number(m[1]);
          seen = true;
        }
      } catch {
        // Ended meanwhile.
      }
    }),
  );
  return seen ? kib / 1024 : undefined;
}
