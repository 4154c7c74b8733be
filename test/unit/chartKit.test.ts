// The charts' shared tick labels and colours: log axes at 1, 2 and 5 of each decade in short
// numbers, milliseconds with the decimals the step needs, bytes in one binary unit per axis.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bytesTick, dashFor, logTick, msTick, seriesColor } from '../../webview/shared/chartKit';

test('log ticks: 1, 2 and 5 of each decade, short, never three decimals', () => {
  const shown = [0.01, 0.02, 0.03, 0.05, 0.1, 0.3, 1, 2, 4, 5, 10, 20, 50, 500, 1000, 2000, 5e4, 1e6, 2.5e6, 5e6].map(
    logTick,
  );
  assert.deepEqual(shown, [
    '0.01',
    '0.02',
    '',
    '0.05',
    '0.1',
    '',
    '1',
    '2',
    '',
    '5',
    '10',
    '20',
    '50',
    '500',
    '1k',
    '2k',
    '50k',
    '1M',
    '',
    '5M',
  ]);
  assert.equal(logTick(0), '');
  // Floating-point neighbours of a decade still count as it.
  assert.equal(logTick(0.1 + 0.2 - 0.2), '0.1');
});

test('millisecond ticks carry as many decimals as the step needs, all alike', () => {
  assert.deepEqual(
    [0, 0.5, 1, 1.5].map((v) => msTick(v, 0.5)),
    ['0.0', '0.5', '1.0', '1.5'],
  );
  assert.deepEqual(
    [0, 200, 1200].map((v) => msTick(v, 200)),
    ['0', '200', '1,200'],
  );
  assert.equal(msTick(0.125, 0.025), '0.125');
});

test('byte ticks use one binary unit for the axis, chosen by its maximum', () => {
  assert.deepEqual(
    [0, 512 * 2 ** 20, 2 ** 30].map((v) => bytesTick(v, 13 * 2 ** 30)),
    ['0 GiB', '0.5 GiB', '1 GiB'],
  );
  assert.equal(bytesTick(3 * 2 ** 20, 40 * 2 ** 20), '3 MiB');
});

test('a GPU keeps its colour by index; later series are dashed', () => {
  assert.equal(seriesColor(1), seriesColor(9));
  assert.notEqual(seriesColor(0), seriesColor(1));
  assert.equal(seriesColor(-1), seriesColor(7));
  assert.deepEqual(dashFor(0), []);
  assert.ok(dashFor(1).length > 0);
});
