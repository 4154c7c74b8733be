// Line charts over time (chart.js), shared by the GPU dashboard and the cluster view: one
// colour per GPU, the theme's foreground for text, a note instead of a blank plot.
import { Chart, LineController, LineElement, PointElement, LinearScale, Tooltip, Legend } from 'chart.js';
import { el } from './dom';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
const fg = () => getComputedStyle(document.body).getPropertyValue('--vscode-foreground') || '#ccc';

export function lineChart(
  parent: HTMLElement,
  title: string,
  unit: string,
  max: number | undefined,
): Chart<'line', { x: number; y: number }[]> {
  const box = el('div', { class: 'gpu-chart' });
  box.append(el('h3', {}, `${title} (${unit})`));
  const wrap = el('div', { class: 'chart-wrap' });
  const canvas = el('canvas', { 'aria-label': `${title} over time` });
  wrap.append(canvas);
  box.append(wrap);
  parent.append(box);
  const c = fg();
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      scales: {
        x: {
          type: 'linear',
          ticks: { color: c, maxTicksLimit: 6, callback: (v) => new Date(Number(v)).toLocaleTimeString() },
        },
        y: { min: 0, max, ticks: { color: c } },
      },
      plugins: {
        legend: { labels: { color: c } },
        tooltip: { callbacks: { title: (items) => new Date(items[0]?.parsed.x ?? 0).toLocaleTimeString() } },
      },
    },
  });
}

/**
 * Same time axis on every chart, and a word instead of a blank plot when no GPU reports the field;
 * `waiting` marks a note that will go once the next reading arrives (rates need two readings).
 */
export function frame(
  chart: Chart<'line', { x: number; y: number }[]>,
  from: number,
  to: number,
  hasData: boolean,
  why: string,
  waiting = false,
): void {
  const x = chart.options.scales?.x;
  if (x && to > 0) {
    x.min = from;
    x.max = to;
  }
  const wrap = chart.canvas.parentElement;
  let note = wrap?.querySelector<HTMLElement>('.chart-empty');
  if (!hasData && wrap && !note) {
    note = el('p', { class: 'chart-empty' });
    wrap.append(note);
  }
  if (note) {
    note.textContent = hasData ? '' : why;
    note.hidden = hasData;
    note.classList.toggle('waiting', !hasData && waiting);
  }
}

export function dataset(label: string, i: number, data: { x: number; y: number }[]) {
  return {
    label,
    data,
    borderColor: palette[i % palette.length],
    backgroundColor: palette[i % palette.length],
    pointRadius: 0,
    borderWidth: 1.5,
  };
}
