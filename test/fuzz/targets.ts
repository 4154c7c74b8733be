/**
 * Every parser of flamelens, with real inputs to mutate. Shared by the fuzz tests in the unit
 * suite (fixed seed, small) and `npm run fuzz` (longer). A parser must return a model or throw
 * the project's FormatError, never anything else, and finish within a bound.
 */
import * as path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { parseTorchTrace, readTorchTrace, TorchTraceBuilder } from '../../src/core/formats/torch/torchTrace';
import { JsonScanError, TraceEventScanner } from '../../src/core/formats/torch/jsonEventScanner';
import { FormatError } from '../../src/core/formats/formatError';
import { setTraceSegmentWorker } from '../../src/core/formats/torch/parallelRead';
import { parseNvidiaSmiCsv, parseComputeApps, QUERY_FIELDS } from '../../src/core/formats/gpu/nvidiaSmi';
import { parseNvidiaSmiXml } from '../../src/core/formats/gpu/nvidiaSmiXml';
import { parseNvidiaSmiQuery } from '../../src/core/formats/gpu/nvidiaSmiQuery';
import { parseNvidiaSmiTable } from '../../src/core/formats/gpu/nvidiaSmiTable';
import { parseNvidiaSmiDmon } from '../../src/core/formats/gpu/nvidiaSmiDmon';
import { parseNsysStatsCsv } from '../../src/core/formats/nsight/nsysStatsCsv';
import { parseNcuCsv } from '../../src/core/formats/nsight/ncuCsv';
import { readNsysSqlite } from '../../src/core/formats/nsight/nsysSqlite';
import { parsePytestBenchmark } from '../../src/core/formats/bench/pytestBenchmark';
import { parseBenchResults } from '../../src/core/formats/bench/benchResults';
import { parseBenchConfig } from '../../src/core/formats/bench/benchConfig';
import { queryClusterGpus } from '../../src/core/runners/gpu/prometheusClient';
import { parsePythonMemory } from '../../src/core/formats/memory/pythonMemory';

const ROOT = path.resolve(__dirname, '..', '..');
const REAL = path.join(ROOT, 'test', 'fixtures', 'real');
const HANDMADE = path.join(ROOT, 'test', 'fixtures', 'handmade');

export interface FuzzTarget {
  name: string;
  /** Real (and hand-made edge-case) inputs the mutations start from. */
  seeds: () => string[];
  parse: (text: string) => unknown;
  /** Per-case time bound (ms) for inputs up to the fuzzers' sizes. */
  boundMs: number;
}

const outcomeOf = (f: () => unknown): { ok: boolean; v?: unknown; e?: unknown } => {
  try {
    return { ok: true, v: f() };
  } catch (e) {
    return { ok: false, e };
  }
};

