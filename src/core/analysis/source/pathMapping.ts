/**
 * Maps file paths recorded in a profile to files in the workspace, also when the profile was
 * recorded on another machine, in a container, or with paths shortened by the profiler
 * (py-spy writes paths relative to sys.path entries, e.g. `mypkg/model.py`).
 */
export function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/\/+/g, '/');
}

const LIBRARY_PATH = /(site-packages|dist-packages|\/lib\/python\d|\/lib64\/python\d|\/Lib\/)/;

export class WorkspacePathMapper {
  private readonly byBase = new Map<string, string[]>();
  private readonly cache = new Map<string, string | undefined>();

  /** `files`: absolute paths of the workspace's candidate files (normalised internally). */
  constructor(
    files: readonly string[],
    private readonly roots: readonly string[] = [],
  ) {
    for (const f of files) {
      const n = normalisePath(f);
      const base = n.slice(n.lastIndexOf('/') + 1);
      const list = this.byBase.get(base);
      if (list) list.push(n);
      else this.byBase.set(base, [n]);
    }
  }

  /** The workspace file a recorded path refers to, or undefined when none matches. */
  map(recorded: string): string | undefined {
    if (this.cache.has(recorded)) return this.cache.get(recorded);
    const result = this.resolve(recorded);
    this.cache.set(recorded, result);
    return result;
  }

  private resolve(recorded: string): string | undefined {
    if (!recorded || recorded.startsWith('<')) return undefined;
    const n = normalisePath(recorded);
    const base = n.slice(n.lastIndexOf('/') + 1);
    const candidates = this.byBase.get(base);
    if (!candidates) return undefined;
    if (candidates.includes(n)) return n;
    // Relative to a workspace root?
    for (const root of this.roots) {
      const joined = normalisePath(`${root}/${n.replace(/^\.\//, '')}`);
      if (candidates.includes(joined)) return joined;
    }
    // Longest common suffix of path segments wins; ties go to the shortest path.
    const segs = n.split('/').filter((s) => s && s !== '.');
    let best: string | undefined;
    let bestLen = 0;
    for (const c of candidates) {
      const cs = c.split('/');
      let k = 0;
      while (k < segs.length && k < cs.length && segs[segs.length - 1 - k] === cs[cs.length - 1 - k]) k++;
      if (k > bestLen || (k === bestLen && best !== undefined && c.length < best.length)) {
        best = c;
        bestLen = k;
      }
    }
    // A bare file name matching several files is ambiguous: only accept it when unique.
    if (bestLen === 1 && (candidates.length > 1 || LIBRARY_PATH.test(n))) return undefined;
    return best;
  }
}
