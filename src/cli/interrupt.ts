/** Ctrl-C in the terminal: the command stops its run (keeping what was recorded) instead of dying. */
export function onInterrupt(stop: () => void, signals: NodeJS.Signals[] = ['SIGINT']): () => void {
  for (const s of signals) process.on(s, stop);
  return () => {
    for (const s of signals) process.off(s, stop);
  };
}
