/**
 * Threshold alerts over GPU readings: a rule (metric, comparison, threshold, duration, severity)
 * fires when its condition has held on a GPU for the whole duration; it fires once per episode
 * (de-duplication: no repeat while the condition keeps holding), then stays quiet for its cooldown
 * even if the condition clears and comes back. GPUs that cross the same rule at the same reading
 * are reported together. A missing value (MIG has no utilisation, [N/A] fields) never fires and
 * breaks the episode. Rules marked whileProfiling only count while a profiling run is active
 * ("the GPU is starving").
 */
import type { GpuSample } from '../../model/telemetry';

export type AlertMetric =
  | 'temperatureC'
  | 'memoryUsedPct'
  | 'utilizationGpu'
  | 'utilizationMemory'
  | 'powerDrawW'
  | 'powerPct'
  | 'memoryUsedMiB'
  | 'fanPct';
export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertOp = '>' | '>=' | '<' | '<=';

export interface AlertRule {
  metric: AlertMetric;
  op: AlertOp;
  threshold: number;
  /** How long the condition must hold, seconds (0: at the first reading). */
  forSeconds: number;
  severity: AlertSeverity;
  /** Only while a flamelens profiling run is active. */
  whileProfiling?: boolean;
  /** Quiet time after firing, seconds (default 600). */
  cooldownSeconds?: number;
  /** Shown instead of the generated description. */
  message?: string;
}

export const ALERT_METRICS: Record<AlertMetric, { label: string; unit: string }> = {
  temperatureC: { label: 'temperature', unit: '°C' },
  memoryUsedPct: { label: 'memory used', unit: '%' },
  memoryUsedMiB: { label: 'memory used', unit: 'MiB' },
  utilizationGpu: { label: 'utilisation', unit: '%' },
  utilizationMemory: { label: 'memory bandwidth utilisation', unit: '%' },
  powerDrawW: { label: 'power draw', unit: 'W' },
  powerPct: { label: 'power draw', unit: '% of limit' },
  fanPct: { label: 'fan speed', unit: '%' },
};

export const DEFAULT_ALERT_RULES: AlertRule[] = [
  { metric: 'temperatureC', op: '>', threshold: 85, forSeconds: 300, severity: 'warning' },
  { metric: 'memoryUsedPct', op: '>', threshold: 95, forSeconds: 60, severity: 'warning' },
  {
    metric: 'utilizationGpu',
    op: '<',
    threshold: 10,
    forSeconds: 120,
    severity: 'info',
    whileProfiling: true,
    message:
      'the GPU is starving while a profiling run is active (utilisation under 10% for 2 min): look at data loading and host-side work',
  },
];

export function metricValue(s: GpuSample, m: AlertMetric): number | undefined {
  switch (m) {
    case 'memoryUsedPct':
      return s.memoryUsedMiB !== undefined && s.memoryTotalMiB ? (100 * s.memoryUsedMiB) / s.memoryTotalMiB : undefined;
    case 'powerPct':
      return s.powerDrawW !== undefined && s.powerLimitW ? (100 * s.powerDrawW) / s.powerLimitW : undefined;
    default:
      return s[m];
  }
}

/** Validates rules from settings; returns the good ones and a message per bad one. */
export function validateAlertRules(raw: unknown): { rules: AlertRule[]; problems: string[] } {
  const rules: AlertRule[] = [];
  const problems: string[] = [];
  if (!Array.isArray(raw))
    return { rules, problems: raw === undefined ? [] : ['flamelens.gpu.alerts.rules: expected a list of rules'] };
  raw.forEach((r, i) => {
    const where = `flamelens.gpu.alerts.rules[${i}]`;
    if (!r || typeof r !== 'object') return void problems.push(`${where}: expected an object`);
    const o = r as Record<string, unknown>;
    if (typeof o.metric !== 'string' || !(o.metric in ALERT_METRICS))
      return void problems.push(`${where}: metric must be one of ${Object.keys(ALERT_METRICS).join(', ')}`);
    if (!['>', '>=', '<', '<='].includes(String(o.op)))
      return void problems.push(`${where}: op must be one of > >= < <=`);
    if (typeof o.threshold !== 'number' || !Number.isFinite(o.threshold))
      return void problems.push(`${where}: threshold must be a number`);
    const forSeconds = o.forSeconds === undefined ? 0 : o.forSeconds;
    if (typeof forSeconds !== 'number' || !(forSeconds >= 0))
      return void problems.push(`${where}: forSeconds must be a number of seconds, 0 or more`);
    const severity = o.severity === undefined ? 'warning' : o.severity;
    if (!['info', 'warning', 'critical'].includes(String(severity)))
      return void problems.push(`${where}: severity must be info, warning or critical`);
    rules.push({
      metric: o.metric as AlertMetric,
      op: o.op as AlertOp,
      threshold: o.threshold,
      forSeconds,
      severity: severity as AlertSeverity,
      whileProfiling: o.whileProfiling === true || undefined,
      cooldownSeconds: typeof o.cooldownSeconds === 'number' && o.cooldownSeconds >= 0 ? o.cooldownSeconds : undefined,
      message: typeof o.message === 'string' ? o.message : undefined,
    });
  });
  return { rules, problems };
}

