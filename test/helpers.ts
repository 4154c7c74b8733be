// What the TypeScript tests share: the places of paths.mjs (the one definition, also used by the
// end-to-end tests), the real fixtures several suites read, and a fresh build of the CLI.
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { ROOT, REAL, HANDMADE, EXAMPLES, MEDIA } from './harness/paths.mjs';

export { ROOT, REAL, HANDMADE, EXAMPLES };
export const PYSPY_SPEEDSCOPE = path.join(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json');
export const BUILTIN_FOLDED = path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded');
export const SAMPLER = path.join(MEDIA, 'flamelens_sampler.py');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export function read(p: string): string {
  return readFileSync(p, 'utf8');
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds dist/ (the CLI and the webview bundles) when any source is newer than it, so a test of
 * the built CLI never runs against a stale build.
 */
export function ensureBuilt(): void {
  const built = (() => {
    try {
      return Math.min(statSync(CLI).mtimeMs, statSync(path.join(ROOT, 'dist', 'webview', 'flamegraph.js')).mtimeMs);
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(
    newest(path.join(ROOT, 'src')),
    newest(path.join(ROOT, 'webview')),
    newest(path.join(ROOT, 'media')),
  );
  if (sources > built)
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
