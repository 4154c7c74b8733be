/**
 * Reading a text file the way people hand them over: gzipped (`profile.folded.gz`), in UTF-16
 * (what Windows PowerShell's `>` writes), or plain UTF-8. Inflating is bounded by what is kept,
 * so a small gzip that inflates to gigabytes stops at the limit with an error naming the file,
 * and a text too large for one JavaScript string is refused by name before it is read.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { FormatError } from './formatError';

/** Largest text read in one piece; a JavaScript string holds at most about 512 MiB. */
export const MAX_TEXT_BYTES = 500 * 1024 * 1024;

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The encoding of text from its first bytes: a UTF-16 byte order mark, or (without one) NUL
 * bytes in every other position, as ASCII text in UTF-16 has; UTF-8 otherwise.
 */
export function sniffEncoding(head: Uint8Array): TextEncoding {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  const n = Math.min(head.length, 512) & ~1;
  if (n < 8) return 'utf8';
  let oddNul = 0;
  let evenNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  if (oddNul > 0.8 * (n / 2) && evenNul === 0) return 'utf16le';
  if (evenNul > 0.8 * (n / 2) && oddNul === 0) return 'utf16be';
  return 'utf8';
}

/** The first line of a text (byte order mark and leading blank lines left out), trimmed. */
export function firstLine(text: string): string {
  return (
    text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .split(/\r?\n/, 1)[0] ?? ''
  ).trim();
}

/** Text from bytes in the sniffed encoding, without a byte order mark. */
export function decodeText(bytes: Uint8Array): string {
  const enc = sniffEncoding(bytes);
  const text =
    enc === 'utf8'
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
      : new TextDecoder(enc === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(bytes);
  return text.replace(/^\uFEFF/, '');
}

/** Inflates a gzip file, stopping with an error past `max` bytes (memory follows what is kept). */
async function gunzipFile(file: string, max: number, what: string): Promise<Buffer> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  const pieces: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max)
        throw new FormatError(
          file,
          `uncompressed offset ${max}`,
          `the file inflates to more than ${max / 2 ** 20} MiB; ${what} over that size are not read`,
        );
      pieces.push(chunk);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(
      file,
      `uncompressed offset ${total}`,
      `cannot inflate the gzip data: ${(e as Error).message}`,
    );
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(pieces, total);
}

/**
 * A whole text file (gzipped or not, UTF-8 or UTF-16); `what` names the kind of file in the
 * errors ("CPU profiles"). Every failure is a FormatError naming the file.
 */
export async function readTextFile(file: string, what: string, max = MAX_TEXT_BYTES): Promise<string> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(file, '', code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`);
  }
  const head = Buffer.alloc(2);
  const fh = await fs.open(file, 'r');
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  if (isGzip(head)) return decodeText(await gunzipFile(file, max, what));
  if (size > max) {
    throw new FormatError(
      file,
      '',
      `the file is ${(size / 2 ** 20).toFixed(0)} MiB; ${what} over ${max / 2 ** 20} MiB are not read in one piece`,
    );
  }
  return decodeText(await fs.readFile(file));
}

/**
 * The first `n` bytes of a file's content as UTF-8, for telling what kind of file it is:
 * inflated when gzipped, transcoded when UTF-16. Inflating reads only as far as `n` bytes out.
 */
export async function readHead(file: string, n: number): Promise<{ head: Buffer; gzip: boolean }> {
  const raw = Buffer.alloc(n);
  const fh = await fs.open(file, 'r');
  let bytes: Buffer;
  try {
    const { bytesRead } = await fh.read(raw, 0, n, 0);
    bytes = raw.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  let gzip = false;
  if (isGzip(bytes)) {
    gzip = true;
    const source = createReadStream(file);
    const gunzip = createGunzip();
    const pieces: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
        pieces.push(chunk);
        total += chunk.length;
        if (total >= n) break;
      }
    } catch {
      // A truncated or corrupt stream: what inflated so far is the head.
    } finally {
      source.destroy();
      gunzip.destroy();
    }
    bytes = Buffer.concat(pieces).subarray(0, n);
  }
  const enc = sniffEncoding(bytes);
  if (enc !== 'utf8') bytes = Buffer.from(decodeText(bytes), 'utf8');
  return { head: bytes, gzip };
}
