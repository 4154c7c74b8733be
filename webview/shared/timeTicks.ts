// Time-axis ticks that read well: at round steps (1 s, 2 s, 5 s … 1 min … 1 h …) chosen so at
// most `maxTicks` fit the window, on step boundaries, each label different from the last (a
// linear axis with second-precision labels repeated "4:54:46 PM" when ticks were closer than a
// second). Pure: no chart.js, no DOM.

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

export function timeTicks(minMs: number, maxMs: number, maxTicks = 6): { step: number; ticks: number[] } {
  if (!(maxMs > minMs) || !Number.isFinite(minMs) || !Number.isFinite(maxMs)) return { step: 1000, ticks: [] };
  const span = maxMs - minMs;
  const fits = (s: number) => Math.floor(span / (s * 1000)) + 1 <= maxTicks;
  const step = (STEPS_S.find(fits) ?? Math.ceil(span / (maxTicks - 1) / 86_400_000) * 86_400) * 1000;
  const ticks: number[] = [];
  for (let t = Math.ceil(minMs / step) * step; t <= maxMs; t += step) ticks.push(t);
  return { step, ticks };
}

/** A tick's label: seconds shown only when the step is under a minute. */
export function timeLabel(ms: number, stepMs: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return stepMs < 60_000 ? `${hm}:${two(d.getSeconds())}` : hm;
}
