/**
 * A pattern tested on names that repeat (a million kernel launches or runtime calls of a few
 * hundred names): each distinct name is tested once and the answer kept (up to 100,000 names).
 */
export function matcherByName(pattern: RegExp): (name: string) => boolean {
  const seen = new Map<string, boolean>();
  return (name) => {
    let is = seen.get(name);
    if (is === undefined) {
      is = pattern.test(name);
      if (seen.size < 100_000) seen.set(name, is);
    }
    return is;
  };
}
