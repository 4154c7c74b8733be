/**
 * Opens any Nsight file the way both the CLI and the editor do: SQLite exports and CSV are read
 * directly; `.nsys-rep`/`.qdrep` and `.ncu-rep` through the installed nsys/ncu, their exports kept
 * in a cache folder keyed by the report's path, size and time (never beside the user's file).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detectFileKind, type FileKind } from '../../formats/detectFile';
import { readNsysSqliteFile } from '../../formats/nsight/nsysSqlite';
import { parseNsysStatsCsv } from '../../formats/nsight/nsysStatsCsv';
import { readNcuCsvFile } from '../../formats/nsight/ncuCsv';
import type { NcuReport } from '../../model/kernels';
import type { NsysReport } from '../../model/kernels';
import { exportNsysReport, importNcuReportCached } from './nsight';

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
export async function openNsightFile(
  file: string,
  o: NsightOpenOptions,
  kind?: FileKind,
): Promise<NsightFile | undefined> {
  const k = kind ?? (await detectFileKind(file));
  switch (k) {
    case 'nsys-sqlite':
      return { kind: 'nsys', report: await readNsysSqliteFile(file) };
    case 'nsys-csv':
      return { kind: 'nsys', report: parseNsysStatsCsv(await fs.readFile(file, 'utf8'), file) };
    case 'nsys-rep':
      return {
        kind: 'nsys',
        report: await readNsysSqliteFile(
          await exportNsysReport(file, {
            nsysPath: o.nsysPath,
            cacheDir: path.join(o.cacheDir, 'nsys'),
            env: o.env,
            signal: o.signal,
          }),
        ),
      };
    case 'ncu-csv':
      return { kind: 'ncu', report: await readNcuCsvFile(file) };
    case 'ncu-rep':
      return {
        kind: 'ncu',
        report: await importNcuReportCached(file, {
          ncuPath: o.ncuPath,
          cacheDir: path.join(o.cacheDir, 'ncu'),
          env: o.env,
          signal: o.signal,
        }),
      };
    default:
      return undefined;
  }
}
