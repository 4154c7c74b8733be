/**
 * Generators of hostile but well-formed inputs, for the tests that bound memory and time and for
 * `npm run fuzz` and `npm run bench`: deep nesting (speedscope evented opens, PyTorch operators
 * inside operators, collapsed stacks thousands of frames deep), breadth (millions of distinct
 * stacks), kernels launched under deep operator chains, and gzip bombs. Every generator is
 * deterministic; the large ones write to a file in pieces instead of building one string.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

/** A speedscope evented profile: `depth` frames opened one inside the other, then all closed. */
export function nestedSpeedscope(depth: number): string {
  const frames: string[] = [];
  for (let i = 0; i < depth; i++) frames.push(`{"name":"f${i}","file":"deep.py","line":${1 + (i % 500)}}`);
  const events: string[] = [];
  for (let i = 0; i < depth; i++) events.push(`{"type":"O","frame":${i},"at":${i}}`);
  for (let i = depth - 1; i >= 0; i--) events.push(`{"type":"C","frame":${i},"at":${2 * depth - i}}`);
  return (
    '{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[' +
    frames.join(',') +
    ']},"profiles":[{"type":"evented","name":"deep","unit":"microseconds","startValue":0,"endValue":' +
    2 * depth +
    ',"events":[' +
    events.join(',') +
    ']}]}'
  );
}

/**
 * A Kineto trace with `depth` CPU operators each inside the previous one, and `kernels` kernels
 * launched (cudaLaunchKernel, correlated) after all but the outermost operator have ended: the
 * launching operator is the outermost, `depth` levels up from the last one that started.
 */
export function nestedTorchTrace(depth: number, kernels = 0): string {
  const ev: string[] = [];
  const span = 2 * depth + 4 * kernels + 10;
  for (let i = 0; i < depth; i++) {
    const dur = i === 0 ? span : 2 * (depth - i);
    ev.push(
      `{"ph":"X","cat":"cpu_op","name":"aten::op${i % 50}","pid":1,"tid":1,"ts":${i},"dur":${dur},"args":{"External id":${i + 1}}}`,
    );
  }
  for (let k = 0; k < kernels; k++) {
    const ts = 2 * depth + 1 + 4 * k;
    ev.push(
      `{"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":1,"tid":1,"ts":${ts},"dur":2,"args":{"correlation":${k + 1},"External id":1}}`,
    );
    ev.push(
      `{"ph":"X","cat":"kernel","name":"kernel_${k % 20}","pid":0,"tid":"stream 7","ts":${ts + 1},"dur":3,"args":{"correlation":${k + 1},"device":0,"stream":7,"External id":1}}`,
    );
  }
  return `{"schemaVersion":1,"traceEvents":[${ev.join(',\n')}]}`;
}

/**
 * A Kineto trace with `n` threads and `n` GPU streams of one event each: an operator on each
 * thread, a kernel on each stream. Every thread is a lane of the timeline and a thread of the
 * CPU side's profile, every stream a lane with its idle gaps.
 */
export function manyLanesTorchTrace(n: number): string {
  const ev: string[] = [];
  for (let i = 0; i < n; i++) {
    ev.push(
      `{"ph":"X","cat":"cpu_op","name":"aten::op${i % 50}","pid":1,"tid":${i + 1},"ts":${i},"dur":5,"args":{"External id":${i + 1}}}`,
      `{"ph":"X","cat":"kernel","name":"kernel_${i % 20}","pid":0,"tid":"stream ${i + 1}","ts":${i + 1},"dur":3,"args":{"correlation":${i + 1},"device":0,"stream":${i + 1}}}`,
    );
  }
  return `{"schemaVersion":1,"traceEvents":[${ev.join(',\n')}]}`;
}

/**
 * A Kineto trace over `n` GPUs (device ids 0..n-1): on each, one kernel and two memory samples.
 * Every device is a group of the timeline with its busy track and memory counters.
 */
export function manyDevicesTorchTrace(n: number): string {
  const ev: string[] = [];
  for (let d = 0; d < n; d++) {
    ev.push(
      `{"ph":"X","cat":"kernel","name":"kernel_${d % 20}","pid":${d},"tid":"stream 7","ts":${d * 10 + 1},"dur":3,"args":{"correlation":${d + 1},"device":${d},"stream":7}}`,
    );
    for (const k of [0, 1])
      ev.push(
        `{"ph":"i","cat":"cpu_instant_event","s":"t","name":"[memory]","pid":1,"tid":1,"ts":${d * 10 + 5 * k},"args":{"Total Reserved":${4096 * (k + 2)},"Total Allocated":${4096 * (k + 1)},"Bytes":4096,"Addr":${d},"Device Id":${d},"Device Type":1}}`,
      );
  }
  return `{"schemaVersion":1,"traceEvents":[${ev.join(',\n')}]}`;
}

/** A collapsed-stack line `depth` frames deep (the first line of a deep recursion's profile). */
export function deepCollapsedLine(depth: number, count = 1): string {
  const file = '/home/user/projects/experiment/src/package/module/deep_recursion.py';
  const parts = [`<module> (${file}:9)`];
  for (let i = 1; i < depth; i++) parts.push(`recurse (${file}:4)`);
  return `${parts.join(';')} ${count}\n`;
}

async function writeAll(out: WriteStream, piece: () => string | null): Promise<void> {
  for (let s = piece(); s !== null; s = piece()) {
    if (!out.write(s)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Collapsed stacks with `n` distinct stacks, three frames each, drawn from 3×ceil(cbrt n)
 * distinct functions (as in a real program: few functions, many call paths); one sample each.
 * About 16 bytes a line.
 */
export async function writeDistinctStacks(file: string, n: number): Promise<void> {
  const r = Math.ceil(Math.cbrt(n));
  let i = 0;
  await writeAll(createWriteStream(file), () => {
    if (i >= n) return null;
    const lines: string[] = [];
    for (let k = 0; k < 10000 && i < n; k++, i++) {
      const a = i % r;
      const b = Math.floor(i / r) % r;
      const c = Math.floor(i / (r * r));
      lines.push(`a${a};b${b};c${c} 1\n`);
    }
    return lines.join('');
  });
}

/** A gzip file that inflates to `inflatedBytes` of `fill` (one unterminated JSON value). */
export async function writeGzipBomb(file: string, inflatedBytes: number, fill = '['): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, fill);
  let left = inflatedBytes;
  const source = Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        yield n === chunk.length ? chunk : chunk.subarray(0, n);
      }
    })(),
  );
  await pipeline(source, createGzip({ level: 9 }), createWriteStream(file));
}
