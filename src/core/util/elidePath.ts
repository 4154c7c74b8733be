/**
 * A path (or `path:line`) shortened in the middle to about `max` characters: the file name and
 * line are always kept whole, the start of the path as far as it fits, an ellipsis between
 * (`/root/.pyenv/versions…/threading.py:331`). Shorter text is returned as it is.
 */
export function elidePath(text: string, max = 48): string {
  if (text.length <= max) return text;
  const cut = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\'));
  if (cut <= 0) return text;
  const tail = text.slice(cut);
  const room = max - tail.length - 1;
  return room >= 4 ? `${text.slice(0, room)}…${tail}` : `…${tail}`;
}
