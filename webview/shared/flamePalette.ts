// The flame graphs' colours: the warm palette by function name, native and merged frames, search
// matches and the differential graph's red and blue, each kept at WCAG AA (4.5) or better for
// the dark label drawn on every frame (the unit tests check every colour).
/** Text on every frame; the palettes below keep at least WCAG AA contrast (4.5) against it. */
export const LABEL_COLOR = '#111111';

/** A value in [0, 1) from a name, so one function keeps its colour across views and runs. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The classic warm flame graph palette (red to yellow), kept light enough for dark labels. */
export function warmColor(name: string): string {
  const v = nameHash(name);
  const r = 215 + Math.round(40 * v);
  const g = 90 + Math.round(130 * v);
  const b = 30 + Math.round(40 * v);
  return `rgb(${r},${g},${b})`;
}

/** Search matches (violet: contrast 8 with the label, and no function's own colour). */
export const HIGHLIGHT = 'rgb(238,130,238)';
/** Native (C/C++) frames and the merged "narrower than a pixel" frames. */
export const NATIVE = 'rgb(127,167,216)';
export const MERGED = 'rgb(158,158,158)';

/**
 * The differential graph: red for frames whose share grew, blue for shrank, saturation by the
 * size of the change (full at 10 points). The darkest blue, rgb(120,120,255), still gives the
 * dark label a contrast of 5.3.
 */
export function diffColor(delta: number): string {
  const t = Math.min(1, Math.abs(delta) / 10);
  if (Math.abs(delta) < 0.05) return 'rgb(200,200,200)';
  const light = Math.round(225 - 105 * t);
  return delta > 0 ? `rgb(255,${light},${light})` : `rgb(${light},${light},255)`;
}
