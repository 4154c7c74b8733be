// What every chart.js chart of the views shares: the theme's colours for text and grid lines
// (set once as chart.js defaults, re-read when the theme changes), one colour per GPU index in
// every view, series after the first dashed so none hides another, no animation, and tick labels
// that read: durations with a unit that fits the span, bytes in binary units, log axes at 1, 2
// and 5 of each decade.
import { Chart } from 'chart.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

/** The colour of GPU `index` (or of the i-th series), the same in every view. */
export const seriesColor = (index: number): string =>
  PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];

/** The same colour, translucent (a fill under its line). */
export const seriesFill = (index: number): string => `${seriesColor(index)}26`;

/** Dashes for the series after the first one of a chart. */
export const dashFor = (order: number): number[] => (order > 0 ? [6, 3] : []);

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The theme's text colour (the foreground). */
export const foreground = (): string => cssVar('--vscode-foreground', '#333');

/** Sets chart.js' defaults from the theme: text, grid lines, font; no animation. */
export function applyChartTheme(): void {
  Chart.defaults.color = foreground();
  Chart.defaults.borderColor = cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', '#8884'));
  Chart.defaults.font.family = cssVar('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
}

/** Log-axis labels at 1, 2 and 5 of each decade only, in plain short numbers (0.01, 2, 500, 10k). */
export function logTick(value: number | string): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const lead = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  if (![1, 2, 5].some((d) => Math.abs(lead - d) < 1e-6)) return '';
  if (v >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (v >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** A tick of milliseconds: as many decimals as the axis' step needs, at most three. */
export function msTick(value: number | string, step: number): string {
  const v = Number(value);
  // The decimals of the step itself (0.25 → 2, 0.025 → 3), at most three.
  let decimals = 0;
  while (decimals < 3 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A tick of bytes in binary units (MiB, GiB), one unit for the whole axis. */
export function bytesTick(value: number | string, max: number): string {
  const v = Number(value);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (u < units.length - 1 && max >= 1024 ** (u + 1)) u++;
  const x = v / 1024 ** u;
  return `${Number(x.toPrecision(3))} ${units[u]}`;
}

// Re-read the theme when VS Code changes it (it changes the body's class).
if (typeof document !== 'undefined' && typeof MutationObserver !== 'undefined') {
  applyChartTheme();
  new MutationObserver(() => {
    applyChartTheme();
    for (const c of Object.values(Chart.instances)) c.update('none');
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
