/**
 * Paths that are not regular files, given to every command that reads one: a named pipe, a
 * folder, a socket, a character device. Each must be refused at once (no open() that blocks
 * forever on a FIFO) with a message naming the path; never a hang or a bare system error.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './scaling';

export async function specialFileFindings(): Promise<{ checked: number; findings: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-special-'));
  const findings: string[] = [];
  let checked = 0;
  const server = createServer();
  try {
    const fifo = path.join(dir, 'pipe.folded');
    execFileSync('mkfifo', [fifo]);
    const folder = path.join(dir, 'folder.folded');
    mkdirSync(folder);
    const sock = path.join(dir, 'socket.folded');
    await new Promise<void>((r) => server.listen(sock, r));
    const paths = [fifo, folder, sock, '/dev/zero', '/dev/null'];
    const commands = [
      ['analyze'],
      ['diff'],
      ['report', '-o', path.join(dir, 'r.html')],
      ['export', '--format', 'collapsed', '-o', '-'],
    ];
    for (const p of paths) {
      for (const cmd of commands) {
        const args = cmd[0] === 'diff' ? ['diff', p, p] : [cmd[0], p, ...cmd.slice(1)];
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
        checked++;
        if (r.error) findings.push(`${args.join(' ')}: did not end (${r.error.message})`);
        else if (r.status === 0) findings.push(`${args.join(' ')}: read it`);
        else if (!r.stderr.includes(p))
          findings.push(`${args.join(' ')}: the message does not name it: ${r.stderr.trim().slice(0, 300)}`);
        else if (/EISDIR|EINVAL|ENXIO|illegal operation/.test(r.stderr))
          findings.push(`${args.join(' ')}: a bare system error: ${r.stderr.trim()}`);
      }
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { checked, findings };
}
