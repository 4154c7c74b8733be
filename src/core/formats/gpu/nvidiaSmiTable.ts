/**
 * Reads the table plain `nvidia-smi` prints (what people save with `nvidia-smi > gpu.txt`, or log
 * with `nvidia-smi -l 5 > gpu.log`): a timestamp line, the `NVIDIA-SMI … Driver Version … CUDA
 * Version` box, then three rows per GPU and the process list. A log holds one such table per
 * reading, each with its timestamp: the readings become a series over time, as the `--query-gpu`
 * CSV gives. Cells are read by the `|` that bound them, not by column (meant for the narrower
 * table of older drivers too, and process rows without GI/CI columns, as before driver 450: no
 * real table of those was at hand, so that is unchecked). Checked on drivers 580 (2x RTX 4090;
 * H200), 590 (H100, also in MIG mode), 591 (Windows, WDDM) and 595 (L40S), idle and under load.
 * What the table leaves out stays unset: utilisation of memory, clocks, UUIDs. Names it cut short
 * ("…") are kept so.
 */
import { FormatError } from '../formatError';
import type { GpuProcess, GpuSample, TelemetrySeries } from '../../model/telemetry';
import { smiNumber, smiText } from './nvidiaSmi';

const HEADER = /^\|\s*NVIDIA-SMI\s+\S+/;
/** "Sat Jan 31 14:36:05 2026" (local time, as `date` prints it). */
const STAMP = /^[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/;

/** Whether text starts as nvidia-smi's table does: a timestamp line or not, then its box. */
export function looksLikeNvidiaSmiTable(head: string): boolean {
  const lines = head
    .replace(/^\uFEFF/, '')
    .trimStart()
    .split(/\r?\n/, 4);
  const at = STAMP.test(lines[0]?.trim() ?? '') ? 1 : 0;
  return /^\+-{20,}\+$/.test(lines[at]?.trim() ?? '') && HEADER.test(lines[at + 1]?.trim() ?? '');
}

/** The cells of a `| a | b | c |` row, trimmed; undefined for a row that is not one. */
function cells(line: string): string[] | undefined {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return undefined;
  return t
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim());
}

// Rows are taken apart by their words, not by regular expressions that scan back and forth:
// a hostile file's row of a megabyte is read in time linear in its length.

/** The text before the last word of `c` (trimmed) and that word. */
function lastWord(c: string): [rest: string, word: string] {
  const at = Math.max(c.lastIndexOf(' '), c.lastIndexOf('\t'));
  return [c.slice(0, at + 1).trimEnd(), c.slice(at + 1)];
}

const PERSISTENCE = new Set(['On', 'Off', 'WDDM', 'TCC', 'MCDM', 'N/A']);

/** "0  NVIDIA GeForce RTX 4090        Off": its index and name (the last word is persistence or driver model). */
function gpuRow(c: string): { index: number; name: string } | undefined {
  const head = /^\d+\s/.exec(c);
  const [rest, last] = lastWord(c);
  if (!head || !PERSISTENCE.has(last)) return undefined;
  const name = rest.slice(head[0].length).trim();
  return name ? { index: Number(head[0]), name } : undefined;
}

/** "N/A   42C    P0             98W /  700W": fan, temperature, performance state, power draw and limit. */
function stateRow(c: string): string[] | undefined {
  const words = c.split(/\s+/);
  if (words.length < 4) return undefined;
  const power = words.slice(3).join('').split('/');
  return power.length === 2 ? [words[0], words[1], words[2], power[0], power[1]] : undefined;
}

/** "1583MiB /  24564MiB": used and total. */
function memoryCell(c: string): [string, string] | undefined {
  const parts = c.split('/');
  return parts.length === 2 && parts.every((p) => /^\s*\S+\s*$/.test(p))
    ? [parts[0].trim(), parts[1].trim()]
    : undefined;
}

/** A process row's start: GPU, then GI and CI (drivers from 450), PID and type. */
const PROCESS_HEAD = /^(\d+)\s+(?:(\S+)\s+(\S+)\s+)?(\d+)\s+(C|G|C\+G|M|M\+C)\s/;

type Section = 'none' | 'gpus' | 'processes' | 'other';

