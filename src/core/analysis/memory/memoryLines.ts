/**
 * Source lines of allocations: the Python frames of a recorded stack, the program's own innermost
 * one (torch's and installed packages' frames passed over), and bytes grouped by line.
 */
import type { MemoryFrame, TorchMemorySnapshot } from '../../model/torchMemory';
import { isLibraryFile } from '../torch/syncPoints';

export interface SourceLine {
  file: string;
  line: number;
  name: string;
}

export interface LineBytes extends SourceLine {
  bytes: number;
  count: number;
}

export function gib(bytes: number): string {
  const a = Math.abs(bytes);
  if (a >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GB`;
  if (a >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(a >= 100 * 2 ** 20 ? 0 : 1)} MB`;
  if (a >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(0)} KB`;
  return `${bytes} B`;
}

export const isPython = (f: MemoryFrame) => /\.py$/i.test(f.filename);

/** The Python frames of a stack and the program's own innermost one. */
export function pythonPlace(s: TorchMemorySnapshot, stack: number): { frames: SourceLine[]; place?: SourceLine } {
  if (stack < 0) return { frames: [] };
  const frames = s.stacks[stack]
    .map((id) => s.frames[id])
    .filter(isPython)
    .map((f) => ({ file: f.filename, line: f.line, name: f.name }));
  return { frames, place: frames.find((f) => !isLibraryFile(f.file)) ?? frames[0] };
}

/** A key per source line (stack ids are many; lines are what people act on). */
export function lineKeyOf(s: TorchMemorySnapshot, cache: Map<number, string>, stack: number): string {
  let k = cache.get(stack);
  if (k === undefined) {
    const p = pythonPlace(s, stack).place;
    k = p ? `${p.file}\u0000${p.line}\u0000${p.name}` : '';
    cache.set(stack, k);
  }
  return k;
}

export function lineOfKey(k: string): SourceLine {
  if (!k) return { file: '', line: 0, name: '(no Python stack recorded)' };
  const [file, line, name] = k.split('\u0000');
  return { file, line: Number(line), name };
}

export function groupLines(items: { key: string; bytes: number }[]): LineBytes[] {
  const by = new Map<string, LineBytes>();
  for (const it of items) {
    let row = by.get(it.key);
    if (!row) by.set(it.key, (row = { ...lineOfKey(it.key), bytes: 0, count: 0 }));
    row.bytes += it.bytes;
    row.count++;
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes);
}
