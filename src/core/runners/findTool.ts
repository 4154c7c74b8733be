import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';

/** Finds an executable by explicit path or on PATH (with PATHEXT on Windows). */
export async function findExecutable(
  name: string,
  configured?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (configured && configured.trim()) {
    const p = configured.trim();
    if (p.includes('/') || p.includes('\\')) return (await isExecutable(p)) ? p : undefined;
    name = p;
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    await fs.access(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A tool that is missing or cannot run; the message carries the fix. */
export class ToolError extends Error {
  constructor(
    readonly tool: string,
    message: string,
    readonly fix: string,
  ) {
    super(`${message} ${fix}`.trim());
    this.name = 'ToolError';
  }
}

/**
 * The script a launch runs, checked before anything starts: a missing one is a ToolError of one
 * line, as Python itself says it, instead of a traceback from inside the sampler or the launcher.
 */
export async function checkScript(python: string, script: string, cwd: string, module = false): Promise<void> {
  if (module) return;
  const file = path.resolve(cwd, script);
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new ToolError('python', `${python}: can't open file '${file}': no such file`, '');
  if (!st.isFile()) throw new ToolError('python', `${python}: can't open file '${file}': not a regular file`, '');
}