export function describeRule(r: AlertRule): string {
  const m = ALERT_METRICS[r.metric];
  const dur = r.forSeconds >= 60 ? `${+(r.forSeconds / 60).toFixed(1)} min` : `${r.forSeconds} s`;
  return `${m.label} ${r.op} ${r.threshold}${m.unit === '°C' || m.unit === '%' ? '' : ' '}${m.unit}${r.forSeconds > 0 ? ` for ${dur}` : ''}${r.whileProfiling ? ' while profiling' : ''}`;
}

export interface AlertEvent {
  rule: AlertRule;
  ruleIndex: number;
  severity: AlertSeverity;
  /** GPUs crossing the rule at this reading, with their values. */
  gpus: { index: number; name?: string; value: number }[];
  time: number;
  message: string;
}

interface Episode {
  since: number;
  fired: boolean;
}

const holds = (v: number, op: AlertOp, t: number) =>
  op === '>' ? v > t : op === '>=' ? v >= t : op === '<' ? v < t : v <= t;

export class AlertEvaluator {
  private readonly episodes = new Map<string, Episode>();
  private readonly lastFired = new Map<string, number>();

  constructor(private rules: AlertRule[]) {}

  setRules(rules: AlertRule[]): void {
    this.rules = rules;
    this.episodes.clear();
  }

  /** Feeds one reading (all GPUs at one time, ms); returns the alerts that fire now. */
  observe(time: number, gpus: GpuSample[], context: { profiling: boolean }): AlertEvent[] {
    const out: AlertEvent[] = [];
    this.rules.forEach((rule, ri) => {
      const firing: AlertEvent['gpus'] = [];
      for (const g of gpus) {
        const key = `${ri}\u0000${g.index}\u0000${g.uuid ?? ''}`;
        const v = metricValue(g, rule.metric);
        const active =
          (!rule.whileProfiling || context.profiling) && v !== undefined && holds(v, rule.op, rule.threshold);
        if (!active) {
          this.episodes.delete(key);
          continue;
        }
        let ep = this.episodes.get(key);
        if (!ep) {
          ep = { since: time, fired: false };
          this.episodes.set(key, ep);
        }
        if (ep.fired || time - ep.since < rule.forSeconds * 1000) continue;
        const last = this.lastFired.get(key);
        if (last !== undefined && time - last < (rule.cooldownSeconds ?? 600) * 1000) continue;
        ep.fired = true;
        this.lastFired.set(key, time);
        firing.push({ index: g.index, name: g.name, value: v as number });
      }
      if (firing.length === 0) return;
      const m = ALERT_METRICS[rule.metric];
      const values = firing
        .map(
          (f) =>
            `GPU ${f.index} ${f.value.toFixed(rule.metric === 'memoryUsedPct' || rule.metric === 'powerPct' ? 1 : 0)}${m.unit === '°C' || m.unit === '%' ? '' : ' '}${m.unit}`,
        )
        .join(', ');
      out.push({
        rule,
        ruleIndex: ri,
        severity: rule.severity,
        gpus: firing,
        time,
        message: `${rule.message ?? describeRule(rule)}: ${values}`,
      });
    });
    return out;
  }
}
