// The one way in for files (core/open/openFile), over every fixture: what each real or handmade
// file is detected as, and that it opens into that model (or fails with a FormatError naming it).
// Fixtures that other readers take (procfs, pytest-benchmark, key_averages, DCGM metrics) or that
// are not inputs (licences, notices, sources) are listed too, so a new fixture must be placed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { tmpdir } from 'node:os';
import { detectFileKind, openedKindOf, openFile, type FileKind } from '../../src/core/open/openFile';
import { FormatError } from '../../src/core/formats/formatError';
import { ROOT } from '../helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** Inputs of the dispatcher: the kind their content says, and whether they open. */
const TABLE: [file: string, kind: FileKind, opens: 'opens' | 'fails'][] = [
  ['handmade/handmade-austin1-line-tokens.austin', 'cpu-profile', 'opens'],
  ['handmade/handmade-austin3-headers-fullmetrics.austin', 'cpu-profile', 'opens'],
  ['handmade/handmade-corrupt-line3.folded', 'cpu-profile', 'fails'],
  ['handmade/handmade-hostile-names.folded', 'cpu-profile', 'opens'],
  ['handmade/handmade-ncu-details-with-rules.csv', 'ncu-csv', 'opens'],
  ['handmade/handmade-ncu-no-kernels.csv', 'ncu-csv', 'opens'],
  ['handmade/handmade-ncu-raw-page-roofline-h100.csv', 'ncu-csv', 'opens'],
  ['handmade/handmade-ncu-raw-page-two-launches.csv', 'ncu-csv', 'opens'],
  ['handmade/handmade-nsys-two-processes-osrt-sizes.sqlite', 'nsys-sqlite', 'opens'],
  ['handmade/handmade-nsys-stats-usec_cuda_gpu_kern_sum.csv', 'nsys-csv', 'opens'],
  ['handmade/handmade-nsys2021-stats-old-report-names.csv', 'nsys-csv', 'opens'],
  ['handmade/handmade-nsys2024-stats-stdout-all-reports.csv', 'nsys-csv', 'opens'],
  ['handmade/handmade-nsys2024-stats-cuda_gpu_trace-only.csv', 'nsys-csv', 'opens'],
  ['handmade/handmade-nsys2024-stats-default-reports-mostly-skipped.csv', 'nsys-csv', 'opens'],
  ['handmade/handmade-nvidia-smi-dmon-o-DT-s-pucm-2gpus-past-midnight.txt', 'nvidia-smi-dmon', 'opens'],
  ['handmade/handmade-pyspy-raw-nolineno-windows-paths.folded', 'cpu-profile', 'opens'],
  ['handmade/handmade-pyspy-raw-subprocesses-threads-native.folded', 'cpu-profile', 'opens'],
  ['handmade/handmade-speedscope-evented.speedscope.json', 'cpu-profile', 'opens'],
  ['real/flamelens-builtin-sampler1_py3.11.7_matrix_work.folded', 'cpu-profile', 'opens'],
  ['real/h200/ncu2025.3.1_h200_details_small_kernels.csv', 'ncu-csv', 'opens'],
  ['real/h200/ncu2025.3.1_h200_raw_roofline_small_kernels.csv', 'ncu-csv', 'opens'],
  ['real/h200/nvidia-smi_580.159.04_h200_q.txt', 'nvidia-smi-q', 'opens'],
  ['real/h200/nvidia-smi_580.159.04_h200_q.xml', 'nvidia-smi-xml', 'opens'],
  ['real/h200/nvidia-smi_580.159.04_h200_query_lms200_during_train.csv', 'nvidia-smi-csv', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_gloo2_rank0.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_gloo2_rank1.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_gpu_waits.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_train.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/ncu/rtx5070_win_details_gemm_tiled.csv', 'ncu-csv', 'opens'],
  ['real/ncu/rtx5070_win_details_saxpy.csv', 'ncu-csv', 'opens'],
  ['real/nsys/nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite', 'nsys-sqlite', 'opens'],
  ['real/nvidia_smi/a100-sxm4-v12.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/a10g.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/dual_2070-v13.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/dual_2080-v13.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/exporter_testdata_query.txt', 'nvidia-smi-csv', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-h100-80gb-hbm3_590.48.01_idle.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-h100-80gb-hbm3_590.48.01_load.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-h100-80gb-hbm3_590.48.01_idle.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-h100-80gb-hbm3_590.48.01_load.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-h100-mig_590.48.01_idle.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-h100-mig_590.48.01_load.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-l40s_595.80_idle.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_linux-l40s_595.80_load.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_windows-geforce-rtx-2080-super_591.86_idle.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-table_windows-geforce-rtx-2080-super_591.86_load.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/table_2x_rtx4090_driver580.txt', 'nvidia-smi-table', 'opens'],
  ['real/h200/nvidia-smi_580.159.04_h200_table.txt', 'nvidia-smi-table', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_linux-h100-80gb-hbm3_590.48.01_idle.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_linux-h100-80gb-hbm3_590.48.01_load.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_linux-h100-mig_590.48.01_idle.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_linux-h100-mig_590.48.01_load.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_linux-l40s_595.80_idle.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-dmon_windows-geforce-rtx-2080-super_591.86_idle.txt', 'nvidia-smi-dmon', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-h100-mig_590.48.01_idle.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-h100-mig_590.48.01_load.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-l40s_595.80_idle.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_linux-l40s_595.80_load.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_windows-geforce-rtx-2080-super_591.86_idle.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/nvidia-smi-q_windows-geforce-rtx-2080-super_591.86_load.txt', 'nvidia-smi-q', 'opens'],
  ['real/nvidia_smi/gt-1030.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/gtx-1070-ti.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/gtx-1660-ti.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/quadro-p2000-v12.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/quadro-p400.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/query_gpu_v100s_miris_gpu_log.csv', 'nvidia-smi-csv', 'opens'],
  ['real/nvidia_smi/rtx-3060-v12.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/rtx-3080-v12.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/rtx-3080-v13.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/rtx-3090-v12.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/rtx-4000-sff-ada-v13.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/tesla-t4.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/tesla_p4.xml', 'nvidia-smi-xml', 'opens'],
  ['real/nvidia_smi/tesla_t4.xml', 'nvidia-smi-xml', 'opens'],
  ['real/profile-diff/after.folded', 'cpu-profile', 'opens'],
  ['real/profile-diff/before.folded', 'cpu-profile', 'opens'],
  ['real/torch1.13.1-debian_cpu_legacy_mlp.trace.json', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__benchmark_result_924719_1679055439_trace.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__control.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__event_sync_trace.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__mi250_minitoy_train_ROCm6_2_kineto.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__nccl_data.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__rank-34.Jul_15_10_52_41.1074.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__sampled_rank-0.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_hta__triton_example.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_kineto_tb_plugin__resnet50_nw0_worker0.1623143089861.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz', 'torch-trace', 'opens'],
  ['real/torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz', 'torch-trace', 'opens'],
  ['real/yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json', 'cpu-profile', 'opens'],
  ['real/flamelens-memory-tracer_py3.11.7_known_allocations.json', 'python-memory', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_expandable_segments_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_gloo2_rank0_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_gloo2_rank1_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_train_oom_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/h200/torch2.11.0-cu130_h200_train_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/torch_memory/LfieLike_SketchKV2__my_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/torch_memory/Yiyi-philosophy_LLM-inference__oom_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/torch_memory/ZidongLiu_DeComFL__memory.pickle', 'torch-memory', 'opens'],
  ['real/torch_memory/bcrafton_assignment2-systems__memory_snapshot.pickle', 'torch-memory', 'opens'],
  ['real/torch_memory/silmont2000_assignment2-systems__mem_snapshot.pickle', 'torch-memory', 'opens'],
];

/** Fixtures read by other readers, or not inputs at all: why each is not in TABLE. */
const ELSEWHERE: [pattern: RegExp, why: string][] = [
  [/(^|\/)(LICENSE[^/]*|NOTICE\.md)$/, 'licence or notice'],
  [/\.py$/, 'a source file of a fixture project'],
  [/^real\/procfs\//, 'read by formats/gpu/procStats (host CPU, memory, disk, network)'],
  [/^real\/pytest-benchmark\//, 'read by the benchmark store (formats/bench/pytestBenchmark)'],
  [/key_averages\.json$/, "torch's key_averages(), compared with the trace's operator table"],
  [/dcgm.*\.metrics\.txt$/, 'Prometheus exposition text, read by the Prometheus tests'],
  [/^real\/ncu\/.*environment\.txt$/, 'the capture environment of the ncu pages'],
  [
    /^real\/nvidia_smi\/(linux|windows)-.*\.txt$/,
    'a capture of many nvidia-smi commands: its -q sections and tables are cut out into files of their own',
  ],
  [/^real\/h200\/VERSIONS\.txt$/, 'the versions of the tools of the H200 captures'],
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test('every fixture is either an input of the dispatcher (in the table) or read elsewhere, for a stated reason', () => {
  const inTable = new Set(TABLE.map(([f]) => f));
  for (const abs of [...walk(path.join(FIXTURES, 'real')), ...walk(path.join(FIXTURES, 'handmade'))]) {
    const rel = path.relative(FIXTURES, abs).split(path.sep).join('/');
    const elsewhere = ELSEWHERE.find(([re]) => re.test(rel));
    assert.ok(
      inTable.has(rel) !== !!elsewhere,
      `${rel}: ${inTable.has(rel) ? 'both in the table and elsewhere' : 'in neither'}`,
    );
  }
});

test('each input is detected from its content and opens into the model of its kind', async () => {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'fl-open-'));
  for (const [rel, kind, opens] of TABLE) {
    const file = path.join(FIXTURES, rel);
    assert.equal(await detectFileKind(file), kind, rel);
    if (opens === 'opens') {
      const opened = await openFile(file, { cacheDir });
      assert.equal(opened.kind, openedKindOf(kind), rel);
      assert.equal(opened.file, file);
    } else {
      await assert.rejects(
        openFile(file, { cacheDir }),
        (e: unknown) => e instanceof FormatError && e.file === file,
        rel,
      );
    }
  }
});

test('content decides, the name only breaks ties: a renamed input is the same kind', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-renamed-'));
  for (const [rel, kind] of TABLE) {
    const renamed = path.join(dir, `renamed-${path.basename(rel).replace(/\.[^.]*$/, '')}.data`);
    copyFileSync(path.join(FIXTURES, rel), renamed);
    assert.equal(await detectFileKind(renamed), kind, `${rel} renamed`);
  }
});

test('a caller that can show only some kinds gets a FormatError saying what the file is', async () => {
  const trace = path.join(FIXTURES, 'real', 'torch1.13.1-debian_cpu_legacy_mlp.trace.json');
  await assert.rejects(
    openFile(trace, { cacheDir: '', expect: { kinds: ['cpu-profile'], what: 'diff compares CPU profiles' } }),
    /torch1\.13\.1-debian_cpu_legacy_mlp\.trace\.json: this is a PyTorch profiler trace, but diff compares CPU profiles/,
  );
});
