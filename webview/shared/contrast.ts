// WCAG 2 contrast between two colours given as CSS rgb()/rgba() or #rrggbb: the check the views'
// frame palettes are held to (4.5 for normal text, AA).
export type Rgb = [number, number, number];

export function parseRgb(css: string): Rgb {
  const hex = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (hex) {
    const n = parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const parts = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  if (parts.length < 3) throw new Error(`not a colour: ${css}`);
  return [parts[0], parts[1], parts[2]];
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const x = luminance(a);
  const y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
