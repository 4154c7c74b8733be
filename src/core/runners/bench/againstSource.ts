/**
 * The baseline of `bench --against REF`: a folder laid out like the workspace, or a git ref whose
 * tracked files are extracted (`git archive | tar -x`) into a temporary folder, removed afterwards.
 * The repository, its index and its worktrees are never touched. Untracked files (data, models)
 * are not in an extracted ref.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import type { AgainstSide } from './benchRunner';

export class AgainstError extends Error {}

export interface PreparedAgainst {
  side: AgainstSide;
  /** Removes what was extracted (nothing for a folder). */
  dispose(): Promise<void>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new AgainstError((r.stderr || r.stdout || `git ${args[0]} failed`).trim().split('\n')[0]);
  return r.stdout.trim();
}

/** `root` is the folder of flamelens.bench.json; the baseline tree gets the same place inside its own copy. */
export async function prepareAgainst(root: string, ref: string): Promise<PreparedAgainst> {
  const asFolder = path.resolve(root, ref);
  const stat = await fs.stat(asFolder).catch(() => undefined);
  if (stat?.isDirectory())
    return { side: { kind: 'folder', label: ref, root: asFolder }, dispose: async () => undefined };
  let top: string;
  let commit: string;
  let prefix: string;
  try {
    top = await git(root, ['rev-parse', '--show-toplevel']);
    commit = await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(() => {
      throw new AgainstError(`"${ref}" is neither a folder nor a commit of the repository at ${top}`);
    });
    prefix = await git(root, ['rev-parse', '--show-prefix']);
  } catch (e) {
    if (e instanceof AgainstError && /not a git repository/i.test(e.message))
      throw new AgainstError(`"${ref}" is not a folder, and ${root} is not in a git repository`);
    throw e;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flamelens-against-'));
  const dispose = () => fs.rm(dir, { recursive: true, force: true });
  try {
    // Through a file, not a pipe between two children: a pipe handed from one to the other can
    // end before the second has taken it, and then nothing is left to wait on.
    const tar = path.join(dir, '.flamelens-against.tar');
    const src = path.join(dir, 'tree');
    await fs.mkdir(src);
    const a = await execa('git', ['archive', '--format=tar', '-o', tar, commit], {
      cwd: top,
      stdin: 'ignore',
      reject: false,
    });
    const t =
      a.exitCode === 0
        ? await execa('tar', ['-x', '-f', tar, '-C', src], { stdin: 'ignore', reject: false })
        : undefined;
    await fs.rm(tar, { force: true });
    if (a.exitCode !== 0 || t?.exitCode !== 0)
      throw new AgainstError(
        `could not extract ${ref} (${commit.slice(0, 8)}): ${String(a.stderr || t?.stderr).trim() || 'git archive | tar failed'}`,
      );
  } catch (e) {
    await dispose();
    throw e;
  }
  return { side: { kind: 'git', label: ref, commit, root: path.join(dir, 'tree', prefix) }, dispose };
}
