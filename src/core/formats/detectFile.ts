/**
 * What kind of file a path holds, from its first bytes: a PyTorch trace, an nvidia-smi log, an
 * Nsight Systems SQLite export or `nsys stats` CSV, an Nsight Compute CSV, an Nsight report
 * (`.nsys-rep`/`.qdrep`/`.ncu-rep`, by name: their formats are NVIDIA's own), or
 * (anything else) a CPU profile for parseProfile to identify. Used by the CLI and the editor,
 * so both route a file the same way.
 */
import { promises as fs } from 'node:fs';
import { looksLikeTorchTrace } from './torch/torchTrace';
import { detectNvidiaSmi } from './gpu/nvidiaSmi';
import { isSqlite } from './nsight/nsysSqlite';
import { looksLikeNcuCsv } from './nsight/ncuCsv';
import { looksLikeNsysStats } from './nsight/nsysStatsCsv';
import { looksLikeSpeedscope } from './cpu/speedscope';

export type FileKind =
  | 'torch-trace'
  | 'nvidia-smi-csv'
  | 'nvidia-smi-xml'
  | 'nsys-sqlite'
  | 'nsys-csv'
  | 'ncu-csv'
  | 'nsys-rep'
  | 'ncu-rep'
  | 'cpu-profile';

export async function detectFileKind(file: string): Promise<FileKind> {
  let head: Buffer;
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(65536);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return 'cpu-profile'; // the CPU profile reader reports the missing or unreadable file
  }
  if (isSqlite(head)) return 'nsys-sqlite';
  if (looksLikeTorchTrace(head)) return 'torch-trace';
  const text = head.toString('utf8');
  if (looksLikeNcuCsv(text)) return 'ncu-csv';
  if (looksLikeNsysStats(text, file)) return 'nsys-csv';
  // NVIDIA's own binary report formats, read through the installed tools: known by their names.
  if (/\.(nsys-rep|qdrep)$/i.test(file)) return 'nsys-rep';
  if (/\.ncu-rep$/i.test(file)) return 'ncu-rep';
  const smi = detectNvidiaSmi(head.toString('utf8', 0, Math.min(head.length, 8192)));
  if (smi) return smi === 'csv' ? 'nvidia-smi-csv' : 'nvidia-smi-xml';
  // JSON named as PyTorch writes its traces, whose first 64 KiB show no events yet (a long
  // metadata block first, or a file cut there): the trace reader says what is wrong with it.
  if (/\.pt\.trace\.json$/i.test(file) && /^(\uFEFF)?\s*[{[]/.test(text) && !looksLikeSpeedscope(text))
    return 'torch-trace';
  return 'cpu-profile';
}
