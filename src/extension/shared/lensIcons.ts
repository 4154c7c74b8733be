/**
 * CodeLens titles with VS Code's codicons in place of the core's text markers: a regression
 * `$(arrow-up)`, an improvement `$(arrow-down)`, inconclusive `$(question)`, a change within the
 * threshold `$(dash)`. The core keeps its plain markers (the CLI prints them); the title's text is
 * already `plainText`, so only this prefix can become an icon.
 */
const ICONS: [string, string][] = [
  ['▲ ', 'arrow-up'],
  ['▼ ', 'arrow-down'],
  ['? ', 'question'],
  ['≈ ', 'dash'],
];

export function withCodicon(title: string): string {
  for (const [marker, icon] of ICONS) if (title.startsWith(marker)) return `$(${icon}) ${title.slice(marker.length)}`;
  return title;
}
