// The timeline's ruler: tick steps of 1, 2 or 5 times a power of ten at least 90 px apart, and
// labels in one unit per ruler that tell every tick apart, short however far into the trace.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDuration, tickLabel, tickStep } from '../../webview/shared/timeline/timeAxis';
import { mulberry32 } from '../bench/synthetic';

const UNIT = { ns: 1e-3, µs: 1, ms: 1000, s: 1e6 } as const;

/** The labels of a ruler over [t0, t1] at `px` pixels, as the timeline draws them. */
function ruler(t0: number, t1: number, px: number): { step: number; ticks: number[]; labels: string[] } {
  const step = tickStep(t1 - t0, px);
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { step, ticks, labels: ticks.map((t) => tickLabel(t, step, Math.max(Math.abs(t0), Math.abs(t1)))) };
}

test('tick steps are 1, 2 or 5 times a power of ten, at least 90 px apart and less than 3 times that', () => {
  const rnd = mulberry32(3);
  for (let k = 0; k < 2000; k++) {
    const span = 10 ** (rnd() * 14 - 3);
    const px = 200 + Math.floor(rnd() * 3000);
    const step = tickStep(span, px);
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok(
      [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
      `step ${step}`,
    );
    assert.ok((step / span) * px >= 90 - 1e-6, `${step} µs over ${span} µs at ${px} px`);
    assert.ok((step / span) * px < 90 * 2.5 + 1e-6, `${step} µs over ${span} µs at ${px} px: too sparse`);
  }
});

test('labels: one unit per ruler, every tick told apart and read back within a step, at most 4 digits before the point', () => {
  const rnd = mulberry32(11);
  for (let k = 0; k < 3000; k++) {
    const t0 = rnd() < 0.2 ? 0 : 10 ** (rnd() * 11 - 2);
    const span = 10 ** (rnd() * 10 - 2);
    const { step, ticks, labels } = ruler(t0, t0 + span, 1600);
    if (ticks.length === 0) continue;
    const units = new Set(labels.map((l) => l.split(' ')[1]));
    assert.equal(units.size, 1, `one unit: ${labels.join(', ')}`);
    assert.equal(new Set(labels).size, labels.length, `ticks told apart: ${labels.join(', ')}`);
    labels.forEach((l, i) => {
      const [num, unit] = l.split(' ');
      const back = Number(num) * UNIT[unit as keyof typeof UNIT];
      assert.ok(Math.abs(back - ticks[i]) <= step / 2, `${l} for ${ticks[i]} µs (step ${step})`);
      // Digits before the point: at most 4, unless the step itself is in seconds.
      if (unit !== 's') assert.ok(num.split('.')[0].replace('-', '').length <= 4, `${l}: short`);
    });
  }
});

test('labels read as people read them: early ticks in the step’s unit, late ones in seconds', () => {
  assert.deepEqual(ruler(700, 1150, 1200).labels.slice(0, 3), ['700 µs', '750 µs', '800 µs']);
  assert.deepEqual(ruler(11_820_000, 11_823_000, 1600).labels.slice(0, 3), ['11.8200 s', '11.8202 s', '11.8204 s']);
  assert.deepEqual(ruler(0, 40_000, 1600).labels.slice(0, 3), ['0 ms', '5 ms', '10 ms']);
  assert.equal(tickLabel(0.5, 0.1, 2), '500 ns');
});

test('durations: "850 ns", "12.5 µs", "3.20 ms", "1.25 s"', () => {
  assert.equal(formatDuration(0.85), '850 ns');
  assert.equal(formatDuration(12.5), '12.5 µs');
  assert.equal(formatDuration(3200), '3.20 ms');
  assert.equal(formatDuration(1_250_000), '1.25 s');
  assert.equal(formatDuration(0), '0');
});