/** Parses one or more nvidia-smi tables (a log of readings). */
export function parseNvidiaSmiTable(text: string, fileName: string): TelemetrySeries {
  if (!looksLikeNvidiaSmiTable(text))
    throw new FormatError(fileName, '1', 'expected the table nvidia-smi prints (a "| NVIDIA-SMI …" box)');
  const samples: GpuSample[] = [];
  const processes = new Map<string, GpuProcess>();
  let driverVersion: string | undefined;
  let cudaVersion: string | undefined;
  let time: number | undefined;
  let section: Section = 'none';
  // Past the `|===|` line that ends a section's heading, rows are read.
  let body = false;
  let gpu: GpuSample | undefined;
  /** GPUs whose readings (their second row) were not read yet, with the line of their first row. */
  const unread = new Map<GpuSample, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (STAMP.test(line)) {
      const t = Date.parse(line);
      time = Number.isFinite(t) ? t : undefined;
      return;
    }
    if (HEADER.test(line)) {
      driverVersion = /Driver Version:\s*(\S+)/.exec(line)?.[1] ?? driverVersion;
      cudaVersion = smiText(/CUDA Version:\s*(\S+)/.exec(line)?.[1]) ?? cudaVersion;
      section = 'none';
      return;
    }
    const row = cells(line);
    if (!row) {
      // A blank line or a `+---+` border: a border ends a GPU's rows, a blank line a section.
      if (line === '') section = 'none';
      if (section === 'gpus') gpu = undefined;
      return;
    }
    if (/^=+$/.test(row.join('').replace(/\+/g, ''))) {
      body = true;
      return;
    }
    if (section === 'none' || !body) {
      if (/^GPU\s+Name\b/.test(row[0] ?? '')) section = 'gpus';
      else if (/^Processes:/.test(row[0] ?? '')) section = 'processes';
      else if (section === 'none') section = 'other';
      body = false;
      return;
    }
    if (section === 'gpus') readGpuRow(row, i + 1);
    else if (section === 'processes') readProcessRow(row);
  });

  function readGpuRow(row: string[], line: number): void {
    const named = gpuRow(row[0] ?? '');
    if (named) {
      gpu = { time, index: named.index, name: smiText(named.name) };
      samples.push(gpu);
      unread.set(gpu, line);
      return;
    }
    if (!gpu) return;
    const state = stateRow(row[0] ?? '');
    const memory = memoryCell(row[1] ?? '');
    if (state && memory) {
      unread.delete(gpu);
      gpu.fanPct = smiNumber(state[0]);
      gpu.temperatureC = smiNumber(state[1]);
      gpu.pstate = smiText(state[2]);
      gpu.powerDrawW = smiNumber(state[3]);
      gpu.powerLimitW = smiNumber(state[4]);
      gpu.memoryUsedMiB = smiNumber(memory[0]);
      gpu.memoryTotalMiB = smiNumber(memory[1]);
      gpu.utilizationGpu = smiNumber((row[2] ?? '').split(/\s+/)[0]);
      return;
    }
    if (row[0] === '' && row[1] === '' && row[2] !== undefined) {
      if (row[2] === 'Enabled') gpu.mig = true;
      return;
    }
    // Another row (a later driver's): what it holds is not read.
  }

  function readProcessRow(row: string[]): void {
    const text = row.join(' ');
    const m = PROCESS_HEAD.exec(text);
    const [rest, memory] = lastWord(text);
    // "No running processes found", or a row of a kind not read.
    if (!m || !/^(\d+MiB|N\/A)$/.test(memory) || rest.length < m[0].length) return;
    const gpuIndex = Number(m[1]);
    const pid = Number(m[4]);
    processes.set(`${gpuIndex} ${pid}`, {
      gpuIndex,
      pid,
      name: rest.slice(m[0].length).trim(),
      usedMemoryMiB: smiNumber(memory),
    });
  }

  // The first GPU (in the file's order) whose readings never came.
  for (const [g, line] of unread)
    throw new FormatError(
      fileName,
      String(line),
      `expected the readings of GPU ${g.index} (fan, temperature, power, memory) on the row after it`,
    );
  if (samples.length === 0)
    throw new FormatError(fileName, '', 'expected at least one GPU in the nvidia-smi table (a "0  NVIDIA …" row)');
  return { source: 'nvidia-smi-table', driverVersion, cudaVersion, samples, processes: [...processes.values()] };
}
