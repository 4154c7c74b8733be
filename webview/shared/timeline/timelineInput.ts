// The timeline's input: wheel (Ctrl or pinch zooms at the pointer, Shift pans, plain scrolls the
// lanes), drag (pans; with Shift, or on the ruler, selects a range), click (selects), double
// click (zooms to the span), a click in the labels (folds), keys W/S/A/D, F and Escape.
import { GUTTER, RULER, type TimelineView } from './timelineView';

export function bindTimelineInput(v: TimelineView): void {
  const c = v.canvas;
  const pos = (e: MouseEvent) => {
    const r = c.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };
  c.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const [px] = pos(e);
      const scale = e.deltaMode === 1 ? 16 : 1;
      if (e.ctrlKey || e.metaKey) v.zoom(Math.exp(e.deltaY * scale * 0.01), v.tAt(Math.max(GUTTER, px)));
      else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY))
        v.pan(((e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) * scale * (v.t1 - v.t0)) / (v.cssW - GUTTER));
      else {
        v.scrollTop += e.deltaY * scale;
        v.changed();
      }
    },
    { passive: false },
  );
  let down: { x: number; y: number; t0: number; t1: number; scroll: number; box: boolean; moved: boolean } | undefined;
  c.addEventListener('mousedown', (e) => {
    const [px, py] = pos(e);
    c.focus();
    if (px < GUTTER) return v.toggleAt(py);
    down = {
      x: px,
      y: py,
      t0: v.t0,
      t1: v.t1,
      scroll: v.scrollTop,
      box: e.shiftKey || py < RULER,
      moved: false,
    };
  });
  window.addEventListener('mousemove', (e) => {
    const [px, py] = pos(e);
    if (!down) {
      if (e.target === c) v.hover(px, py, e.clientX, e.clientY);
      return;
    }
    if (Math.abs(px - down.x) + Math.abs(py - down.y) > 3) down.moved = true;
    if (!down.moved) return;
    v.tooltip.hidden = true;
    if (down.box) {
      const tAt = (x: number) => down!.t0 + ((x - GUTTER) / (v.cssW - GUTTER)) * (down!.t1 - down!.t0);
      v.box = {
        t0: tAt(down.x),
        t1: tAt(px),
        y0: down.y < RULER ? RULER : down.y,
        y1: down.y < RULER ? v.cssH : py,
      };
      v.requestDraw();
    } else {
      const us = ((px - down.x) * (down.t1 - down.t0)) / (v.cssW - GUTTER);
      v.scrollTop = down.scroll - (py - down.y);
      v.setWindow(down.t0 - us, down.t1 - us);
    }
  });
  window.addEventListener('mouseup', (e) => {
    if (!down) return;
    const d = down;
    down = undefined;
    const [px, py] = pos(e);
    if (d.box && d.moved && v.box) return v.boxDone();
    if (d.moved) return;
    const i = v.itemAt(px, py);
    const a = v.answer;
    if (i !== undefined && a) v.select(a.flat[i], a.row[i], a.start[i], a.end[i]);
  });
  c.addEventListener('dblclick', (e) => {
    const [px, py] = pos(e);
    const i = v.itemAt(px, py);
    const a = v.answer;
    if (i !== undefined && a)
      v.setWindow(a.start[i] - (a.end[i] - a.start[i]) * 0.1, a.end[i] + (a.end[i] - a.start[i]) * 0.1);
  });
  c.addEventListener('mouseleave', () => (v.tooltip.hidden = true));
  c.addEventListener('keydown', (e) => {
    const w = v.t1 - v.t0;
    const fast = e.shiftKey ? 3 : 1;
    const key = e.key.toLowerCase();
    if (key === 'w') v.zoom(Math.pow(0.8, fast));
    else if (key === 's') v.zoom(Math.pow(1.25, fast));
    else if (key === 'a' || e.key === 'ArrowLeft') v.pan(-0.1 * w * fast);
    else if (key === 'd' || e.key === 'ArrowRight') v.pan(0.1 * w * fast);
    else if (key === 'f') v.zoomToSelection();
    else if (e.key === 'Escape') {
      v.box = undefined;
      v.selected = undefined;
      v.flows = [];
      v.requestDraw();
    } else return;
    e.preventDefault();
  });
}
