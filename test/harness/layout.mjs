// Checks, in a view's page itself, what the views promise at any pane width: the page never
// scrolls sideways (a wide table scrolls inside itself), no table cell breaks a word across
// lines, and numeric cells are right-aligned. Returns what is wrong, in words (empty: fine).
const NUMBER = /^[-+−]?[\d,]*\.?\d+\s?(%|ms|µs|ns|s|MiB|GiB|MB|KiB|B|W|°C|MHz|×)?$/;

export async function layoutProblems(frame) {
  return frame.evaluate((numberSource) => {
    const number = new RegExp(numberSource, 'u');
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > de.clientWidth + 1) {
      // Name the outermost elements that reach past the right edge: what to fix.
      const over = [document.body, ...document.body.querySelectorAll('*')].filter(
        (e) =>
          e.getBoundingClientRect().right > de.clientWidth + 1 &&
          !e.parentElement?.closest('.table-scroll') &&
          !e.closest('.tooltip'),
      );
      // Or content spilling out of a box that does not clip it (a line that cannot wrap).
      const spill = [...document.body.querySelectorAll('*')].filter(
        (e) =>
          e.scrollWidth > e.clientWidth + 1 &&
          e.clientWidth > 0 &&
          getComputedStyle(e).overflowX === 'visible' &&
          !e.parentElement?.closest('.table-scroll'),
      );
      const outer = [
        ...over.filter((e) => !over.includes(e.parentElement)),
        ...spill.filter((e) => !spill.some((x) => x !== e && e.contains(x))),
      ].slice(0, 3);
      const name = (e) =>
        `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${[...e.classList].map((c) => `.${c}`).join('')} (to ${Math.round(e.getBoundingClientRect().right)} px)`;
      out.push(
        `the page scrolls sideways: ${de.scrollWidth} px of content in ${de.clientWidth} px (${outer.map(name).join(', ')})`,
      );
    }
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
 * The WCAG contrast of every drawn flame graph label against its frame's fill, as the page drew
 * them: the fill is read back from the canvas's pixels (beside the label), the label colour from
 * the drawing's readout. Returns the frames under `min` (AA for normal text: 4.5).
 */
export async function lowContrastLabels(frame, min = 4.5) {
  return frame.evaluate((min) => {
    const rgb = (css) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const lum = ([r, g, b]) => {
      const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const out = [];
    let checked = 0;
    for (const canvas of document.querySelectorAll('canvas.flame-canvas')) {
      const ctx = canvas.getContext('2d');
      const scale = canvas.width / canvas.getBoundingClientRect().width;
      for (const f of window.flamelensFrames()) {
        if (!f.label) continue;
        // A pixel inside the frame, left of its label and above it, clear of any outline: its fill.
        const px = ctx.getImageData(Math.floor((f.x + 2) * scale), Math.floor((f.y + 2) * scale), 1, 1).data;
        const fill = [px[0], px[1], px[2]];
        const labelRgb = f.labelColor.startsWith('#') ? hex(f.labelColor) : rgb(f.labelColor);
        const a = lum(fill);
        const b = lum(labelRgb);
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        checked++;
        if (ratio < min) out.push(`${f.label}: ${ratio.toFixed(2)} (rgb(${fill}) behind ${f.labelColor})`);
      }
    }
    return checked === 0 ? ['no labelled frame was drawn'] : out.slice(0, 20);
  }, min);
}

/** The flame graph's drawn frames (its readout), each with its box in the canvas. */
export async function drawnFrames(frame) {
  return frame.evaluate(() => window.flamelensFrames());
}

/** Where on the canvas the first drawn frame named `name` is (its middle), or throws. */
export async function framePosition(frame, name) {
  const f = (await drawnFrames(frame)).find((d) => d.name === name);
  if (!f) throw new Error(`no drawn frame named ${name}`);
  return { x: f.x + Math.min(f.w / 2, 30), y: f.y + f.h / 2 };
}

/** Hovers or clicks the frame named `name` on the canvas of `selector`, with the real pointer. */
export async function pointAtFrame(frame, name, action = 'hover', selector = '#flamegraph canvas') {
  const position = await framePosition(frame, name);
  await frame.locator(selector)[action]({ position });
}
