/**
 * Nsight Compute's CSV output (`ncu --csv`, `ncu --import R.ncu-rep --csv [--page raw]`), both pages:
 * - details: one row per metric (`ID`, …, `Kernel Name`, [`Block Size`, `Grid Size`, `Device`,
 *   `CC`,] `Section Name`, `Metric Name`, `Metric Unit`, `Metric Value`), and rule results in the
 *   `Rule Name`/`Rule Type`/`Rule Description`/`Estimated Speedup` columns where present;
 * - raw: one row per launch, one column per metric, then a units row under the header.
 * Program output, `==PROF==`/`==WARNING==` lines and a UTF-8 BOM before the header are skipped;
 * values may carry thousands separators. A run that profiled no kernel is a valid, empty result.
 */
import { readTextFile } from '../textFile';
import { FormatError } from '../formatError';
import { parseCsvRecord, csvNumber } from '../csvRecord';
import type { NcuLaunch, NcuMetric, NcuReport } from '../../model/kernels';

export function looksLikeNcuCsv(text: string): boolean {
  return (
    /^\uFEFF?(?:.*\n)*?"?ID"?,"?Process ID"?,.*"?Kernel Name"?/m.test(text.slice(0, 65536)) ||
    /^\uFEFF?==PROF==/.test(text)
  );
}

