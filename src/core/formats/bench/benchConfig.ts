/**
 * `flamelens.bench.json`: the benchmarks of a workspace. Comments and trailing commas are allowed
 * (it is edited by hand); every mistake is reported with the line and the field's path, and an
 * unknown field is a mistake (a typo would otherwise be ignored silently). The JSON schema in
 * `schemas/flamelens.bench.schema.json` describes the same fields for the editor.
 */
import { splitCommandLine } from '../../util/commandLine';
import { isRecord, JsonDocument, type JsonPath } from '../jsonDocument';

export type CudaTiming = 'auto' | 'events' | 'sync' | 'off';

export interface BenchDefinition {
  name: string;
  kind: 'command' | 'callable';
  /** Command benchmarks: program and arguments (a string is split like a shell would). */
  command?: string[];
  /** Callable benchmarks: `module:function` (module relative to cwd, dotted). */
  callable?: string;
  /** Run once before warmup: a command (command benchmarks) or `module:function` (callables, its return value is passed to the callable). */
  setup?: string;
  cwd?: string;
  env?: Record<string, string>;
  warmup: number;
  /** Warmup continues until this many seconds passed too (compilation, autotuning). */
  warmupTime: number;
  /** Measured runs; with a time budget, the most. */
  runs: number;
  /** Stop measuring after this many seconds (at least `minRuns`). */
  timeBudget?: number;
  minRuns: number;
  /**
   * Callables: fresh processes a session spreads its runs over (each warms up). A process's own
   * state (memory layout, where it landed) moves all its runs together, so one process per
   * session hides most of the noise between sessions; commands already start one per run.
   */
  processes: number;
  cuda: CudaTiming;
  disableGc: boolean;
  /**
   * Callables timed by the wall clock: time a fixed calibration probe beside the runs, so a
   * comparison can take the machine's speed in each process out of the benchmark's (default on).
   */
  calibrate: boolean;
  /** Seconds one call may take before the benchmark is stopped. */
  timeout: number;
  python?: string;
}

export interface BenchConfig {
  file: string;
  benchmarks: BenchDefinition[];
  threshold?: number;
  alpha?: number;
  /** The baseline CodeLenses and `compare` use when none is named. */
  baseline?: string;
}

const RUN_FIELDS = [
  'warmup',
  'warmupTime',
  'runs',
  'timeBudget',
  'minRuns',
  'processes',
  'cuda',
  'disableGc',
  'calibrate',
  'timeout',
  'python',
  'cwd',
  'env',
] as const;
const BENCH_FIELDS = new Set<string>(['name', 'command', 'callable', 'setup', ...RUN_FIELDS]);
const TOP_FIELDS = new Set(['$schema', 'benchmarks', 'defaults', 'threshold', 'alpha', 'baseline']);

/** Every field the reader accepts, where: the contributed JSON schema names exactly these. */
export const BENCH_CONFIG_FIELDS = {
  top: [...TOP_FIELDS],
  defaults: [...RUN_FIELDS] as string[],
  benchmark: [...BENCH_FIELDS],
};

export const BASELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** "5%", 5 (percent) or 0.05 → 0.05. */
export function parseThreshold(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v >= 1 ? v / 100 : v;
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
    if (m) return Number(m[1]) / 100;
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n) && n >= 0) return n >= 1 ? n / 100 : n;
  }
  return undefined;
}

