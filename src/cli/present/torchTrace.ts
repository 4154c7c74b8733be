/** `analyze` of a PyTorch trace: operators, kernels and GPU busy time, as tables or JSON. */
import { visibleName as v } from '../../core/util/visibleText';
import type { TorchSummary } from '../../core/analysis/torch/torchAnalysis';
import type { TorchTrace } from '../../core/model/torchTrace';
import type { Diagnosis } from '../../core/analysis/torch/diagnosis';
import type { RankDiagnosis } from '../../core/analysis/torch/rankDiagnosis';
import { memoryByOperator } from '../../core/analysis/torch/opMemory';

const r1 = (x: number) => Math.round(x * 1000) / 1000;
const ms3 = (us: number) => (us / 1000).toFixed(3);

/** The diagnosis as `analyze --json` prints it (queues as summaries, idle gaps counted). */
function diagnosisJson(d: Diagnosis, n: number) {
  return {
    temporal: d.temporal.map(round),
    idle: d.idle.map(({ gaps, ...x }) => ({ ...round(x), gaps: gaps.length })),
    overlap: d.overlap.map((o) => ({ ...round(o), byMix: round(o.byMix) })),
    launches: {
      ...round(d.launches),
      shortKernels: round(d.launches.shortKernels),
      byName: d.launches.byName.slice(0, n).map(round),
    },
    queue: d.queue.map(({ t, v: _v, ...q }) => ({ ...round(q), changes: t.length })),
    syncs: d.syncs.slice(0, n).map(round),
    criticalPath: {
      rank: d.criticalPath.rank,
      longest: d.criticalPath.steps[d.criticalPath.longest]?.step,
      stepsInTrace: d.criticalPath.stepsInTrace,
      steps: d.criticalPath.steps.map(({ segments, top, ...x }) => ({
        ...round(x),
        top: top.map(round),
        segments: segments.length,
      })),
    },
    findings: d.findings.map(round),
  };
}

const round = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeof x === 'number' ? r1(x) : x])) as T;

/** Several ranks of one run (`analyze` with several traces): the comparison, as JSON. */
export function ranksJson(r: RankDiagnosis, top: number | undefined) {
  return {
    labels: r.labels,
    ranks: r.ranks,
    steps: r.steps.map((s) => ({ ...round(s), us: s.us.map(r1) })),
    operators: r.operators.slice(0, top ?? Infinity).map((o) => ({ ...round(o), perStepUs: o.perStepUs.map(r1) })),
    communication: r.communication.map(round),
    findings: r.findings.map(round),
  };
}

/** The comparison of ranks as text: findings, then steps and communication per rank. */
export function ranksText(r: RankDiagnosis, top: number | undefined): string {
  let out = `${r.labels.length} ranks: ${r.labels.map(v).join(', ')}\n`;
  if (r.findings.length) {
    out += '\nFindings across ranks:\n';
    for (const f of r.findings) out += `- ${v(f.text)}\n`;
  }
  if (r.steps.length) {
    out += `\n${'step'.padEnd(18)} ${r.labels.map((l) => v(l).slice(0, 12).padStart(12)).join(' ')}  slowest (+%)\n`;
    for (const s of r.steps)
      out += `${v(s.step).padEnd(18)} ${s.us.map((x) => ms3(x).padStart(12)).join(' ')}  ${v(s.slowest)} (+${s.slowerPct.toFixed(0)}%)\n`;
  }
  out += `\n${'rank'.padEnd(18)} ${'comm ms'.padStart(10)} ${'waiting ms'.padStart(10)} ${'waiting %'.padStart(9)}\n`;
  for (const c of r.communication)
    out += `${v(c.label).padEnd(18)} ${ms3(c.communicationUs).padStart(10)} ${ms3(c.waitUs).padStart(10)} ${c.waitPct.toFixed(1).padStart(9)}\n`;
  const n = top ?? 10;
  if (r.operators.length) {
    out += `\nDiffering most (ms a step per rank):\n`;
    for (const o of r.operators.slice(0, n))
      out += `${o.perStepUs.map((x) => ms3(x).padStart(10)).join(' ')}  ${v(o.name.length > 100 ? `${o.name.slice(0, 97)}…` : o.name)} (${o.kind})\n`;
  }
  return out;
}

