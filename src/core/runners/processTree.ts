/**
 * Ending a whole process tree. Children are started in their own process group (POSIX), so
 * one signal reaches the profiler, the profiled program and whatever that started; on Linux we
 * also walk /proc for descendants that left the group (setsid, daemons).
 */
import { promises as fs, readFileSync } from 'node:fs';
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
  await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
    try {
      const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(e));
      else children.set(ppid, [Number(e)]);
    } catch {
      // The process ended while we looked.
    }
  }));
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

/** Whether a process is still running (a zombie waiting to be reaped counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  return true;
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
  await Promise.all(pids.map(async (p) => {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(await fs.readFile(`/proc/${p}/status`, 'utf8'));
      if (m) {
        kib += Number(m[1]);
        seen = true;
      }
    } catch {
      // Ended meanwhile.
    }
  }));
  return seen ? kib / 1024 : undefined;
}
