/**
 * What the byte reader (eventBytes.ts) keeps one copy of: strings by their bytes (a name is one
 * JavaScript string however many events carry it) and small number lists (a kernel's grid).
 */

/** Whether `len` bytes of `b` from `s` equal `known` (a loop: cheaper than Buffer.compare's call for names). */
function sameBytes(known: Uint8Array, b: Buffer, s: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (known[i] !== b[s + i]) return false;
  return true;
}

/** Strings seen before, by their bytes: one JavaScript string per distinct name, not per event. */
export class ByteStrings {
  /** The reader's small number lists, kept with its strings. */
  readonly lists = new NumberLists();
  private readonly map = new Map<number, { bytes: Buffer; str: string }[]>();
  private size = 0;
  /** One-byte strings ("X" of ph), and the last string of each field (a cat repeats). */
  private readonly ascii: string[] = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));
  private readonly lastBytes: (Buffer | undefined)[] = [];
  private readonly lastStr: string[] = [];

  get(b: Buffer, s: number, e: number, field = -1): string {
    const len = e - s;
    if (len === 0) return '';
    if (len === 1 && b[s] < 0x80) return this.ascii[b[s]];
    if (field >= 0) {
      const last = this.lastBytes[field];
      if (last !== undefined && last.length === len && sameBytes(last, b, s, len)) return this.lastStr[field];
    }
    let h = len * 31 + b[s] * 7 + b[e - 1];
    for (let i = s + 1; i < e - 1; i += 1 + (len >> 3)) h = (Math.imul(h, 33) + b[i]) | 0;
    const list = this.map.get(h);
    let hit: { bytes: Buffer; str: string } | undefined;
    if (list)
      for (let j = 0; j < list.length; j++) {
        const c = list[j];
        if (c.bytes.length === len && sameBytes(c.bytes, b, s, len)) {
          hit = c;
          break;
        }
      }
    if (hit === undefined) {
      const str = b.toString('utf8', s, e);
      if (this.size >= 200_000 || len > 4096) return str;
      this.size++;
      hit = { bytes: Buffer.from(b.subarray(s, e)), str };
      if (list) list.push(hit);
      else this.map.set(h, [hit]);
    }
    if (field >= 0) {
      this.lastBytes[field] = hit.bytes;
      this.lastStr[field] = hit.str;
    }
    return hit.str;
  }
}

/**
 * Small number lists seen before ("grid": [512, 1, 1]): one array per distinct list, shared by
 * the events that carry it, as the segment reader's records share them. Kernels of a big trace
 * have a few dozen distinct grids and blocks; an array each was 82 bytes, 130 MB over the 1 GB
 * bench trace's 800,000 kernels.
 */
export class NumberLists {
  private readonly map = new Map<number, number[][]>();
  private size = 0;

  get(nums: number[]): number[] {
    let h = nums.length;
    for (let i = 0; i < nums.length; i++) h = (Math.imul(h, 31) + (nums[i] | 0)) | 0;
    const list = this.map.get(h);
    if (list)
      for (let j = 0; j < list.length; j++) {
        const c = list[j];
        if (c.length === nums.length && c.every((x, i) => Object.is(x, nums[i]))) return c;
      }
    const copy = nums.slice();
    if (this.size < 10_000) {
      this.size++;
      if (list) list.push(copy);
      else this.map.set(h, [copy]);
    }
    return copy;
  }
}
