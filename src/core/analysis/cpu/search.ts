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
    for (let s = 0; s < t.stacks.length; s++) {
      const w = t.weights[s];
      total += w;
      if (t.stacks[s].some((fr) => hit[fr])) matched += w;
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
