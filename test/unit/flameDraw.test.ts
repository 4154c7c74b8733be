// The canvas flame graph's pure parts: frame layout, colours that keep the labels readable, and
// the packed form the view crosses postMessage in.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { ProfileSession } from '../../src/core/analysis/cpu/profileSession';
import type { FlameNode } from '../../src/core/analysis/cpu/flameView';
import { packFlameView, unpackFlameView } from '../../src/core/analysis/cpu/flameViewWire';
import {
  diffColor,
  HIGHLIGHT,
  LABEL_COLOR,
  layoutFrames,
  MERGED,
  NATIVE,
  warmColor,
  type FlameDatum,
} from '../../webview/shared/canvasFlame';
import { contrastRatio, parseRgb } from '../../webview/shared/contrast';
import { CATEGORY_COLORS, nameColor } from '../../webview/shared/timeline/timelineDraw';
import { CATEGORIES } from '../../src/core/analysis/timeline/timelineIndex';
import { BUILTIN_FOLDED, read } from '../helpers';
import { mulberry32 } from '../bench/synthetic';

const label = parseRgb(LABEL_COLOR);

test('contrast: the WCAG ratio of black on white is 21 and of a colour on itself 1', () => {
  assert.equal(Math.round(contrastRatio([0, 0, 0], [255, 255, 255])), 21);
  assert.equal(contrastRatio(parseRgb('rgb(120,120,255)'), parseRgb('rgb(120,120,255)')), 1);
  assert.throws(() => parseRgb('var(--x)'), /not a colour/);
});

test('every frame colour keeps the label at WCAG AA (4.5) or better', () => {
  const rnd = mulberry32(7);
  const names = Array.from({ length: 3000 }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => String.fromCharCode(32 + Math.floor(rnd() * 90))).join(''),
  );
  let worst = Infinity;
  for (const n of names) worst = Math.min(worst, contrastRatio(parseRgb(warmColor(n)), label));
  for (const c of [NATIVE, MERGED, HIGHLIGHT]) worst = Math.min(worst, contrastRatio(parseRgb(c), label));
  for (let d = -30; d <= 30; d += 0.25) worst = Math.min(worst, contrastRatio(parseRgb(diffColor(d)), label));
  assert.ok(worst >= 4.5, `lowest label contrast ${worst.toFixed(2)}`);
  // One function keeps its colour; different names mostly get different colours.
  assert.equal(warmColor('multiply'), warmColor('multiply'));
  assert.ok(new Set(names.map(warmColor)).size > 100);
});

test('layout: children side by side from the parent, widths by value, narrow frames left out', () => {
  const leaf = (name: string, value: number): FlameDatum => ({ name, value });
  const root: FlameDatum = {
    name: 'all',
    value: 1000,
    children: [
      { name: 'a', value: 600, children: [leaf('a1', 300), leaf('a2', 299), leaf('tiny', 0.5)] },
      { name: 'b', value: 399, children: [{ name: 'thin', value: 0.4, children: [leaf('under', 0.4)] }] },
    ],
  };
  const rows = layoutFrames(root, 1000, 1, () => 'rgb(1,2,3)');
  assert.deepEqual(
    rows.map((r) => r.map((f) => f.node.name)),
    [['all'], ['a', 'b'], ['a1', 'a2']],
  );
  const [a, b] = rows[1];
  assert.equal(a.x, 0);
  assert.equal(a.w, 600);
  assert.equal(b.x, 600);
  assert.equal(rows[2][1].x, 300);
  assert.equal(rows[2][1].parent, a);
  assert.deepEqual(b.children, [], 'a frame under a pixel is not drawn, nor what is under it');
  // Rows are in x order: the hit test's binary search depends on it.
  for (const r of rows) for (let i = 1; i < r.length; i++) assert.ok(r[i].x >= r[i - 1].x + r[i - 1].w - 1e-9);
  assert.deepEqual(
    layoutFrames({ name: 'empty', value: 0 }, 500, 1, () => ''),
    [],
  );
});

function strip(n: FlameNode): unknown {
  const { children, ...rest } = n;
  const kids = (children ?? []).map(strip);
  return kids.length ? { ...rest, children: kids } : rest;
}

test('the packed view unpacks to the same tree, and is much smaller than the objects', async () => {
  const p = parseProfile(await read(BUILTIN_FOLDED), 'builtin.folded');
  const s = new ProfileSession(p);
  for (const params of [
    { focus: 0, threads: [], reverse: false, widthPx: 1600 },
    { focus: 0, threads: [], reverse: true, widthPx: 900, byLine: true },
  ]) {
    const view = s.view(params);
    const packed = packFlameView(view);
    const back = unpackFlameView(JSON.parse(JSON.stringify(packed)));
    assert.deepEqual(strip(back.root), strip(view.root));
    assert.equal(back.total, view.total);
    assert.equal(back.nodeCount, view.nodeCount);
    assert.ok(JSON.stringify(packed).length < JSON.stringify(view).length, 'packed is smaller');
  }
  assert.throws(
    () => unpackFlameView({ ...packFlameView(s.view({ focus: 0, threads: [], reverse: false })), id: [] }),
    /without a root/,
  );
});

test('every timeline colour (by category, by name, search match) keeps the dark label at WCAG AA or better', () => {
  const rnd = mulberry32(11);
  const names = Array.from({ length: 3000 }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => String.fromCharCode(32 + Math.floor(rnd() * 90))).join(''),
  );
  let worst = Infinity;
  for (const c of [...CATEGORY_COLORS, HIGHLIGHT, ...names.map(nameColor)])
    worst = Math.min(worst, contrastRatio(parseRgb(c), label));
  assert.ok(worst >= 4.5, `lowest label contrast ${worst.toFixed(2)}`);
  assert.equal(CATEGORY_COLORS.length, CATEGORIES.length, 'a colour for every category');
  assert.equal(nameColor('aten::mm'), nameColor('aten::mm'));
  assert.ok(new Set(names.map(nameColor)).size > 200, 'names spread over the hues');
});
