/**
 * What kind of file a path holds, from its first bytes: a PyTorch trace, an nvidia-smi log, or
 * (anything else) a CPU profile for parseProfile to identify. Used by the CLI and the editor,
 * so both route a file the same way.
 */
import { promises as fs } from 'node:fs';
import { looksLikeTorchTrace } from './torchTrace';
import { detectNvidiaSmi } from './nvidiaSmi';

export type FileKind = 'torch-trace' | 'nvidia-smi-csv' | 'nvidia-smi-xml' | 'cpu-profile';

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
  if (looksLikeTorchTrace(head)) return 'torch-trace';
  const smi = detectNvidiaSmi(head.toString('utf8', 0, Math.min(head.length, 8192)));
  if (smi) return smi === 'csv' ? 'nvidia-smi-csv' : 'nvidia-smi-xml';
  return 'cpu-profile';
}
