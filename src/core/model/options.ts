/**
 * Limits and defaults of every number a person sets, in one place: the editor's settings
 * (package.json declares the same default, minimum and maximum; a test holds the two together),
 * extension/shared/config reads them through optionValue, the CLI's flags through checkOption,
 * and the runners check what they are given before they start anything.
 */

export interface NumberOption {
  /** What the number is, for messages ("samples per second"). */
  what: string;
  default: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  integer?: boolean;
  /** The editor setting (package.json), when there is one. */
  setting?: string;
  /** The CLI flag, when there is one. */
  flag?: string;
}

export const OPTIONS = {
  sampleRate: {
    what: 'samples per second',
    default: 100,
    minimum: 1,
    maximum: 10000,
    setting: 'flamelens.profiler.rate',
    flag: '--rate',
  },
  duration: {
    what: 'seconds to record (0: until the program ends)',
    default: 0,
    minimum: 0,
    setting: 'flamelens.profiler.duration',
    flag: '--duration',
  },
  hotPathsMinTotalPercent: {
    what: 'smallest total share (percent) that gets a lens',
    default: 1,
    minimum: 0,
    maximum: 100,
    setting: 'flamelens.hotPaths.minTotalPercent',
  },
  lineHeatMaxLines: { what: 'lines tinted per file', default: 25, minimum: 0, setting: 'flamelens.lineHeat.maxLines' },
  fileSizeLimitMB: {
    what: 'MiB a file may have before opening it asks',
    default: 256,
    minimum: 1,
    setting: 'flamelens.files.sizeLimitMB',
  },
  readMemoryMB: {
    what: 'MiB of memory reading one file may use in the editor',
    default: 4096,
    minimum: 256,
    integer: true,
    setting: 'flamelens.files.readMemoryMB',
  },
  readTimeoutSec: {
    what: 'seconds reading one file may take in the editor',
    default: 600,
    minimum: 5,
    setting: 'flamelens.files.readTimeoutSec',
  },
  torchWait: {
    what: 'steps to wait',
    default: 1,
    minimum: 0,
    integer: true,
    setting: 'flamelens.torch.wait',
    flag: '--wait',
  },
  torchWarmup: {
    what: 'warm-up steps',
    default: 1,
    minimum: 0,
    integer: true,
    setting: 'flamelens.torch.warmup',
    flag: '--warmup',
  },
  torchActive: {
    what: 'recorded steps',
    default: 3,
    minimum: 1,
    integer: true,
    setting: 'flamelens.torch.active',
    flag: '--active',
  },
  torchRepeat: {
    what: 'cycles (0: until the program ends)',
    default: 1,
    minimum: 0,
    integer: true,
    setting: 'flamelens.torch.repeat',
    flag: '--repeat',
  },
  ncuLaunchCount: {
    what: 'kernel launches to profile',
    default: 20,
    minimum: 1,
    integer: true,
    setting: 'flamelens.ncu.launchCount',
    flag: '--launch-count',
  },
  gpuIntervalMs: {
    what: 'milliseconds between readings',
    default: 1000,
    minimum: 100,
    setting: 'flamelens.gpu.intervalMs',
    flag: '--interval',
  },
  gpuHistoryMinutes: {
    what: 'minutes of history',
    default: 60,
    minimum: 1,
    maximum: 1440,
    setting: 'flamelens.gpu.historyMinutes',
  },
  leakWindowSeconds: {
    what: 'seconds of the growth window',
    default: 300,
    minimum: 10,
    setting: 'flamelens.gpu.leak.windowSeconds',
  },
  leakMinMiBPerMinute: {
    what: 'MiB per minute of growth to report',
    default: 20,
    setting: 'flamelens.gpu.leak.minMiBPerMinute',
  },
  leakSampleSeconds: {
    what: 'seconds between memory samples',
    default: 5,
    minimum: 1,
    setting: 'flamelens.gpu.leak.sampleSeconds',
  },
  prometheusPort: { what: 'port', default: 9839, setting: 'flamelens.gpu.prometheus.port' },
  benchThresholdPct: {
    what: 'percent change that counts',
    default: 5,
    minimum: 0,
    maximum: 99,
    setting: 'flamelens.bench.threshold',
  },
  benchAlpha: {
    what: 'significance level',
    default: 0.01,
    exclusiveMinimum: 0,
    exclusiveMaximum: 0.5,
    setting: 'flamelens.bench.alpha',
    flag: '--alpha',
  },
  benchBlocks: {
    what: 'blocks of an interleaved comparison',
    default: 20,
    minimum: 2,
    maximum: 1000,
    integer: true,
    setting: 'flamelens.bench.blocks',
    flag: '--blocks',
  },
} satisfies Record<string, NumberOption>;

export type OptionName = keyof typeof OPTIONS;

/** Why `value` is not a valid `spec` ("must be between 1 and 10000"), or undefined when it is. */
export function optionProblem(spec: NumberOption, value: number): string | undefined {
  const range = rangePhrase(spec);
  const suffix = range ? ` ${range}` : '';
  if (!Number.isFinite(value)) return `must be a number${suffix}`;
  if (spec.integer && !Number.isInteger(value)) return `must be a whole number${suffix}`;
  const out =
    (spec.minimum !== undefined && value < spec.minimum) ||
    (spec.maximum !== undefined && value > spec.maximum) ||
    (spec.exclusiveMinimum !== undefined && value <= spec.exclusiveMinimum) ||
    (spec.exclusiveMaximum !== undefined && value >= spec.exclusiveMaximum);
  return out ? `must be ${range}` : undefined;
}

/** "between 1 and 10000", "at least 0", "over 0 and under 0.5", or '' without limits. */
function rangePhrase(spec: NumberOption): string {
  const lo =
    spec.minimum !== undefined
      ? `at least ${spec.minimum}`
      : spec.exclusiveMinimum !== undefined
        ? `over ${spec.exclusiveMinimum}`
        : '';
  const hi =
    spec.maximum !== undefined
      ? `at most ${spec.maximum}`
      : spec.exclusiveMaximum !== undefined
        ? `under ${spec.exclusiveMaximum}`
        : '';
  if (spec.minimum !== undefined && spec.maximum !== undefined) return `between ${spec.minimum} and ${spec.maximum}`;
  return [lo, hi].filter(Boolean).join(' and ');
}

/** An option given a value it cannot take: says which option, what it takes and what it got. */
export class OptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/**
 * `value` checked against `spec`; an OptionError naming `label` (a flag, a setting or an option
 * name) when it is out of range.
 */
export function checkOption(spec: NumberOption, value: number, label = spec.flag ?? spec.setting ?? spec.what): number {
  const problem = optionProblem(spec, value);
  if (problem) throw new OptionError(label, `${label} ${problem} (${spec.what}), got ${value}`);
  return value;
}

/** A setting's value when valid, else its default (the editor warns about the setting itself). */
export function optionValue(spec: NumberOption, value: unknown): number {
  return typeof value === 'number' && optionProblem(spec, value) === undefined ? value : spec.default;
}
