// Line charts over time (chart.js), shared by the GPU dashboard and the cluster view: one
// colour per GPU (by its index, the same in every view), the theme's foreground for text, time
// ticks at round steps with no label twice, series after the first dashed so a line drawn over
// another stays visible, and a note instead of a blank plot.
import { Chart, LineController, LineElement, PointElement, LinearScale, Tooltip, Legend } from 'chart.js';
import { dashFor, seriesColor } from './chartKit';
import { el } from './dom';
import { timeLabel, timeTicks } from './timeTicks';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

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
  let step = 1000;
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
          afterBuildTicks: (axis) => {
            const t = timeTicks(axis.min, axis.max, 6);
            step = t.step;
            if (t.ticks.length) axis.ticks = t.ticks.map((value) => ({ value }));
          },
          ticks: { autoSkip: false, callback: (v) => timeLabel(Number(v), step) },
        },
        y: { min: 0, max, ticks: {} },
      },
      plugins: {
        legend: { labels: {} },
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

export { seriesColor };

/**
 * One series: `color` picks its colour (a GPU's index), `order` its place among the chart's
 * series (after the first, dashed).
 */
export function dataset(label: string, color: number, data: { x: number; y: number }[], order = color) {
  return {
    label,
    data,
    borderColor: seriesColor(color),
    backgroundColor: seriesColor(color),
    pointRadius: 0,
    borderWidth: 1.5,
    borderDash: dashFor(order),
    fill: false,
  };
}