export function parseBenchConfig(text: string, file: string): BenchConfig {
  const doc = JsonDocument.parse(file, text, { comments: true });
  const root = doc.value;
  if (!isRecord(root)) throw doc.error([], 'expected an object with a "benchmarks" array');
  for (const key of Object.keys(root))
    if (!TOP_FIELDS.has(key))
      throw doc.error([key], `unknown field "${key}" (expected one of ${[...TOP_FIELDS].join(', ')})`);
  if (!Array.isArray(root.benchmarks))
    throw doc.error(['benchmarks'], 'expected "benchmarks": an array of benchmark definitions');
  const defaults = root.defaults ?? {};
  if (!isRecord(defaults)) throw doc.error(['defaults'], 'expected an object');
  for (const key of Object.keys(defaults))
    if (!(RUN_FIELDS as readonly string[]).includes(key))
      throw doc.error(
        ['defaults', key],
        `unknown field "${key}" in defaults (expected one of ${RUN_FIELDS.join(', ')})`,
      );

  const config: BenchConfig = { file, benchmarks: [] };
  if (root.threshold !== undefined) {
    config.threshold = parseThreshold(root.threshold);
    if (config.threshold === undefined)
      throw doc.error(['threshold'], 'expected a percentage like "5%" or a fraction like 0.05');
  }
  if (root.alpha !== undefined) {
    if (typeof root.alpha !== 'number' || !(root.alpha > 0 && root.alpha < 0.5))
      throw doc.error(['alpha'], 'expected a significance level between 0 and 0.5, like 0.01');
    config.alpha = root.alpha;
  }
  if (root.baseline !== undefined) {
    if (typeof root.baseline !== 'string' || !BASELINE_NAME.test(root.baseline))
      throw doc.error(['baseline'], 'expected a baseline name (letters, digits, . _ -)');
    config.baseline = root.baseline;
  }

  const names = new Set<string>();
  root.benchmarks.forEach((raw, i) => {
    const at = (...p: JsonPath): JsonPath => ['benchmarks', i, ...p];
    if (!isRecord(raw)) throw doc.error(at(), 'expected an object with "name" and "command" or "callable"');
    for (const key of Object.keys(raw))
      if (!BENCH_FIELDS.has(key))
        throw doc.error(at(key), `unknown field "${key}" (expected one of ${[...BENCH_FIELDS].join(', ')})`);
    const field = (key: string): { value: unknown; path: JsonPath } =>
      raw[key] !== undefined ? { value: raw[key], path: at(key) } : { value: defaults[key], path: ['defaults', key] };
    const int = (key: string, fallback: number, min: number): number => {
      const { value, path } = field(key);
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
        throw doc.error(path, `expected an integer of at least ${min}`);
      return value;
    };
    const seconds = (key: string): number | undefined => {
      const { value, path } = field(key);
      if (value === undefined) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw doc.error(path, 'expected a number of seconds (0 or more)');
      return value;
    };
    if (typeof raw.name !== 'string' || raw.name.trim() === '')
      throw doc.error(at('name'), 'expected a non-empty "name"');
    if (names.has(raw.name)) throw doc.error(at('name'), `a benchmark named "${raw.name}" is already defined`);
    names.add(raw.name);
    const hasCommand = raw.command !== undefined;
    const hasCallable = raw.callable !== undefined;
    if (hasCommand === hasCallable)
      throw doc.error(at(), 'expected exactly one of "command" (a program to run) or "callable" ("module:function")');
    const def: BenchDefinition = {
      name: raw.name,
      kind: hasCommand ? 'command' : 'callable',
      warmup: int('warmup', hasCommand ? 1 : 3, 0),
      warmupTime: seconds('warmupTime') ?? 0,
      runs: int('runs', 30, 2),
      minRuns: int('minRuns', 5, 2),
      processes: hasCommand ? 1 : int('processes', 5, 1),
      timeBudget: seconds('timeBudget'),
      timeout: seconds('timeout') ?? 600,
      cuda: 'auto',
      disableGc: false,
      calibrate: !hasCommand,
    };
    if (hasCommand) {
      const c = raw.command;
      const argv =
        typeof c === 'string'
          ? splitCommandLine(c)
          : Array.isArray(c) && c.every((x) => typeof x === 'string')
            ? (c as string[])
            : undefined;
      if (!argv || argv.length === 0)
        throw doc.error(at('command'), 'expected a command line (string) or an array of program and arguments');
      def.command = argv;
    } else {
      if (typeof raw.callable !== 'string' || !/^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/.test(raw.callable))
        throw doc.error(at('callable'), 'expected "module:function", like "bench.model:step"');
      def.callable = raw.callable;
    }
    if (raw.setup !== undefined) {
      if (typeof raw.setup !== 'string' || raw.setup.trim() === '')
        throw doc.error(at('setup'), hasCommand ? 'expected a command line' : 'expected "module:function"');
      if (!hasCommand && !/^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/.test(raw.setup))
        throw doc.error(at('setup'), 'expected "module:function" for a callable\'s setup');
      def.setup = raw.setup;
    }
    const cuda = field('cuda');
    if (cuda.value !== undefined) {
      if (!['auto', 'events', 'sync', 'off'].includes(cuda.value as string))
        throw doc.error(cuda.path, 'expected "auto", "events", "sync" or "off"');
      def.cuda = cuda.value as CudaTiming;
    }
    for (const key of ['disableGc', 'calibrate'] as const) {
      const f = field(key);
      if (f.value === undefined) continue;
      if (typeof f.value !== 'boolean') throw doc.error(f.path, 'expected true or false');
      def[key] = f.value;
    }
    if (hasCommand) def.calibrate = false;
    for (const key of ['cwd', 'python'] as const) {
      const f = field(key);
      if (f.value === undefined) continue;
      if (typeof f.value !== 'string' || f.value === '') throw doc.error(f.path, 'expected a path');
      def[key] = f.value;
    }
    const env = field('env');
    if (env.value !== undefined) {
      if (!isRecord(env.value) || !Object.values(env.value).every((v) => typeof v === 'string'))
        throw doc.error(env.path, 'expected an object of string values');
      def.env = env.value as Record<string, string>;
    }
    if (raw.runs === undefined && defaults.runs === undefined && def.timeBudget !== undefined) def.runs = 100_000;
    if (def.minRuns > def.runs) def.minRuns = def.runs;
    config.benchmarks.push(def);
  });
  return config;
}
