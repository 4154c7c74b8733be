import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';

export interface ProcessInfo {
  pid: number;
  command: string;
}

const PYTHON = /(^|[/\\])(python[\d.]*|pythonw?|py)(\.exe)?(\s|$)/i;

/** Running Python processes (not this one), for "Attach to Python Process…". */
export async function listPythonProcesses(): Promise<ProcessInfo[]> {
  const all = process.platform === 'linux' ? await fromProc() : await fromPs();
  return all.filter((p) => p.pid !== process.pid && PYTHON.test(p.command)).sort((a, b) => b.pid - a.pid);
}

async function fromProc(): Promise<ProcessInfo[]> {
  const entries = await fs.readdir('/proc');
  const out: ProcessInfo[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const raw = await fs.readFile(`/proc/${e}/cmdline`, 'utf8');
          const command = raw.split('\0').filter(Boolean).join(' ');
          if (command) out.push({ pid: Number(e), command });
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return out;
}

async function fromPs(): Promise<ProcessInfo[]> {
  if (process.platform === 'win32') {
    const text = await new Promise<string>((resolve) =>
      execFile('wmic', ['process', 'get', 'ProcessId,CommandLine', '/format:csv'], { timeout: 10_000 }, (_e, out) =>
        resolve(out ?? ''),
      ),
    );
    return text
      .split(/\r?\n/)
      .slice(1)
      .map((l) => {
        const cells = l.split(',');
        return { pid: Number(cells[cells.length - 1]), command: cells.slice(1, -1).join(',') };
      })
      .filter((p) => p.pid > 0 && p.command);
  }
  const text = await new Promise<string>((resolve) =>
    execFile('ps', ['-axo', 'pid=,args='], { timeout: 10_000, maxBuffer: 64 << 20 }, (_e, out) => resolve(out ?? '')),
  );
  return text
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ pid: Number(m[1]), command: m[2] }));
}
