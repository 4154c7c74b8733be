/**
 * Opens any Nsight file the way both the CLI and the editor do: SQLite exports and CSV are read
 * directly; `.nsys-rep`/`.qdrep` and `.ncu-rep` through the installed nsys/ncu, their exports kept
 * in a cache folder keyed by the report's path, size and time (never beside the user's file).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { detectFileKind, type FileKind } from '../formats/detectFile';
import { readNsysSqliteFile } from '../formats/nsysSqlite';
import { parseNsysStatsCsv } from '../formats/nsysStatsCsv';
import { readNcuCsvFile, type NcuReport } from '../formats/ncuCsv';
import type { NsysReport } from '../model/kernels';
import { exportNsysReport, importNcuReport } from './nsight';

export type NsightFile = { kind: 'nsys'; report: NsysReport } | { kind: 'ncu'; report: NcuReport };

export interface NsightOpenOptions {
  cacheDir: string;
  nsysPath?: string;
  ncuPath?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export const NSIGHT_KINDS: FileKind[] = ['nsys-sqlite', 'nsys-csv', 'nsys-rep', 'ncu-csv', 'ncu-rep'];

/** The file as an Nsight report, or undefined when it is some other kind of file. */
export async function openNsightFile(file: string, o: NsightOpenOptions, kind?: FileKind): Promise<NsightFile | undefined> {
  const k = kind ?? (await detectFileKind(file));
  switch (k) {
    case 'nsys-sqlite':
      return { kind: 'nsys', report: await readNsysSqliteFile(file) };
    case 'nsys-csv':
      return { kind: 'nsys', report: parseNsysStatsCsv(await fs.readFile(file, 'utf8'), file) };
    case 'nsys-rep':
      return { kind: 'nsys', report: await readNsysSqliteFile(await exportNsysReport(file, { nsysPath: o.nsysPath, cacheDir: path.join(o.cacheDir, 'nsys'), env: o.env, signal: o.signal })) };
    case 'ncu-csv':
      return { kind: 'ncu', report: await readNcuCsvFile(file) };
    case 'ncu-rep': {
      const st = await fs.stat(file);
      const key = createHash('sha256').update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
      const dir = path.join(o.cacheDir, 'ncu', `${path.basename(file)}-${key}`);
      const details = path.join(dir, `${path.basename(file).replace(/\.ncu-rep$/i, '')}.details.csv`);
      const cached = await fs.stat(details.replace(/\.details\.csv$/, '.raw.csv')).then(() => true, () => false);
      if (cached) return { kind: 'ncu', report: await readNcuCsvFile(details) };
      return { kind: 'ncu', report: (await importNcuReport(file, { ncuPath: o.ncuPath, env: o.env, outputDir: dir, signal: o.signal })).parsed };
    }
    default:
      return undefined;
  }
}
