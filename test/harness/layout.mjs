// Checks, in a view's page itself, what the views promise at any pane width: the page never
// scrolls sideways (a wide table scrolls inside itself), no table cell breaks a word across
// lines, and numeric cells are right-aligned. Returns what is wrong, in words (empty: fine).
const NUMBER = /^[-+−]?[\d,]*\.?\d+\s?(%|ms|µs|ns|s|MiB|GiB|MB|KiB|B|W|°C|MHz|×)?$/;

export async function layoutProblems(frame) {
  return frame.evaluate((numberSource) => {
    const number = new RegExp(numberSource, 'u');
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > de.clientWidth + 1)
      out.push(`the page scrolls sideways: ${de.scrollWidth} px of content in ${de.clientWidth} px`);
    for (const c of [...document.querySelectorAll('td, th')].slice(0, 3000)) {
      if (c.getClientRects().length === 0) continue;
      const text = (c.textContent ?? '').trim();
      const align = getComputedStyle(c).textAlign;
      if (c.tagName === 'TD' && (c.classList.contains('num') || number.test(text)) && !['right', 'end'].includes(align))
        out.push(`a numeric cell is aligned ${align}: "${text}"`);
      const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const re = /\S+/g;
        let m;
        while ((m = re.exec(n.textContent ?? ''))) {
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          if (new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > 1) {
            out.push(`a word breaks across lines in a cell: "${m[0]}"`);
            break;
          }
        }
      }
    }
    return [...new Set(out)].slice(0, 20);
  }, NUMBER.source);
}

/**
 * The WCAG contrast of every drawn flame graph label against its frame's fill (both as the page
 * computes them): the frames whose contrast is under `min` (AA for normal text: 4.5).
 */
export async function lowContrastLabels(frame, min = 4.5) {
  return frame.evaluate((min) => {
    const rgb = (css) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const out = [];
    let checked = 0;
    for (const g of document.querySelectorAll('g.frame')) {
      const rect = g.querySelector('rect');
      const label = g.querySelector('.d3-flame-graph-label');
      if (!rect || !label || !(label.textContent ?? '').trim()) continue;
      const a = lum(rgb(getComputedStyle(rect).fill));
      const b = lum(rgb(getComputedStyle(label).color));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      checked++;
      if (ratio < min)
        out.push(
          `${label.textContent}: ${ratio.toFixed(2)} (${getComputedStyle(rect).fill} behind ${getComputedStyle(label).color})`,
        );
    }
    return checked === 0 ? ['no labelled frame was drawn'] : out.slice(0, 20);
  }, min);
}
