/**
 * What kind of file this is, from its first bytes: the one place that routes a file to its reader,
 * for the CLI and the editor alike (core/open/openFile reads the head and calls this). Content
 * decides; the file name only breaks ties where the content cannot (NVIDIA's own binary report
 * formats, per-launch `nsys stats` CSV, a PyTorch trace whose first 64 KiB hold no event yet).
 * Anything else is a CPU profile, whose reader picks among collapsed stacks, speedscope and Austin
 * from the whole text (formats/cpu/parseProfile).
 */
import { looksLikeTorchTrace } from './torch/torchTrace';
import { detectNvidiaSmi } from './gpu/nvidiaSmi';
import { looksLikeNvidiaSmiQuery } from './gpu/nvidiaSmiQuery';
import { looksLikeNvidiaSmiTable } from './gpu/nvidiaSmiTable';
import { looksLikeNvidiaSmiDmon } from './gpu/nvidiaSmiDmon';
import { isSqlite } from './nsight/nsysSqlite';
import { looksLikeNcuCsv } from './nsight/ncuCsv';
import { looksLikeNsysStats } from './nsight/nsysStatsCsv';
import { looksLikeSpeedscope } from './cpu/speedscope';
import { isPickle } from './torch/memorySnapshot';
import { looksLikePythonMemory } from './memory/pythonMemory';

export type FileKind =
  | 'torch-trace'
  | 'nvidia-smi-csv'
  | 'nvidia-smi-xml'
  | 'nvidia-smi-q'
  | 'nvidia-smi-table'
  | 'nvidia-smi-dmon'
  | 'nsys-sqlite'
  | 'nsys-csv'
  | 'ncu-csv'
  | 'nsys-rep'
  | 'ncu-rep'
  | 'torch-memory'
  | 'python-memory'
  | 'cpu-profile';

/** How much of a file detectKind looks at. */
export const HEAD_BYTES = 65536;

/** What each kind is, in words for messages ("… is an Nsight Systems SQLite export"). */
export const KIND_NAMES: Record<FileKind, string> = {
  'torch-trace': 'a PyTorch profiler trace',
  'nvidia-smi-csv': 'an nvidia-smi --query-gpu CSV log',
  'nvidia-smi-xml': 'an nvidia-smi -q -x XML log',
  'nvidia-smi-q': 'nvidia-smi -q output',
  'nvidia-smi-table': "nvidia-smi's table",
  'nvidia-smi-dmon': 'nvidia-smi dmon output',
  'nsys-sqlite': 'an Nsight Systems SQLite export',
  'nsys-csv': 'nsys stats CSV output',
  'ncu-csv': 'an Nsight Compute CSV page',
  'nsys-rep': 'an Nsight Systems report',
  'ncu-rep': 'an Nsight Compute report',
  'torch-memory': 'a CUDA allocator snapshot (pickle)',
  'python-memory': 'a Python memory profile (flamelens memory)',
  'cpu-profile': 'a CPU profile',
};

/**
 * The kind of a file from its first HEAD_BYTES bytes of content (`head`: inflated when the file
 * is gzipped, as `gzip` says, and in UTF-8) and its name or path.
 */
export function detectKind(head: Buffer, name: string, gzip = false): FileKind {
  if (isSqlite(head)) return 'nsys-sqlite';
  // A Python pickle: read (never run) as a CUDA allocator snapshot, or refused saying what it holds.
  if (isPickle(head)) return 'torch-memory';
  if (looksLikeTorchTrace(head)) return 'torch-trace';
  const text = head.toString('utf8');
  if (looksLikePythonMemory(text)) return 'python-memory';
  // Gzipped JSON other than speedscope: PyTorch writes its traces as .json.gz; the trace reader
  // says what is wrong when it is not one.
  if (gzip && /^(\uFEFF)?\s*[{[]/.test(text) && !looksLikeSpeedscope(text)) return 'torch-trace';
  if (looksLikeNcuCsv(text)) return 'ncu-csv';
  if (looksLikeNsysStats(text, name)) return 'nsys-csv';
  // NVIDIA's own binary report formats, read through the installed tools: known by their names.
  if (/\.(nsys-rep|qdrep)$/i.test(name)) return 'nsys-rep';
  if (/\.ncu-rep$/i.test(name)) return 'ncu-rep';
  const smi = detectNvidiaSmi(head.toString('utf8', 0, Math.min(head.length, 8192)));
  if (smi) return smi === 'csv' ? 'nvidia-smi-csv' : 'nvidia-smi-xml';
  if (looksLikeNvidiaSmiQuery(text)) return 'nvidia-smi-q';
  if (looksLikeNvidiaSmiTable(text)) return 'nvidia-smi-table';
  if (looksLikeNvidiaSmiDmon(text)) return 'nvidia-smi-dmon';
  // JSON named as PyTorch writes its traces, whose first 64 KiB show no events yet (a long
  // metadata block first, or a file cut there): the trace reader says what is wrong with it.
  if (/\.pt\.trace\.json$/i.test(name) && /^(\uFEFF)?\s*[{[]/.test(text) && !looksLikeSpeedscope(text))
    return 'torch-trace';
  return 'cpu-profile';
}