export function torchTraceJson(trace: TorchTrace, s: TorchSummary, d: Diagnosis, top: number | undefined) {
  const n = top ?? Infinity;
  return {
    kind: 'torch-trace',
    form: trace.form,
    ops: s.ops.slice(0, n).map((o) => ({
      name: o.name,
      calls: o.calls,
      selfCpuUs: r1(o.selfCpuUs),
      totalCpuUs: r1(o.totalCpuUs),
      selfDeviceUs: r1(o.selfDeviceUs),
      totalDeviceUs: r1(o.totalDeviceUs),
    })),
    kernels: s.kernels.slice(0, n).map((k) => ({
      name: k.name,
      calls: k.calls,
      totalUs: r1(k.totalUs),
      meanUs: r1(k.meanUs),
      minUs: r1(k.minUs),
      maxUs: r1(k.maxUs),
      gpuPct: Math.round(k.gpuPct * 100) / 100,
    })),
    gpu: s.gpu.map((g) => ({ device: g.device, busyUs: r1(g.busyUs), idleUs: r1(g.idleUs), spanUs: r1(g.spanUs) })),
    ...diagnosisJson(d, n),
    memoryOps: memoryByOperator(trace).slice(0, n),
    skipped: trace.skipped,
  };
}

export function torchTraceText(
  file: string,
  trace: TorchTrace,
  s: TorchSummary,
  top: number | undefined,
  d?: Diagnosis,
): string {
  const n = top ?? 15;
  const events = trace.eventCount.toLocaleString('en-US');
  let out = `${v(file)}: PyTorch trace (${trace.form}), ${events} events, span ${(s.spanUs / 1000).toFixed(1)} ms, ${trace.gpu.length} GPU activities\n`;
  for (const k of trace.skipped) out += `left out: ${k.count.toLocaleString('en-US')} ${k.why}\n`;
  if (d && d.findings.length) {
    out += '\nFindings, by the GPU time each could give back:\n';
    for (const f of d.findings) out += `- ${v(f.text)}\n`;
  }
  out += '\n';
  out += `${'self CPU ms'.padStart(12)} ${'total CPU ms'.padStart(12)} ${'self dev ms'.padStart(12)} ${'calls'.padStart(7)}  operator\n`;
  for (const o of [...s.ops].sort((a, b) => b.selfCpuUs - a.selfCpuUs).slice(0, n)) {
    const times = `${ms3(o.selfCpuUs).padStart(12)} ${ms3(o.totalCpuUs).padStart(12)} ${ms3(o.selfDeviceUs).padStart(12)}`;
    out += `${times} ${String(o.calls).padStart(7)}  ${v(o.name)}\n`;
  }
  if (s.kernels.length === 0) return out;
  out += `\n${'GPU %'.padStart(7)} ${'total ms'.padStart(10)} ${'calls'.padStart(7)}  kernel\n`;
  for (const k of s.kernels.slice(0, n)) {
    const name = v(k.name.length > 120 ? `${k.name.slice(0, 117)}…` : k.name);
    out += `${k.gpuPct.toFixed(1).padStart(7)} ${ms3(k.totalUs).padStart(10)} ${String(k.calls).padStart(7)}  ${name}\n`;
  }
  out += '\n';
  for (const g of s.gpu) {
    const pct = g.spanUs > 0 ? ((100 * g.busyUs) / g.spanUs).toFixed(1) : '0';
    out += `GPU ${g.device}: busy ${(g.busyUs / 1000).toFixed(1)} ms of ${(g.spanUs / 1000).toFixed(1)} ms (${pct}%)\n`;
  }
  return out;
}
