// The time axis of the timeline: tick steps at 1, 2 and 5 of a power of ten so that ticks sit
// at least `minPx` apart, and durations and offsets in the unit that reads best (ns, µs, ms, s).
// Pure: no DOM.

/** The tick step (µs) for a window of `spanUs` over `px` pixels. */
export function tickStep(spanUs: number, px: number, minPx = 90): number {
  if (!(spanUs > 0) || !(px > 0)) return 1;
  const want = (spanUs / px) * minPx;
  const p = 10 ** Math.floor(Math.log10(want));
  for (const m of [1, 2, 5, 10]) if (m * p >= want) return m * p;
  return 10 * p;
}

/** A duration in µs as people read it: "850 ns", "12.5 µs", "3.20 ms", "1.25 s". */
export function formatDuration(us: number): string {
  const a = Math.abs(us);
  const f = (v: number, unit: string) => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
  if (a === 0) return '0';
  if (a < 1) return f(us * 1000, 'ns');
  if (a < 1000) return f(us, 'µs');
  if (a < 1e6) return f(us / 1000, 'ms');
  return f(us / 1e6, 's');
}

/**
 * A tick's label: an offset from the trace's start, in one unit for the whole ruler (`maxUs`: the
 * largest offset it shows) and with as many decimals as the step needs. The unit is the step's
 * unless that takes more than four digits before the point: 11.8 s into a trace, at 200 µs a
 * tick, reads "11.8202 s", not "11820200 µs".
 */
export function tickLabel(us: number, stepUs: number, maxUs = Math.abs(us)): string {
  const units: [number, string][] = [
    [1e-3, 'ns'],
    [1, 'µs'],
    [1000, 'ms'],
    [1e6, 's'],
  ];
  let u = stepUs >= 1e6 ? 3 : stepUs >= 1000 ? 2 : stepUs >= 1 ? 1 : 0;
  while (u < 3 && Math.abs(maxUs) / units[u][0] >= 1e4) u++;
  const [div, unit] = units[u];
  const decimals = Math.max(0, Math.min(9, -Math.floor(Math.log10(stepUs / div) + 1e-9)));
  return `${(us / div).toFixed(decimals)} ${unit}`;
}