/** A trace read the way readTorchTrace reads files (events from their bytes), in chunks of `size`. */
function readTraceBytes(bytes: Buffer, size: number): unknown {
  const builder = new TorchTraceBuilder('fuzz.pt.trace.json');
  const scanner = new TraceEventScanner({
    event: (v, o) => builder.event(v, o),
    fields: (f, o) => builder.accept(f, o),
    topLevel: (k, v) => builder.topLevel(k, v),
  });
  if (/^\s*\[/.test(bytes.toString('latin1', 0, 64))) builder.form = 'legacy';
  try {
    for (let i = 0; i < bytes.length && !scanner.finished; i += size) scanner.push(bytes.subarray(i, i + size));
    scanner.end();
  } catch (e) {
    if (e instanceof JsonScanError) throw new FormatError('fuzz.pt.trace.json', `offset ${e.offset}`, e.message);
    throw e;
  }
  return builder.build();
}

const text = (...p: string[]) => readFileSync(path.join(...p), 'utf8');
const gz = (...p: string[]) => gunzipSync(readFileSync(path.join(...p))).toString('utf8');

export const TARGETS: FuzzTarget[] = [
  {
    name: 'CPU profiles (collapsed, py-spy raw, speedscope, Austin, built-in sampler)',
    seeds: () => [
      text(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'),
      text(REAL, 'profile-diff', 'after.folded'),
      text(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json').slice(0, 20000),
      text(HANDMADE, 'handmade-austin3-headers-fullmetrics.austin'),
      text(HANDMADE, 'handmade-speedscope-evented.speedscope.json'),
      text(HANDMADE, 'handmade-pyspy-raw-subprocesses-threads-native.folded'),
    ],
    parse: (t) => parseProfile(t, 'fuzz.profile'),
    boundMs: 2000,
  },
  {
    name: 'PyTorch profiler traces',
    seeds: () => [
      text(REAL, 'torch1.13.1-debian_cpu_legacy_mlp.trace.json').slice(0, 30000),
      gz(REAL, 'torchtrace_hta__event_sync_trace.json.gz').slice(0, 30000),
    ],
    parse: (t) => parseTorchTrace(t, 'fuzz.pt.trace.json'),
    boundMs: 2000,
  },
  {
    // Differential: events read from their bytes (eventBytes.ts) must give what JSON.parse gives.
    name: 'PyTorch profiler traces read from their bytes, against JSON.parse',
    seeds: () => [
      gz(REAL, 'torchtrace_hta__event_sync_trace.json.gz').slice(0, 30000),
      gz(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz').slice(0, 30000),
    ],
    parse: (t) => {
      const viaParse = outcomeOf(() => parseTorchTrace(t, 'fuzz.pt.trace.json'));
      const bytes = Buffer.from(t, 'utf8');
      // In one chunk and cut at a place the text picks, so cuts fall inside values too.
      for (const cut of [bytes.length, 1 + (bytes.length % 997)]) {
        const viaBytes = outcomeOf(() => readTraceBytes(bytes, cut));
        if (viaBytes.ok !== viaParse.ok || (viaParse.ok && !isDeepStrictEqual(viaBytes.v, viaParse.v)))
          throw new Error(
            `from bytes (chunks of ${cut}): ${viaBytes.ok ? 'read' : String(viaBytes.e)}; JSON.parse: ${viaParse.ok ? 'read' : String(viaParse.e)}${viaBytes.ok && viaParse.ok ? ' (different traces)' : ''}`,
          );
      }
      if (!viaParse.ok) throw viaParse.e;
      return viaParse.v;
    },
    boundMs: 2000,
  },
  {
    // Differential: the read in segments on worker threads must give what the read in one gives.
    name: 'PyTorch profiler traces read in 3 segments, against the read in one thread',
    seeds: () => [
      gz(REAL, 'torchtrace_hta__event_sync_trace.json.gz'),
      gz(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz').slice(0, 60000),
    ],
    parse: async (t) => {
      setTraceSegmentWorker(path.join(ROOT, 'dist', 'traceSegmentWorker.js'));
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'flamelens-fuzz-')), 'fuzz.pt.trace.json');
      writeFileSync(file, t, 'latin1');
      const outcome = (p: Promise<unknown>): Promise<{ ok: boolean; v?: unknown; e?: unknown }> =>
        p.then(
          (v) => ({ ok: true, v }),
          (e: unknown) => ({ ok: false, e }),
        );
      const one = await outcome(readTorchTrace(file, { threads: 1 }));
      const three = await outcome(readTorchTrace(file, { threads: 3, minBytes: 1 }));
      rmSync(path.dirname(file), { recursive: true });
      const why = (o: { ok: boolean; e?: unknown }) =>
        o.ok ? 'read' : o.e instanceof Error ? o.e.message : String(o.e);
      if (one.ok !== three.ok || why(one) !== why(three) || (one.ok && !isDeepStrictEqual(one.v, three.v)))
        throw new Error(`in segments: ${why(three)}; in one thread: ${why(one)}`);
      if (!one.ok) throw one.e;
      return one.v;
    },
    boundMs: 4000,
  },
  {
    name: 'nvidia-smi --query-gpu CSV',
    seeds: () => [
      text(REAL, 'nvidia_smi', 'exporter_testdata_query.txt'),
      text(REAL, 'nvidia_smi', 'query_gpu_v100s_miris_gpu_log.csv').slice(0, 8000),
    ],
    parse: (t) => parseNvidiaSmiCsv(t, 'fuzz.csv'),
    boundMs: 1000,
  },
  {
    name: 'nvidia-smi loop lines (noheader, flamelens fields) and --query-compute-apps',
    seeds: () => [
      '2025/06/13 00:27:52.195, 0, GPU-1, NVIDIA H100, 97, 40, 1000, 81559, 61, 300.5, 700, 1980, 2619, [N/A], P0\n',
      '1234, python, 8000\n',
    ],
    parse: (t) => [
      parseNvidiaSmiCsv(t, 'fuzz', QUERY_FIELDS),
      parseComputeApps(t, 'fuzz', ['pid', 'process_name', 'used_gpu_memory']),
    ],
    boundMs: 1000,
  },
  {
    name: 'nvidia-smi -q -x XML',
    seeds: () => [text(REAL, 'nvidia_smi', 'gtx-1070-ti.xml'), text(REAL, 'nvidia_smi', 'a10g.xml')],
    parse: (t) => parseNvidiaSmiXml(t, 'fuzz.xml'),
    boundMs: 2000,
  },
  {
    name: 'nvidia-smi -q text',
    seeds: () => [
      text(REAL, 'nvidia_smi', 'nvidia-smi-q_linux-l40s_595.80_load.txt'),
      text(REAL, 'nvidia_smi', 'nvidia-smi-q_linux-h100-mig_590.48.01_idle.txt'),
    ],
    parse: (t) => parseNvidiaSmiQuery(t, 'fuzz.txt'),
    boundMs: 1000,
  },
  {
    name: 'nvidia-smi table (plain nvidia-smi, -l logs)',
    seeds: () => [
      text(REAL, 'nvidia_smi', 'table_2x_rtx4090_driver580.txt'),
      text(REAL, 'nvidia_smi', 'nvidia-smi-table_linux-h100-mig_590.48.01_load.txt'),
      text(REAL, 'nvidia_smi', 'nvidia-smi-table_windows-geforce-rtx-2080-super_591.86_load.txt'),
    ],
    parse: (t) => parseNvidiaSmiTable(t, 'fuzz.txt'),
    boundMs: 1000,
  },
  {
    name: 'nvidia-smi dmon',
    seeds: () => [
      text(REAL, 'nvidia_smi', 'nvidia-smi-dmon_linux-h100-mig_590.48.01_load.txt'),
      text(HANDMADE, 'handmade-nvidia-smi-dmon-o-DT-s-pucm-2gpus-past-midnight.txt'),
    ],
    parse: (t) => parseNvidiaSmiDmon(t, 'fuzz.log'),
    boundMs: 1000,
  },
  {
    name: 'nsys stats CSV',
    seeds: () => [
      text(HANDMADE, 'handmade-nsys-stats-usec_cuda_gpu_kern_sum.csv').slice(0, 6000),
      text(HANDMADE, 'handmade-nsys2021-stats-old-report-names.csv').slice(0, 6000),
    ],
    parse: (t) => parseNsysStatsCsv(t, 'fuzz.csv'),
    boundMs: 1000,
  },
  {
    name: 'Nsight Compute CSV',
    seeds: () => [
      text(REAL, 'ncu', 'rtx5070_win_details_saxpy.csv'),
      text(HANDMADE, 'handmade-ncu-raw-page-two-launches.csv'),
      text(HANDMADE, 'handmade-ncu-details-with-rules.csv'),
    ],
    parse: (t) => parseNcuCsv(t, 'fuzz.csv'),
    boundMs: 1000,
  },
  {
    name: 'pytest-benchmark JSON',
    seeds: () => [
      text(
        REAL,
        'pytest-benchmark',
        'autosave',
        'Linux-CPython-3.11-64bit',
        '0001_97cee30c8f544511542628492359c6b9215fb032_20261123_133650.json',
      ),
    ],
    parse: (t) => parsePytestBenchmark(t, 'fuzz.json'),
    boundMs: 1000,
  },
  {
    name: 'flamelens benchmark results',
    seeds: () => [
      JSON.stringify({
        kind: 'flamelens-bench',
        version: 1,
        id: 'x',
        createdAt: '2026-01-01T00:00:00Z',
        source: 'flamelens',
        environment: { git: { commit: 'abc', dirty: false } },
        benchmarks: [{ name: 'a', kind: 'callable', samples: [0.001, 0.002], timing: 'wall' }],
      }),
    ],
    parse: (t) => parseBenchResults(t, 'fuzz.json'),
    boundMs: 1000,
  },
  {
    name: 'flamelens.bench.json',
    seeds: () => [text(ROOT, 'examples', 'bench', 'flamelens.bench.json')],
    parse: (t) => parseBenchConfig(t, 'flamelens.bench.json'),
    boundMs: 1000,
  },
  {
    name: 'Python memory profiles (flamelens memory)',
    seeds: () => [text(REAL, 'flamelens-memory-tracer_py3.11.7_known_allocations.json')],
    parse: (t) => parsePythonMemory(t, 'fuzz.json'),
    boundMs: 1000,
  },
  {
    name: 'Prometheus query answers (cluster view)',
    seeds: () => [
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"Hostname":"n1","gpu":"0","modelName":"NVIDIA L4"},"value":[1700000000,"73"]}]}}',
    ],
    parse: (t) => queryClusterGpus('http://127.0.0.1:9', async () => ({ ok: true, status: 200, text: async () => t })),
    boundMs: 1000,
  },
];

/** nsys SQLite exports are bytes (the page reader): mutated separately, fewer cases (each reads a database). */
export const SQLITE_SEED = () => readFileSync(path.join(REAL, 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite'));
export const parseSqlite = (bytes: Uint8Array) => readNsysSqlite(bytes, 'fuzz.sqlite');

/** A real snapshot (torch ~2.6, 72 KB: C++ and Python frames, a complete history) to mutate. */
export const PICKLE_SEED = (): Buffer =>
  readFileSync(path.join(REAL, 'torch_memory', 'silmont2000_assignment2-systems__mem_snapshot.pickle'));