export function parseNcuCsv(text: string, file: string): NcuReport {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const messages: string[] = [];
  let headerAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(/^\uFEFF/, '');
    if (/^==(PROF|WARNING|ERROR)==/.test(l)) messages.push(l);
    if (/^"?ID"?,/.test(l) && l.includes('Kernel Name')) {
      headerAt = i;
      break;
    }
  }
  if (headerAt < 0) {
    if (messages.length > 0) return { source: 'ncu-csv', page: 'details', file, launches: [], messages };
    throw new FormatError(
      file,
      'line 1',
      'expected Nsight Compute CSV (a header row starting "ID","Process ID",… with "Kernel Name")',
    );
  }
  const record = (i: number): string[] => {
    try {
      return parseCsvRecord(lines[i]);
    } catch (e) {
      throw new FormatError(file, `line ${i + 1}`, `bad CSV record: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const header = record(headerAt).map((h) => h.replace(/^\uFEFF/, ''));
  const col = (name: string) => header.indexOf(name);
  const c = {
    id: col('ID'),
    pid: col('Process ID'),
    pname: col('Process Name'),
    kernel: col('Kernel Name'),
    stream: col('Stream'),
    block: col('Block Size'),
    grid: col('Grid Size'),
    device: col('Device'),
    cc: col('CC'),
    section: col('Section Name'),
    metric: col('Metric Name'),
    unit: col('Metric Unit'),
    value: col('Metric Value'),
    ruleName: col('Rule Name'),
    ruleType: col('Rule Type'),
    ruleDesc: col('Rule Description'),
    speedupType: col('Estimated Speedup Type'),
    speedup: col('Estimated Speedup'),
  };
  if (c.id < 0 || c.kernel < 0)
    throw new FormatError(file, `line ${headerAt + 1}`, 'expected "ID" and "Kernel Name" columns');
  const page: 'details' | 'raw' = c.metric >= 0 && c.value >= 0 ? 'details' : 'raw';
  const launches = new Map<number, NcuLaunch>();
  const get = (r: string[], i: number) => (i >= 0 && i < r.length ? r[i] : undefined);
  const launchOf = (r: string[], line: number): NcuLaunch => {
    const id = Number(get(r, c.id));
    if (!Number.isInteger(id))
      throw new FormatError(file, `line ${line}`, `expected a launch ID, found "${get(r, c.id) ?? ''}"`);
    let l = launches.get(id);
    if (!l) {
      const num = (i: number) => {
        const v = get(r, i);
        return v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);
      };
      l = {
        id,
        name: get(r, c.kernel) ?? '',
        processId: num(c.pid),
        processName: get(r, c.pname),
        device: num(c.device),
        cc: get(r, c.cc) || undefined,
        block: get(r, c.block) || undefined,
        grid: get(r, c.grid) || undefined,
        stream: get(r, c.stream) || undefined,
        metrics: {},
        rules: [],
      };
      launches.set(id, l);
    }
    return l;
  };
  let units: string[] | undefined;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    if (/^==(PROF|WARNING|ERROR)==/.test(line)) {
      messages.push(line);
      continue;
    }
    const r = record(i);
    if (page === 'raw') {
      // The units row comes first: its ID cell is empty.
      if (!units && (get(r, c.id) ?? '') === '') {
        units = r;
        continue;
      }
      const l = launchOf(r, i + 1);
      header.forEach((h, k) => {
        if (
          k <= Math.max(c.kernel, c.cc, c.device, c.grid, c.block, c.stream) &&
          [
            'ID',
            'Process ID',
            'Process Name',
            'Host Name',
            'Kernel Name',
            'Context',
            'Stream',
            'Block Size',
            'Grid Size',
            'Device',
            'CC',
          ].includes(h)
        )
          return;
        const v = r[k];
        if (v === undefined || v === '') return;
        l.metrics[h] = { value: csvNumber(v), unit: units?.[k] || undefined };
      });
      continue;
    }
    const l = launchOf(r, i + 1);
    const ruleName = get(r, c.ruleName);
    if (ruleName) {
      const sp = get(r, c.speedup);
      const spv = sp !== undefined ? csvNumber(sp) : undefined;
      l.rules.push({
        name: ruleName,
        type: get(r, c.ruleType) || undefined,
        description: get(r, c.ruleDesc) ?? '',
        section: get(r, c.section) || undefined,
        speedupPct: typeof spv === 'number' ? spv : undefined,
        speedupType: get(r, c.speedupType) || undefined,
      });
      continue;
    }
    const name = get(r, c.metric);
    if (!name) continue;
    const m: NcuMetric = {
      value: csvNumber(get(r, c.value) ?? ''),
      unit: get(r, c.unit) || undefined,
      section: get(r, c.section) || undefined,
    };
    // Sections reuse display names ("Memory Throughput" is % in Speed Of Light, bytes/s in Memory
    // Workload Analysis): the first keeps the bare name, every one is also under "section / name".
    if (!(name in l.metrics)) l.metrics[name] = m;
    if (m.section) l.metrics[`${m.section} / ${name}`] = m;
  }
  return { source: 'ncu-csv', page, file, launches: [...launches.values()].sort((a, b) => a.id - b.id), messages };
}

/** The details page's launches (with rules), each with the raw page's metrics of the same ID added. */
export function mergeNcuPages(details: NcuReport, raw: NcuReport): NcuReport {
  const byId = new Map(raw.launches.map((l) => [l.id, l]));
  const launches = details.launches.map((l) => {
    const r = byId.get(l.id);
    // Pages of one report share IDs; a raw page of another report does not share the names too.
    return r && r.name === l.name ? { ...l, metrics: { ...r.metrics, ...l.metrics } } : l;
  });
  // A details page without launches (no sections requested) still has the raw page's.
  return {
    ...details,
    launches: launches.length ? launches : raw.launches,
    messages: [...new Set([...details.messages, ...raw.messages])],
  };
}

/**
 * A CSV page from a file; `X.details.csv` with a `X.raw.csv` beside it (as flamelens' runs and
 * imports write them) is read with the raw page merged in.
 */
export async function readNcuCsvFile(file: string): Promise<NcuReport> {
  const details = parseNcuCsv(await readTextFile(file, 'Nsight Compute CSV pages'), file);
  if (!/\.details\.csv$/i.test(file)) return details;
  const rawFile = file.replace(/\.details\.csv$/i, '.raw.csv');
  const raw = await readTextFile(rawFile, 'Nsight Compute CSV pages').catch(() => undefined);
  return raw === undefined ? details : mergeNcuPages(details, parseNcuCsv(raw, rawFile));
}
