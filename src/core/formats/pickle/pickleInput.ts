/**
 * The bytes of a pickle as the reader takes them: from memory, or from a file through a window
 * that moves on (and grows for one large value), so a file is never held whole. Every read is
 * checked against what is left; `at` is the offset of the opcode being read, for errors.
 */
import { readSync } from 'node:fs';
import { PickleError } from './pickleError';

const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class PickleInput {
  private b: Uint8Array;
  private view: DataView;
  /** Valid bytes in the window, where the window starts in the file, the position in it. */
  private n: number;
  private base = 0;
  private i = 0;
  at = 0;

  constructor(
    first: Uint8Array,
    private readonly fd: number | undefined,
    readonly total: number,
  ) {
    this.b = first;
    this.view = new DataView(first.buffer, first.byteOffset, first.byteLength);
    this.n = fd === undefined ? first.length : 0;
  }

  /** The next opcode (and `at` set to it). */
  op(): number {
    if (this.i >= this.n) {
      if (this.base + this.i >= this.total)
        throw new PickleError(this.base + this.i, 'the pickle ends without its STOP opcode (a truncated file?)');
      this.refill(1);
    }
    this.at = this.base + this.i;
    return this.b[this.i++];
  }

  /** Makes `k` bytes from the position readable. */
  private refill(k: number): void {
    if (this.fd === undefined || this.base + this.i + k > this.total)
      throw new PickleError(this.at, `the pickle ends inside an opcode (wants ${k} more bytes)`);
    const keep = this.n - this.i;
    if (k > this.b.length) {
      const grown = new Uint8Array(Math.max(k, this.b.length * 2));
      grown.set(this.b.subarray(this.i, this.n));
      this.b = grown;
      this.view = new DataView(grown.buffer);
    } else this.b.copyWithin(0, this.i, this.n);
    this.base += this.i;
    this.i = 0;
    this.n = keep;
    while (this.n < this.b.length && this.base + this.n < this.total) {
      const got = readSync(
        this.fd,
        this.b,
        this.n,
        Math.min(this.b.length - this.n, this.total - this.base - this.n),
        this.base + this.n,
      );
      if (got <= 0) break;
      this.n += got;
    }
    if (this.n < k) throw new PickleError(this.at, `the pickle ends inside an opcode (wants ${k} more bytes)`);
  }

  need(k: number): void {
    if (this.i + k > this.n) this.refill(k);
  }

  skip(k: number): void {
    this.need(k);
    this.i += k;
  }

  u8(): number {
    this.need(1);
    return this.b[this.i++];
  }

  u16(): number {
    this.need(2);
    this.i += 2;
    return this.view.getUint16(this.i - 2, true);
  }

  i32(): number {
    this.need(4);
    this.i += 4;
    return this.view.getInt32(this.i - 4, true);
  }

  u32(): number {
    this.need(4);
    this.i += 4;
    return this.view.getUint32(this.i - 4, true);
  }

  f64(): number {
    this.need(8);
    this.i += 8;
    return this.view.getFloat64(this.i - 8, false);
  }

  /** A length, checked against what is left of the pickle before anything is allocated. */
  length(v: number | bigint): number {
    if (v < 0) throw new PickleError(this.at, 'a negative length');
    if (v > this.total - (this.base + this.i))
      throw new PickleError(this.at, `a length of ${v} bytes, past the end of the pickle`);
    return Number(v);
  }

  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.i, true);
    this.i += 8;
    return this.length(v);
  }

  /** `len` bytes, as a view into the window: copy what is kept. */
  bytes(len: number): Uint8Array {
    this.need(len);
    this.i += len;
    return this.b.subarray(this.i - len, this.i);
  }

  text(len: number): string {
    this.need(len);
    const b = this.b;
    const i = this.i;
    // Short ASCII strings (names, keys, actions) are most of them: no decoder call.
    if (len <= 32) {
      let s = '';
      let k = i;
      for (; k < i + len && b[k] < 0x80; k++) s += String.fromCharCode(b[k]);
      if (k === i + len) {
        this.i += len;
        return s;
      }
    }
    try {
      return decoder.decode(this.bytes(len));
    } catch {
      throw new PickleError(this.at, 'a string that is not valid UTF-8');
    }
  }

  /** A text opcode's argument, up to its newline (at most 4096 bytes). */
  line(): string {
    let j = this.i;
    for (;;) {
      while (j < this.n && this.b[j] !== 0x0a) j++;
      if (j < this.n) break;
      if (j - this.i > 4096) throw new PickleError(this.at, 'a text opcode of more than 4096 bytes');
      const off = j - this.i;
      this.refill(off + 1);
      j = this.i + off;
    }
    if (j - this.i > 4096) throw new PickleError(this.at, 'a text opcode of more than 4096 bytes');
    const s = String.fromCharCode(...this.b.subarray(this.i, j));
    this.i = j + 1;
    return s;
  }

  /** An integer of `len` little-endian two's-complement bytes. */
  long(len: number): number | bigint {
    this.need(len);
    const b = this.b;
    const s = this.i;
    this.i += len;
    if (len === 0) return 0;
    // Up to 6 bytes (addresses, sizes) fit a double exactly: no BigInt.
    if (len <= 6) {
      let v = 0;
      for (let k = s + len - 1; k >= s; k--) v = v * 256 + b[k];
      return b[s + len - 1] & 0x80 ? v - 2 ** (8 * len) : v;
    }
    // 7 or 8 bytes of a non-negative value (addresses past 2^47): exact while the value is under
    // 2^53, as every partial sum is then; a larger one comes out larger, and goes to BigInt.
    if (len <= 8 && b[s + len - 1] < 0x80) {
      let v = 0;
      for (let k = s + len - 1; k >= s; k--) v = v * 256 + b[k];
      if (v <= Number.MAX_SAFE_INTEGER) return v;
    }
    return bigLong(b.subarray(s, s + len));
  }
}

/** An integer from little-endian two's-complement bytes, a BigInt beyond 2^53. */
export function bigLong(raw: Uint8Array): number | bigint {
  if (raw.length === 0) return 0;
  let v = 0n;
  for (let k = raw.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(raw[k]);
  if (raw[raw.length - 1] & 0x80) v -= 1n << BigInt(8 * raw.length);
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}
