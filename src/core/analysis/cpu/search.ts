import { selectedThreads, type Profile, type ThreadFilter } from '../../model/profile';

export interface SearchResult {
  term: string;
  matchedFrames: number;
  /** Weight of samples with at least one matching frame (each sample counted once). */
  matched: number;
  total: number;
  pct: number;
}

/** Case-insensitive substring search over frame names and files; the matched share is exact. */
export function searchProfile(profile: Profile, term: string, threads?: ThreadFilter): SearchResult {
  const needle = term.toLowerCase();
  const hit = profile.frames.map(
    (f) =>
      needle.length > 0 && (f.name.toLowerCase().includes(needle) || (f.file ?? '').toLowerCase().includes(needle)),
  );
  let matched = 0;
  let total = 0;
  for (const t of selectedThreads(profile, threads)) {
    // A path matches when its own frame or any frame above it does (parents come first).
    const on = new Uint8Array(t.frame.length);
    for (let n = 0; n < on.length; n++) {
      if (n > 0) on[n] = hit[t.frame[n]] || on[t.parent[n]] ? 1 : 0;
      total += t.weights[n];
      if (on[n]) matched += t.weights[n];
    }
  }
  return {
    term,
    matchedFrames: hit.filter(Boolean).length,
    matched,
    total,
    pct: total > 0 ? (100 * matched) / total : 0,
  };
}
